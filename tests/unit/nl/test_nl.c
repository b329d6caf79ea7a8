/* Unit tests of src/nl against the running kernel.
 *
 * Every test runs in a fresh network namespace (unshare(CLONE_NEWNET) in
 * its setup), so nothing reaches the host's namespace and whatever a
 * failing test leaves behind is destroyed with its namespace. Tests still
 * delete what they create: deletion is under test too. Needs root; exits
 * 77 (meson's "skipped") when unshare() is not permitted. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <linux/if_tun.h>

#include "common/log.h"
#include "nl/nl.h"

#define SKIP_STATUS 77

static const uint8_t mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};

struct fx {
	int home_fd;   /* the test's own namespace */
	struct nl *nl; /* a request socket in it */
};

static int open_own_netns(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static bool same_ns(int fd_a, int fd_b)
{
	struct stat a, b;

	if (fstat(fd_a, &a) < 0 || fstat(fd_b, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool at_home(const struct fx *fx)
{
	int fd = open_own_netns();
	bool home = fd >= 0 && same_ns(fd, fx->home_fd);

	if (fd >= 0)
		close(fd);
	return home;
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (unshare(CLONE_NEWNET) < 0)
		goto free_fx;
	fx->home_fd = open_own_netns();
	if (fx->home_fd < 0)
		goto free_fx;
	fx->nl = nl_open();
	if (!fx->nl)
		goto close_home;
	*state = fx;
	return 0;

close_home:
	close(fx->home_fd);
free_fx:
	free(fx);
	return -1;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	int err = 0;

	/* A test may have failed while visiting another namespace. */
	if (setns(fx->home_fd, CLONE_NEWNET) < 0)
		err = -1;
	nl_close(fx->nl);
	close(fx->home_fd);
	free(fx);
	return err;
}

static int ifindex_of(struct nl *nl, const char *name)
{
	struct nl_link_info info;
	int err = nl_link_get(nl, name, 0, &info);

	return err ? err : info.ifindex;
}

static void test_veth_create_get(void **state)
{
	struct fx *fx = *state;
	struct nl_link_info a, b, info;
	int ia;

	ia = nl_veth_create(fx->nl, "vt0", "vt1", mac_b);
	assert_true(ia > 0);

	assert_int_equal(nl_link_get(fx->nl, "vt0", 0, &a), 0);
	assert_int_equal(a.ifindex, ia);
	assert_string_equal(a.name, "vt0");
	assert_string_equal(a.kind, "veth");
	assert_false(a.admin_up);
	assert_false(a.carrier);
	assert_int_equal(a.mtu, 1500);

	assert_int_equal(nl_link_get(fx->nl, "vt1", 0, &b), 0);
	assert_int_not_equal(b.ifindex, ia);
	assert_string_equal(b.kind, "veth");
	assert_memory_equal(b.mac, mac_b, 6);
	assert_false(b.admin_up);

	assert_int_equal(nl_link_get(fx->nl, NULL, b.ifindex, &info), 0);
	assert_string_equal(info.name, "vt1");
	assert_memory_equal(info.mac, mac_b, 6);

	/* With a name, the ifindex argument does not matter. */
	assert_int_equal(nl_link_get(fx->nl, "vt0", b.ifindex, &info), 0);
	assert_int_equal(info.ifindex, ia);

	/* lo has no IFLA_LINKINFO. */
	assert_int_equal(nl_link_get(fx->nl, "lo", 0, &info), 0);
	assert_string_equal(info.kind, "");
	assert_int_equal(info.ifindex, 1);

	/* Deleting one end deletes the pair. */
	assert_int_equal(nl_link_del(fx->nl, ia), 0);
	assert_int_equal(nl_link_get(fx->nl, "vt0", 0, &a), -ENODEV);
	assert_int_equal(nl_link_get(fx->nl, "vt1", 0, &b), -ENODEV);
}

static void test_veth_random_mac(void **state)
{
	struct fx *fx = *state;
	static const uint8_t zero[6];
	struct nl_link_info b;
	int ia;

	ia = nl_veth_create(fx->nl, "vt0", "vt1", NULL);
	assert_true(ia > 0);
	assert_int_equal(nl_link_get(fx->nl, "vt1", 0, &b), 0);
	assert_memory_not_equal(b.mac, zero, 6);
	assert_int_equal(b.mac[0] & 1, 0);
	assert_int_equal(nl_link_del(fx->nl, ia), 0);
}

static void test_set_up_down(void **state)
{
	struct fx *fx = *state;
	struct nl_link_info a, b;
	int ia, ib;

	ia = nl_veth_create(fx->nl, "vt0", "vt1", NULL);
	assert_true(ia > 0);
	ib = ifindex_of(fx->nl, "vt1");
	assert_true(ib > 0);

	assert_int_equal(nl_link_set_up(fx->nl, ia, true), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &a), 0);
	assert_true(a.admin_up);
	assert_false(a.carrier); /* the peer is down */

	assert_int_equal(nl_link_set_up(fx->nl, ib, true), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &a), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ib, &b), 0);
	assert_true(a.carrier);
	assert_true(b.admin_up);
	assert_true(b.carrier);

	assert_int_equal(nl_link_set_up(fx->nl, ia, false), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &a), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ib, &b), 0);
	assert_false(a.admin_up);
	assert_true(b.admin_up);
	assert_false(b.carrier);

	/* Idempotent. */
	assert_int_equal(nl_link_set_up(fx->nl, ia, false), 0);
	assert_int_equal(nl_link_del(fx->nl, ia), 0);
}

