/* sd_notify(3)'s datagram, without libsystemd: see notify.h. */
#include "common/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vflag_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t sun_len;
	size_t n;
	int fd, ret = 0;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	/* systemd also accepts "vsock:" addresses (for VMs); vflagd runs on a
	 * host, so those are refused rather than half supported. */
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, path, n);
	/* Abstract: a leading NUL, and the length, not a NUL, ends the name. */
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	sun_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, sun_len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int vflag_notify_ready(void)
{
	return vflag_notify("READY=1");
}

int vflag_notify_stopping(void)
{
	return vflag_notify("STOPPING=1");
}
