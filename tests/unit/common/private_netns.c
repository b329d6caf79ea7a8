/* A private network namespace with the eswitch known to load in it. */
#include "private_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "dp/dp.h"

static void write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* no IPv6 at all: nothing to silence */
	if (write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
	close(fd);
}

int test_private_netns_enter(const char *who)
{
	char err[256];
	struct dp *probe;
	int fd;

	/* Leave the host's namespace before anything else happens. */
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;

		fprintf(stderr, "%s: %s: unshare(CLONE_NEWNET): %s\n", who,
			e == EPERM ? "skipped" : "failed", strerror(e));
		return e == EPERM ? TEST_SKIP_STATUS : 1;
	}
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	/* BPF not permitted skips; permitted but the eswitch refused by the
	 * verifier is a failure. */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL);
	if (fd < 0) {
		fprintf(stderr, "%s: skipped: cannot create a BPF map: %s\n",
			who, strerror(errno));
		return TEST_SKIP_STATUS;
	}
	close(fd);
	probe = dp_open(err, sizeof(err));
	if (!probe) {
		fprintf(stderr, "%s: %s\n", who, err);
		return 1;
	}
	dp_close(probe);
	return 0;
}