static void test_set_mac(void **state)
{
	struct fx *fx = *state;
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	struct nl_link_info a;
	int ia;

	ia = nl_veth_create(fx->nl, "vt0", "vt1", NULL);
	assert_true(ia > 0);
	assert_int_equal(nl_link_set_mac(fx->nl, ia, mac_a), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &a), 0);
	assert_memory_equal(a.mac, mac_a, 6);

	/* Also while up. */
	assert_int_equal(nl_link_set_up(fx->nl, ia, true), 0);
	assert_int_equal(nl_link_set_mac(fx->nl, ia, mac_b), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &a), 0);
	assert_memory_equal(a.mac, mac_b, 6);

	assert_int_equal(nl_link_set_mac(fx->nl, ia, mcast), -EINVAL);
	assert_int_equal(nl_link_set_mac(fx->nl, ia, bcast), -EINVAL);
	assert_int_equal(nl_link_set_mac(fx->nl, ia, zero), -EINVAL);
	assert_int_equal(nl_link_set_mac(fx->nl, ia, NULL), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &a), 0);
	assert_memory_equal(a.mac, mac_b, 6);

	assert_int_equal(nl_link_del(fx->nl, ia), 0);
}

static void test_bad_inputs(void **state)
{
	struct fx *fx = *state;
	static const uint8_t mcast[6] = {0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
	const char *too_long = "abcdefghijklmnop"; /* IFNAMSIZ chars */
	const char *longest = "abcdefghijklmno";   /* IFNAMSIZ - 1 */
	struct nl_link_info info;
	const int nosuch = 424242;
	int ia, fd;

	assert_int_equal(nl_veth_create(fx->nl, too_long, "vt1", NULL),
			 -EINVAL);
	assert_int_equal(nl_veth_create(fx->nl, "vt0", too_long, NULL),
			 -EINVAL);
	assert_int_equal(nl_veth_create(fx->nl, "", "vt1", NULL), -EINVAL);
	assert_int_equal(nl_veth_create(fx->nl, NULL, "vt1", NULL), -EINVAL);
	assert_int_equal(nl_veth_create(fx->nl, "vt0", NULL, NULL), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, too_long, 0, &info), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, "", 0, &info), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, NULL, 0, &info), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, NULL, -1, &info), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, "vt1", 0, &info), -ENODEV);

	/* Names the kernel refuses come back as its error. */
	assert_int_equal(nl_veth_create(fx->nl, "a/b", "vt1", NULL), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, "vt1", 0, &info), -ENODEV);

	ia = nl_veth_create(fx->nl, longest, "vt1", NULL);
	assert_true(ia > 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &info), 0);
	assert_string_equal(info.name, longest);
	assert_int_equal(nl_link_del(fx->nl, ia), 0);

	/* Duplicates, on either end; nothing half-created. */
	ia = nl_veth_create(fx->nl, "vt0", "vt1", NULL);
	assert_true(ia > 0);
	assert_int_equal(nl_veth_create(fx->nl, "vt0", "vt2", NULL), -EEXIST);
	assert_int_equal(nl_link_get(fx->nl, "vt2", 0, &info), -ENODEV);
	assert_int_equal(nl_veth_create(fx->nl, "vt3", "vt1", NULL), -EEXIST);
	assert_int_equal(nl_link_get(fx->nl, "vt3", 0, &info), -ENODEV);

	/* A peer MAC the link could never come up with. */
	assert_int_equal(nl_veth_create(fx->nl, "vt5", "vt6", mcast), -EINVAL);
	assert_int_equal(nl_link_get(fx->nl, "vt5", 0, &info), -ENODEV);
	assert_int_equal(nl_link_get(fx->nl, "vt6", 0, &info), -ENODEV);

	assert_int_equal(nl_link_get(fx->nl, NULL, nosuch, &info), -ENODEV);
	assert_int_equal(nl_link_del(fx->nl, nosuch), -ENODEV);
	assert_int_equal(nl_link_set_up(fx->nl, nosuch, true), -ENODEV);
	assert_int_equal(nl_link_set_mac(fx->nl, nosuch, mac_a), -ENODEV);
	assert_int_equal(nl_link_set_netns(fx->nl, nosuch, fx->home_fd),
			 -ENODEV);
	assert_int_equal(nl_link_del(fx->nl, 0), -EINVAL);
	assert_int_equal(nl_link_set_up(fx->nl, -3, true), -EINVAL);
	assert_int_equal(nl_link_set_mac(fx->nl, 0, mac_a), -EINVAL);
	assert_int_equal(nl_link_set_netns(fx->nl, 0, fx->home_fd), -EINVAL);

	/* Not a namespace fd. */
	assert_int_equal(nl_link_set_netns(fx->nl, ia, -1), -EBADF);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(nl_link_set_netns(fx->nl, ia, fd) < 0);
	close(fd);
	assert_int_equal(nl_link_get(fx->nl, NULL, ia, &info), 0);

	assert_int_equal(nl_link_del(fx->nl, ia), 0);
}

