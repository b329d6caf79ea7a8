/* Pinning the container's namespace and the VF's link in it (libmnl). */
#include "cni/netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void cni_pin_name(const char *network, const char *container_id,
		  const char *ifname, char name[CNI_PIN_NAME_MAX])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
	const char *parts[] = {network, container_id, ifname};

	for (int i = 0; i < 3; i++) {
		for (const char *p = parts[i]; *p; p++) {
			h ^= (uint8_t)*p;
			h *= 0x100000001b3ull;
		}
		h ^= 0xff; /* a separator no name contains */
		h *= 0x100000001b3ull;
	}
	snprintf(name, CNI_PIN_NAME_MAX, CNI_PIN_PREFIX "%016llx",
		 (unsigned long long)h);
}

/* /run/netns as a shared mount point, as `ip netns add` leaves it: mounts
 * made under it then propagate into mount namespaces (a vflagd started by
 * `ip netns exec`) that were copied from ours. */
static int run_dir_prepare(void)
{
	if (mkdir(CNI_NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (!mount("", CNI_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* Not a mount point yet. */
	if (mount(CNI_NETNS_RUN_DIR, CNI_NETNS_RUN_DIR, "none",
		  MS_BIND | MS_REC, NULL))
		return -errno;
	if (mount("", CNI_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return -errno;
	return 0;
}

int cni_pin(const char *path, const char *name)
{
	char pin[sizeof(CNI_NETNS_RUN_DIR) + CNI_PIN_NAME_MAX + 1];
	int fd, ret;

	ret = run_dir_prepare();
	if (ret)
		return ret;
	snprintf(pin, sizeof(pin), CNI_NETNS_RUN_DIR "/%s", name);
	fd = open(pin, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount(path, pin, "none", MS_BIND, NULL)) {
		ret = -errno;
		unlink(pin);
		return ret;
	}
	return 0;
}

int cni_unpin(const char *name)
{
	char pin[sizeof(CNI_NETNS_RUN_DIR) + CNI_PIN_NAME_MAX + 1];

	snprintf(pin, sizeof(pin), CNI_NETNS_RUN_DIR "/%s", name);
	/* MNT_DETACH: a process inside (ip netns exec) must not make DEL
	 * fail; the namespace lives on as long as it is used. */
	if (umount2(pin, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(pin) && errno != ENOENT)
		return -errno;
	return 0;
}

int cni_netns_open(const char *path, const char *name)
{
	char pin[sizeof(CNI_NETNS_RUN_DIR) + CNI_PIN_NAME_MAX + 1];
	int fd;

	if (name) {
		snprintf(pin, sizeof(pin), CNI_NETNS_RUN_DIR "/%s", name);
		path = pin;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A pin whose mount is gone is an empty file, not a namespace. */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

bool cni_netns_same(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* A netlink route socket inside the namespace ns_fd: enter it, open the
 * socket, come back (the socket stays where it was made). */
static struct mnl_socket *sock_in(int ns_fd, int *ret)
{
	struct mnl_socket *nl = NULL;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (self < 0) {
		*ret = -errno;
		return NULL;
	}
	if (setns(ns_fd, CLONE_NEWNET)) {
		*ret = -errno;
		goto close_self;
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		*ret = -errno;
		if (nl)
			mnl_socket_close(nl);
		nl = NULL;
	}
	/* Not coming back would leave the plugin acting in the container. */
	if (setns(self, CLONE_NEWNET))
		abort();
close_self:
	close(self);
	return nl;
}

/* Sends one request and runs cb over the replies until the ack or the
 * dump's end. 0 or -errno. */
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned portid = mnl_socket_get_portid(nl);
	unsigned seq;
	int ret;

	nlh->nlmsg_seq = seq = (unsigned)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, cb, data);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct cni_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(attr));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == 6)
			memcpy(l->mac, mnl_attr_get_payload(attr), 6);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct cni_link *l = data;

	l->ifindex = ifi->ifi_index;
	l->up = ifi->ifi_flags & IFF_UP;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
	return MNL_CB_OK;
}

int cni_link_get(int ns_fd, const char *name, int ifindex, struct cni_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct mnl_socket *nl;
	int ret = 0;

	nl = sock_in(ns_fd, &ret);
	if (!nl)
		return ret;
	memset(out, 0, sizeof(*out));
	nlh->nlmsg_type = RTM_GETLINK;
	/* The ack ends the exchange for talk(). */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = name ? 0 : ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	ret = talk(nl, nlh, link_cb, out);
	mnl_socket_close(nl);
	return ret;
}

/* RTM_NEWLINK on ifindex with flags/change and an optional new name. */
static int link_set(int ns_fd, int ifindex, unsigned flags, unsigned change,
		    const char *newname)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct mnl_socket *nl;
	int ret = 0;

	nl = sock_in(ns_fd, &ret);
	if (!nl)
		return ret;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (newname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	ret = talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return ret;
}

int cni_link_set_up(int ns_fd, int ifindex, bool up)
{
	return link_set(ns_fd, ifindex, up ? IFF_UP : 0, IFF_UP, NULL);
}

int cni_link_rename(int ns_fd, int ifindex, const char *newname, bool up)
{
	int ret = cni_link_set_up(ns_fd, ifindex, false);

	if (!ret)
		ret = link_set(ns_fd, ifindex, 0, 0, newname);
	if (!ret && up)
		ret = cni_link_set_up(ns_fd, ifindex, true);
	return ret;
}

/* Parses "a.b.c.d/n" or "x::y/n"; family or -EINVAL. */
static int parse_cidr(const char *cidr, uint8_t addr[16], unsigned *plen)
{
	const char *slash = strchr(cidr, '/');
	char ip[64];
	int family;

	if (!slash || (size_t)(slash - cidr) >= sizeof(ip))
		return -EINVAL;
	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - cidr), cidr);
	*plen = (unsigned)atoi(slash + 1);
	if (inet_pton(AF_INET, ip, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		family = AF_INET6;
	else
		return -EINVAL;
	if (*plen > (family == AF_INET ? 32u : 128u))
		return -EINVAL;
	return family;
}

struct addr_match {
	int ifindex;
	int family;
	unsigned prefixlen;
	uint8_t addr[16];
	bool found;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_match *m = data;
	struct nlattr *attr;
	size_t alen = m->family == AF_INET ? 4 : 16;

	if ((int)ifa->ifa_index != m->ifindex || ifa->ifa_family != m->family ||
	    ifa->ifa_prefixlen != m->prefixlen)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(attr) == IFA_ADDRESS &&
		    mnl_attr_get_payload_len(attr) == alen &&
		    !memcmp(mnl_attr_get_payload(attr), m->addr, alen))
			m->found = true;
	}
	return MNL_CB_OK;
}

int cni_link_has_addr(int ns_fd, int ifindex, const char *cidr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_match m = {.ifindex = ifindex};
	struct rtgenmsg *rt;
	struct mnl_socket *nl;
	int ret = 0;

	m.family = parse_cidr(cidr, m.addr, &m.prefixlen);
	if (m.family < 0)
		return m.family;
	nl = sock_in(ns_fd, &ret);
	if (!nl)
		return ret;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = (unsigned char)m.family;
	ret = talk(nl, nlh, addr_cb, &m);
	mnl_socket_close(nl);
	return ret ? ret : m.found;
}

int cni_addr_add(int ns_fd, int ifindex, const char *cidr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct mnl_socket *nl;
	uint8_t addr[16];
	unsigned plen;
	int family, ret = 0;

	family = parse_cidr(cidr, addr, &plen);
	if (family < 0)
		return family;
	nl = sock_in(ns_fd, &ret);
	if (!nl)
		return ret;
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags =
	    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, family == AF_INET ? 4 : 16, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, addr);
	ret = talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return ret;
}

int cni_route_add(int ns_fd, int ifindex, const char *dst, const char *gw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t daddr[16], gaddr[16];
	struct mnl_socket *nl;
	struct rtmsg *rtm;
	unsigned plen;
	int family, ret = 0;

	family = parse_cidr(dst, daddr, &plen);
	if (family < 0)
		return family;
	if (gw && inet_pton(family, gw, gaddr) != 1)
		return -EINVAL;
	nl = sock_in(ns_fd, &ret);
	if (!nl)
		return ret;
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags =
	    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (plen)
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, daddr);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16,
			     gaddr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	ret = talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return ret;
}
