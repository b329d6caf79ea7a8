/* Persistent TAP devices that QEMU opens later with -netdev tap,ifname=.
 *
 * A TAP is created in the network namespace of the thread that opens
 * /dev/net/tun, which must also be the namespace of the `nl` handed in.
 * Single queue on purpose: QEMU asks for IFF_MULTI_QUEUE only with
 * queues=N, and the kernel refuses a mismatch. */
#include "nl/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/if_tun.h>
#include <net/if_arp.h>

#include "common/util.h"

/* What QEMU asks for with vnet_hdr=on (its default when supported). */
#define NL_TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)

static bool nl_tap_name_ok(const char *name)
{
	return name && *name && strnlen(name, IFNAMSIZ) < IFNAMSIZ;
}

/* Opens /dev/net/tun and attaches to (or creates) TAP `name`; returns the
 * device's flags (IFF_PERSIST among them) through `flags`. */
static int nl_tap_attach(const char *name, int extra, int *fdp, int *flags)
{
	struct ifreq ifr;
	int fd;
	int err;

	if (!nl_tap_name_ok(name))
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	/* ifr_flags is a short and IFF_TUN_EXCL its sign bit. */
	ifr.ifr_flags = (short)(NL_TAP_FLAGS | extra);
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto close_fd;
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		goto close_fd;
	*flags = (unsigned short)ifr.ifr_flags;
	*fdp = fd;
	return 0;

close_fd:
	err = -errno;
	close(fd);
	return err;
}

int nl_tap_create(struct nl *nl, const char *name, const uint8_t mac[6])
{
	struct nl_link_info info;
	struct ifreq ifr;
	int ifindex;
	int flags;
	int fd;
	int err;

	if (!mac || mac_is_multicast(mac) || mac_is_zero(mac))
		return -EINVAL;
	/* EXCL: without it TUNSETIFF attaches to an existing TAP, which we
	 * would then re-MAC and, on failure, fail to remove. */
	err = nl_tap_attach(name, IFF_TUN_EXCL, &fd, &flags);
	if (err == -EBUSY)
		return -EEXIST;
	if (err)
		return err;

	/* Until TUNSETPERSIST, closing fd removes the device: every failure
	 * below leaves nothing behind. */
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	/* On the tun fd, this names exactly our device, whatever the
	 * namespace of `nl`. */
	if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0) {
		err = -errno;
		goto close_fd;
	}
	/* Resolved in our namespace, the TAP's. */
	ifindex = (int)if_nametoindex(name);
	if (!ifindex) {
		err = -errno;
		goto close_fd;
	}
	/* The caller will use the ifindex through `nl`: it must mean the same
	 * device there. */
	err = nl_link_get(nl, NULL, ifindex, &info);
	if (err == -ENODEV || (!err && strcmp(info.name, name)))
		err = -EXDEV;
	if (err)
		goto close_fd;
	if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
		err = -errno;
		goto close_fd;
	}
	close(fd);
	return ifindex;

close_fd:
	close(fd);
	return err;
}

/* Fails with -EBUSY while a process (QEMU) has the TAP open, with -EINVAL
 * if `name` is not a TAP, with -ENODEV if there is no such device. */
int nl_tap_delete(const char *name)
{
	int flags;
	int fd;
	int err;

	/* Spares creating and removing a TAP (and its link events). */
	if (!nl_tap_name_ok(name))
		return -EINVAL;
	if (!if_nametoindex(name) && errno == ENODEV)
		return -ENODEV;
	err = nl_tap_attach(name, 0, &fd, &flags);
	if (err)
		return err;
	/* Not persistent: it appeared after the check above and TUNSETIFF
	 * just created it; close removes it. */
	if (!(flags & IFF_PERSIST)) {
		close(fd);
		return -ENODEV;
	}
	if (ioctl(fd, TUNSETPERSIST, 0) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}