static void test_netns_move(void **state)
{
	struct fx *fx = *state;
	struct nl_link_info info;
	struct nl *nl_b, *nl_b2;
	int ns_b, ia, ib, fd;

	/* A second namespace: step into a new one and back. */
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	ns_b = open_own_netns();
	assert_true(ns_b >= 0);
	nl_b = nl_open();
	assert_non_null(nl_b);
	assert_int_equal(setns(fx->home_fd, CLONE_NEWNET), 0);

	ia = nl_veth_create(nl_b, "vm0", "vm1", mac_b);
	assert_true(ia > 0);
	ib = ifindex_of(nl_b, "vm1");
	assert_true(ib > 0);
	assert_int_equal(nl_link_get(fx->nl, "vm0", 0, &info), -ENODEV);

	assert_int_equal(nl_link_set_netns(nl_b, ib, fx->home_fd), 0);
	assert_int_equal(nl_link_get(fx->nl, "vm1", 0, &info), 0);
	assert_memory_equal(info.mac, mac_b, 6);
	assert_string_equal(info.kind, "veth");
	assert_int_equal(nl_link_get(fx->nl, "vm0", 0, &info), -ENODEV);
	assert_int_equal(nl_link_get(nl_b, "vm1", 0, &info), -ENODEV);

	nl_b2 = nl_open_in_netns(ns_b);
	assert_non_null(nl_b2);
	assert_true(at_home(fx));
	assert_int_equal(nl_link_get(nl_b2, "vm0", 0, &info), 0);
	assert_int_equal(info.ifindex, ia);
	assert_int_equal(nl_link_get(nl_b2, "vm1", 0, &info), -ENODEV);

	/* Failing cleanly: NULL, errno, and still at home. */
	errno = 0;
	assert_null(nl_open_in_netns(-1));
	assert_int_equal(errno, EBADF);
	assert_true(at_home(fx));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	errno = 0;
	assert_null(nl_open_in_netns(fd));
	assert_int_equal(errno, EINVAL);
	close(fd);
	assert_true(at_home(fx));

	/* The pair dies as one across namespaces. */
	assert_int_equal(nl_link_del(nl_b2, ia), 0);
	assert_int_equal(nl_link_get(fx->nl, "vm1", 0, &info), -ENODEV);

	nl_close(nl_b2);
	nl_close(nl_b);
	close(ns_b);
}

/* Runs in a child: a private mount namespace with a tmpfs on /run, so the
 * host's /run/netns is never touched. */
static int netns_open_child(void)
{
	struct stat want, got;
	int fd;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, NULL) < 0)
		return SKIP_STATUS;
	if (mkdir("/run/netns", 0755) < 0)
		return 1;
	fd = open("/run/netns/vt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return 2;
	close(fd);
	fd = open("/run/netns/stale", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return 3;
	close(fd);
	if (mount("/proc/self/ns/net", "/run/netns/vt", "none", MS_BIND, NULL))
		return 4;

	fd = netns_open("vt");
	if (fd < 0)
		return 5;
	if (fstat(fd, &got) < 0 || stat("/proc/self/ns/net", &want) < 0 ||
	    got.st_ino != want.st_ino || got.st_dev != want.st_dev)
		return 6;
	close(fd);
	if (netns_open("stale") != -EINVAL)
		return 7;
	if (netns_open("absent") != -ENOENT)
		return 8;
	return 0;
}

static void test_netns_open(void **state)
{
	char too_long[300];
	int status;
	pid_t pid;

	memset(too_long, 'n', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(netns_open(NULL), -EINVAL);
	assert_int_equal(netns_open(""), -EINVAL);
	assert_int_equal(netns_open("."), -EINVAL);
	assert_int_equal(netns_open(".."), -EINVAL);
	assert_int_equal(netns_open("a/b"), -EINVAL);
	assert_int_equal(netns_open("../../proc/self/ns/net"), -EINVAL);
	assert_int_equal(netns_open(too_long), -ENAMETOOLONG);
	assert_int_equal(netns_open("vflag-test-no-such-netns"), -ENOENT);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(netns_open_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == SKIP_STATUS) {
		print_message("no private mount namespace: skipping the "
			      "/run/netns part\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void skip_without_tun(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		print_message("/dev/net/tun: %s: skipping\n", strerror(errno));
		skip();
	}
	close(fd);
}

/* What QEMU does for -netdev tap,ifname=NAME (vnet_hdr on, one queue). */
static int tap_open_like_qemu(const char *name)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void test_tap(void **state)
{
	struct fx *fx = *state;
	static const uint8_t mcast[6] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x01};
	struct nl_link_info info;
	int it, iv, qfd;

	skip_without_tun();

	it = nl_tap_create(fx->nl, "vtap0", mac_a);
	assert_true(it > 0);
	/* The creating fd is closed by now: the device persists. */
	assert_int_equal(nl_link_get(fx->nl, "vtap0", 0, &info), 0);
	assert_int_equal(info.ifindex, it);
	assert_string_equal(info.kind, "tun");
	assert_memory_equal(info.mac, mac_a, 6);
	assert_false(info.admin_up);

	qfd = tap_open_like_qemu("vtap0");
	assert_true(qfd >= 0);
	assert_int_equal(nl_tap_delete("vtap0"), -EBUSY);
	close(qfd);
	assert_int_equal(ifindex_of(fx->nl, "vtap0"), it);

	assert_int_equal(nl_tap_create(fx->nl, "vtap0", mac_b), -EEXIST);
	assert_int_equal(nl_link_get(fx->nl, "vtap0", 0, &info), 0);
	assert_memory_equal(info.mac, mac_a, 6);

	iv = nl_veth_create(fx->nl, "vt0", "vt1", NULL);
	assert_true(iv > 0);
	assert_int_equal(nl_tap_create(fx->nl, "vt0", mac_b), -EEXIST);
	assert_int_equal(nl_tap_delete("vt0"), -EINVAL);
	assert_int_equal(ifindex_of(fx->nl, "vt0"), iv);
	assert_int_equal(nl_link_del(fx->nl, iv), 0);

	assert_int_equal(nl_tap_create(fx->nl, "vtap1", mcast), -EINVAL);
	assert_int_equal(nl_tap_create(fx->nl, "vtap1", NULL), -EINVAL);
	assert_int_equal(ifindex_of(fx->nl, "vtap1"), -ENODEV);
	assert_int_equal(nl_tap_create(fx->nl, "abcdefghijklmnop", mac_a),
			 -EINVAL);
	assert_int_equal(nl_tap_create(fx->nl, "", mac_a), -EINVAL);

	assert_int_equal(nl_tap_delete("vtap0"), 0);
	assert_int_equal(ifindex_of(fx->nl, "vtap0"), -ENODEV);
	assert_int_equal(nl_tap_delete("vtap0"), -ENODEV);
	assert_int_equal(ifindex_of(fx->nl, "vtap0"), -ENODEV);
	assert_int_equal(nl_tap_delete("abcdefghijklmnop"), -EINVAL);
	assert_int_equal(nl_tap_delete(NULL), -EINVAL);
}

static void test_tap_wrong_netns(void **state)
{
	struct fx *fx = *state;
	struct nl *nl_b;
	int ns_b;

	skip_without_tun();
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	ns_b = open_own_netns();
	assert_true(ns_b >= 0);
	assert_int_equal(setns(fx->home_fd, CLONE_NEWNET), 0);
	nl_b = nl_open_in_netns(ns_b);
	assert_non_null(nl_b);

	/* The TAP would be born here, where nl_b cannot see it. */
	assert_int_equal(nl_tap_create(nl_b, "vtap2", mac_a), -EXDEV);
	assert_int_equal(ifindex_of(fx->nl, "vtap2"), -ENODEV);
	assert_int_equal(ifindex_of(nl_b, "vtap2"), -ENODEV);

	nl_close(nl_b);
	close(ns_b);
}

struct ev_log {
	struct nl_link_event ev[1024]; /* in arrival order */
	int n;			       /* used */
};

static void ev_record(void *ctx, const struct nl_link_event *ev)
{
	struct ev_log *log = ctx;

	if (log->n < (int)(sizeof(log->ev) / sizeof(log->ev[0])))
		log->ev[log->n++] = *ev;
}

enum ev_what { EV_PRESENT, EV_ADMIN, EV_CARRIER, EV_DELETED };

static bool ev_match(const struct nl_link_event *ev, int ifindex,
		     enum ev_what what, bool value)
{
	if (ev->ifindex != ifindex)
		return false;
	switch (what) {
	case EV_PRESENT:
		return !ev->deleted;
	case EV_ADMIN:
		return !ev->deleted && ev->admin_up == value;
	case EV_CARRIER:
		return !ev->deleted && ev->carrier == value;
	case EV_DELETED:
		return ev->deleted;
	}
	return false;
}

/* Waits up to 5 s for a matching event at index `from` or later. Carrier
 * events go through the kernel's linkwatch, which may wait a second. */
static bool ev_wait(struct nl_monitor *mon, struct ev_log *log, int from,
		    int ifindex, enum ev_what what, bool value)
{
	for (int waited = 0; waited <= 5000; waited += 50) {
		struct pollfd pfd = {.fd = nl_monitor_fd(mon),
				     .events = POLLIN};

		for (; from < log->n; from++) {
			if (ev_match(&log->ev[from], ifindex, what, value))
				return true;
		}
		(void)poll(&pfd, 1, 50);
		assert_true(nl_monitor_read(mon, ev_record, log) >= 0);
	}
	return false;
}

static void test_monitor_events(void **state)
{
	struct fx *fx = *state;
	struct nl_monitor *mon;
	struct ev_log *log;
	int ia, ib, from;

	log = calloc(1, sizeof(*log));
	assert_non_null(log);
	mon = nl_monitor_open();
	assert_non_null(mon);
	assert_true(nl_monitor_fd(mon) >= 0);
	/* Nothing pending: returns at once. */
	assert_int_equal(nl_monitor_read(mon, ev_record, log), 0);

	ia = nl_veth_create(fx->nl, "vm0", "vm1", NULL);
	assert_true(ia > 0);
	ib = ifindex_of(fx->nl, "vm1");
	assert_true(ib > 0);
	assert_true(ev_wait(mon, log, 0, ia, EV_PRESENT, true));
	for (int i = 0; i < log->n; i++) {
		if (log->ev[i].ifindex == ia)
			assert_string_equal(log->ev[i].name, "vm0");
	}

	assert_int_equal(nl_link_set_up(fx->nl, ia, true), 0);
	assert_int_equal(nl_link_set_up(fx->nl, ib, true), 0);
	assert_true(ev_wait(mon, log, 0, ia, EV_ADMIN, true));
	assert_true(ev_wait(mon, log, 0, ib, EV_CARRIER, true));

	from = log->n;
	assert_int_equal(nl_link_set_up(fx->nl, ia, false), 0);
	assert_true(ev_wait(mon, log, from, ia, EV_ADMIN, false));
	assert_true(ev_wait(mon, log, from, ib, EV_CARRIER, false));

	from = log->n;
	assert_int_equal(nl_link_set_up(fx->nl, ia, true), 0);
	assert_true(ev_wait(mon, log, from, ib, EV_CARRIER, true));

	from = log->n;
	assert_int_equal(nl_link_del(fx->nl, ia), 0);
	assert_true(ev_wait(mon, log, from, ia, EV_DELETED, true));
	assert_true(ev_wait(mon, log, from, ib, EV_DELETED, true));

	nl_monitor_close(mon);
	free(log);
}

static void test_monitor_enobufs(void **state)
{
	struct fx *fx = *state;
	struct nl_monitor *mon;
	struct ev_log *log;
	int small = 1, big = 1 << 20;
	int ia, from;

	log = calloc(1, sizeof(*log));
	assert_non_null(log);
	mon = nl_monitor_open();
	assert_non_null(mon);
	ia = nl_veth_create(fx->nl, "vm0", "vm1", NULL);
	assert_true(ia > 0);

	/* Room for a message or two, then a burst nobody reads. */
	assert_int_equal(setsockopt(nl_monitor_fd(mon), SOL_SOCKET, SO_RCVBUF,
				    &small, sizeof(small)),
			 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal(nl_link_set_up(fx->nl, ia, i % 2 == 0), 0);
	assert_int_equal(nl_monitor_read(mon, ev_record, log), -ENOBUFS);

	/* The socket goes on working once the loss is reported. */
	assert_int_equal(setsockopt(nl_monitor_fd(mon), SOL_SOCKET,
				    SO_RCVBUFFORCE, &big, sizeof(big)),
			 0);
	assert_true(nl_monitor_read(mon, ev_record, log) >= 0);
	from = log->n;
	assert_int_equal(nl_link_set_up(fx->nl, ia, true), 0);
	assert_true(ev_wait(mon, log, from, ia, EV_ADMIN, true));

	assert_int_equal(nl_link_del(fx->nl, ia), 0);
	nl_monitor_close(mon);
	free(log);
}

static void test_close_null(void **state)
{
	nl_close(NULL);
	nl_monitor_close(NULL);
}

/* Each test in a fresh namespace of its own. */
#define NL_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		NL_TEST(test_veth_create_get),
		NL_TEST(test_veth_random_mac),
		NL_TEST(test_set_up_down),
		NL_TEST(test_set_mac),
		NL_TEST(test_bad_inputs),
		NL_TEST(test_netns_move),
		NL_TEST(test_netns_open),
		NL_TEST(test_tap),
		NL_TEST(test_tap_wrong_netns),
		NL_TEST(test_monitor_events),
		NL_TEST(test_monitor_enobufs),
		cmocka_unit_test(test_close_null),
	};
	/* clang-format on */

	/* Leave the host's namespace before anything else happens. */
	if (unshare(CLONE_NEWNET) < 0) {
		int err = errno;

		fprintf(stderr, "test_nl: %s: unshare(CLONE_NEWNET): %s%s\n",
			err == EPERM ? "skipped" : "failed", strerror(err),
			err == EPERM ? " (needs root)" : "");
		return err == EPERM ? SKIP_STATUS : 1;
	}
	log_set_quiet(true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
