/* rtnetlink through libmnl: link requests, link events, netns handles.
 *
 * Owns the request socket (struct nl: one request in flight, answered by
 * the kernel's ack) and the monitor socket (struct nl_monitor, subscribed
 * to RTNLGRP_LINK, drained by the event loop). TAP devices are in tap.c.
 *
 * Threading: every object belongs to the thread that opened it.
 * nl_open_in_netns() moves the calling thread into another network
 * namespace for the length of the call. */
#include "nl/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if.h> /* after <net/if.h>: adds IFF_LOWER_UP */
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "common/log.h"
#include "common/util.h"
#include "nl/nl_impl.h"

#define NL_TAG "nl"
#define NL_NETNS_DIR "/run/netns"

struct nl_monitor {
	struct mnl_socket *sock; /* non-blocking, member of RTNLGRP_LINK */
	size_t buf_size;	 /* MNL_SOCKET_BUFFER_SIZE */
	char *buf;		 /* one datagram */
};

static int nl_name_check(const char *name)
{
	if (!name || !*name || strnlen(name, IF_NAMESIZE) >= IF_NAMESIZE)
		return -EINVAL;
	return 0;
}

static bool nl_mac_ok(const uint8_t *mac)
{
	return mac && !mac_is_multicast(mac) && !mac_is_zero(mac);
}

struct nl *nl_open(void)
{
	struct nl *nl;
	int one = 1;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		goto free_nl;
	/* Best effort: the kernel's reason for an error, and acks that do not
	 * echo the whole request. */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				    sizeof(one));
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one,
				    sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto close_sock;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return nl;

close_sock:
	err = errno;
	mnl_socket_close(nl->sock);
	errno = err;
free_nl:
	err = errno;
	free(nl);
	errno = err;
	return NULL;
}

struct nl *nl_open_in_netns(int netns_fd)
{
	struct nl *nl;
	int home;
	int err;

	/* setns() acts on the thread, so remember the thread's namespace. */
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return NULL;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		goto close_home;
	/* The socket stays bound to the namespace it was created in. */
	nl = nl_open();
	err = nl ? 0 : errno;
	if (setns(home, CLONE_NEWNET) < 0) {
		err = errno;
		LOG_ERR(NL_TAG, "cannot return to own network namespace: %s",
			strerror(err));
		nl_close(nl);
		nl = NULL;
	}
	close(home);
	errno = err;
	return nl;

close_home:
	err = errno;
	close(home);
	errno = err;
	return NULL;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Returns the ack's error (0 or -errno) and logs the kernel's extended
 * ack message, if any. Callers decide whether a failure matters, so the
 * message goes to debug. */
static int nl_ack_parse(const struct nlmsghdr *nlh, uint16_t req_type)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (len < sizeof(*e))
		return -EPROTO;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* Without NLM_F_CAPPED the request's payload sits between the
		 * header and the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len >= sizeof(e->msg))
			off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
		if (off > len)
			goto out;
		mnl_attr_for_each(attr, nlh, off)
		{
			if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				continue;
			LOG_DBG(NL_TAG, "request %u: %s: %s", req_type,
				strerror(e->error < 0 ? -e->error : 0),
				mnl_attr_get_str(attr));
		}
	}
out:
	if (e->error > 0)
		return -EPROTO;
	return e->error;
}

int nl_transact(struct nl *nl, struct nlmsghdr *req, nl_reply_cb cb, void *data)
{
	uint32_t seq = ++nl->seq;
	int cb_err = 0;

	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		nlh = (const struct nlmsghdr *)nl->buf;
		for (; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Left over from a request whose reply we gave up on
			 * (ENOBUFS): not ours. */
			if (nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_pid != nl->portid)
				continue;
			switch (nlh->nlmsg_type) {
			case NLMSG_ERROR: {
				int err = nl_ack_parse(nlh, req->nlmsg_type);

				return err ? err : cb_err;
			}
			case NLMSG_DONE:
				return cb_err;
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				break;
			default:
				/* Keep reading after a failure: the ack must
				 * not be left for the next request. */
				if (cb && !cb_err)
					cb_err = cb(nlh, data);
				break;
			}
		}
	}
}

/* Starts an acked request with a zeroed struct ifinfomsg in `buf`
 * (NL_REQ_SIZE bytes). */
static struct nlmsghdr *nl_link_msg(char *buf, uint16_t type, uint16_t flags,
				    int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	/* libmnl leaves attribute padding as it finds it. */
	memset(buf, 0, NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

static int nl_link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	/* Attributes newer than our headers are skipped. */
	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* Fills `out` from an RTM_NEWLINK/RTM_DELLINK message; -EPROTO if it is
 * malformed. */
static int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link_info *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifm;
	const struct nlattr *attr;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return -EPROTO;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifm), nl_link_attr_cb, tb) < 0)
		return -EPROTO;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifm->ifi_index;
	out->admin_up = ifm->ifi_flags & IFF_UP;
	out->carrier = ifm->ifi_flags & IFF_LOWER_UP;
	attr = tb[IFLA_IFNAME];
	if (attr) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    strlen(mnl_attr_get_str(attr)) >= sizeof(out->name))
			return -EPROTO;
		strcpy(out->name, mnl_attr_get_str(attr));
	}
	/* Not every link is Ethernet (ipip has 4 bytes): keep zeros then. */
	attr = tb[IFLA_ADDRESS];
	if (attr && mnl_attr_get_payload_len(attr) == sizeof(out->mac))
		memcpy(out->mac, mnl_attr_get_payload(attr), sizeof(out->mac));
	attr = tb[IFLA_MTU];
	if (attr) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return -EPROTO;
		out->mtu = mnl_attr_get_u32(attr);
	}
	attr = tb[IFLA_LINKINFO];
	if (attr) {
		const struct nlattr *info;

		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return -EPROTO;
		mnl_attr_for_each_nested(info, attr)
		{
			if (mnl_attr_get_type(info) != IFLA_INFO_KIND)
				continue;
			if (mnl_attr_validate(info, MNL_TYPE_NUL_STRING) < 0)
				return -EPROTO;
			/* Kinds are short ("veth", "tun"); truncate the
			 * unheard-of rather than fail the lookup. */
			snprintf(out->kind, sizeof(out->kind), "%s",
				 mnl_attr_get_str(info));
		}
	}
	return 0;
}

struct nl_get_ctx {
	struct nl_link_info info; /* filled by the reply */
	bool found;		  /* a reply came */
};

static int nl_link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_get_ctx *ctx = data;
	int err;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	err = nl_link_parse(nlh, &ctx->info);
	if (err)
		return err;
	ctx->found = true;
	return 0;
}

/* With a name, `ifindex` is ignored. `out` is written only on success. */
int nl_link_get(struct nl *nl, const char *name, int ifindex,
		struct nl_link_info *out)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nl_get_ctx ctx = {0};
	struct nlmsghdr *nlh;
	int err;

	if (name) {
		err = nl_name_check(name);
		if (err)
			return err;
		ifindex = 0;
	} else if (ifindex <= 0) {
		return -EINVAL;
	}
	nlh = nl_link_msg(buf, RTM_GETLINK, 0, ifindex);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = nl_transact(nl, nlh, nl_link_get_cb, &ctx);
	if (err)
		return err;
	if (!ctx.found)
		return -EPROTO;
	*out = ctx.info;
	return 0;
}

static int nl_link_del_name(struct nl *nl, const char *name)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_link_msg(buf, RTM_DELLINK, 0, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_transact(nl, nlh, NULL, NULL);
}

int nl_veth_create(struct nl *nl, const char *name, const char *peer,
		   const uint8_t *peer_mac)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlattr *linkinfo, *data, *peer_nest;
	struct nl_link_info info;
	struct nlmsghdr *nlh;
	struct ifinfomsg *peer_ifm;
	int err;

	if (nl_name_check(name) || nl_name_check(peer))
		return -EINVAL;
	/* The kernel would accept it and fail only at link up. */
	if (peer_mac && !nl_mac_ok(peer_mac))
		return -EINVAL;

	nlh = nl_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is described like a link of its own: header, then
	 * attributes. */
	peer_ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer_ifm));
	peer_ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	err = nl_transact(nl, nlh, NULL, NULL);
	if (err)
		return err;

	err = nl_link_get(nl, name, 0, &info);
	if (err)
		goto del_veth;
	return info.ifindex;

del_veth:
	if (nl_link_del_name(nl, name))
		LOG_WARN(NL_TAG, "veth %s left behind", name);
	return err;
}

int nl_link_del(struct nl *nl, int ifindex)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];

	if (ifindex <= 0)
		return -EINVAL;
	return nl_transact(nl, nl_link_msg(buf, RTM_DELLINK, 0, ifindex), NULL,
			   NULL);
}

int nl_link_set_up(struct nl *nl, int ifindex, bool up)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = nl_link_msg(buf, RTM_SETLINK, 0, ifindex);
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return nl_transact(nl, nlh, NULL, NULL);
}

int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6])
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	if (ifindex <= 0 || !nl_mac_ok(mac))
		return -EINVAL;
	nlh = nl_link_msg(buf, RTM_SETLINK, 0, ifindex);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_transact(nl, nlh, NULL, NULL);
}

int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -EINVAL;
	if (netns_fd < 0)
		return -EBADF;
	nlh = nl_link_msg(buf, RTM_SETLINK, 0, ifindex);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	return nl_transact(nl, nlh, NULL, NULL);
}

int netns_open(const char *name)
{
	char path[sizeof(NL_NETNS_DIR) + NAME_MAX + 1];
	int fd;

	/* NAME comes from the operator: keep it inside /run/netns. */
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/%s", NL_NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A stale entry whose bind mount is gone is a plain file. */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

struct mnl_socket *nl_group_socket(const int *groups, size_t n)
{
	struct mnl_socket *sock;
	int rcvbuf = NL_MON_RCVBUF;
	int fd, err;

	sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!sock)
		return NULL;
	fd = mnl_socket_get_fd(sock);
	/* FORCE passes rmem_max when we are privileged; else take what the
	 * sysctl allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		int group = groups[i];

		if (mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP, &group,
					  sizeof(group)) < 0)
			goto fail;
	}
	return sock;

fail:
	err = errno;
	mnl_socket_close(sock);
	errno = err;
	return NULL;
}

int nl_drain(struct mnl_socket *sock, char *buf, size_t buf_size, nl_msg_fn fn,
	     void *arg)
{
	int events = 0;

	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(sock, buf, buf_size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return events;
			/* libmnl's word for a truncated datagram: its
			 * events are lost all the same. */
			if (errno == ENOSPC)
				return -ENOBUFS;
			return -errno;
		}
		len = (int)n;
		nlh = (const struct nlmsghdr *)buf;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			events += fn(nlh, arg);
	}
}

struct nl_monitor *nl_monitor_open(void)
{
	static const int groups[] = {RTNLGRP_LINK};
	struct nl_monitor *mon;
	int err;

	mon = calloc(1, sizeof(*mon));
	if (!mon)
		return NULL;
	mon->buf_size = MNL_SOCKET_BUFFER_SIZE;
	mon->buf = malloc(mon->buf_size);
	if (!mon->buf)
		goto free_mon;
	mon->sock = nl_group_socket(groups, 1);
	if (!mon->sock)
		goto free_buf;
	return mon;

free_buf:
	err = errno;
	free(mon->buf);
	errno = err;
free_mon:
	err = errno;
	free(mon);
	errno = err;
	return NULL;
}

void nl_monitor_close(struct nl_monitor *mon)
{
	if (!mon)
		return;
	mnl_socket_close(mon->sock);
	free(mon->buf);
	free(mon);
}

int nl_monitor_fd(const struct nl_monitor *mon)
{
	return mnl_socket_get_fd(mon->sock);
}

/* Returns 0 and fills `ev` for a link message, -EAGAIN for one to skip. */
static int nl_monitor_parse(const struct nlmsghdr *nlh,
			    struct nl_link_event *ev)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nl_link_info info;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EAGAIN;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		goto malformed;
	/* The bridge reports port changes on the same group with
	 * AF_BRIDGE; its RTM_DELLINK means "left the bridge", not "gone". */
	if (ifm->ifi_family != AF_UNSPEC)
		return -EAGAIN;
	if (nl_link_parse(nlh, &info))
		goto malformed;
	memset(ev, 0, sizeof(*ev));
	ev->ifindex = info.ifindex;
	memcpy(ev->name, info.name, sizeof(ev->name));
	ev->deleted = nlh->nlmsg_type == RTM_DELLINK;
	ev->admin_up = info.admin_up;
	ev->carrier = info.carrier;
	ev->mtu = info.mtu;
	return 0;

malformed:
	LOG_WARN_RL(NL_TAG, "malformed link event skipped");
	return -EAGAIN;
}

struct monitor_read {
	nl_link_cb cb;
	void *ctx;
};

static int monitor_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct monitor_read *r = arg;
	struct nl_link_event ev;

	if (nl_monitor_parse(nlh, &ev))
		return 0;
	if (r->cb)
		r->cb(r->ctx, &ev);
	return 1;
}

int nl_monitor_read(struct nl_monitor *mon, nl_link_cb cb, void *ctx)
{
	struct monitor_read r = {cb, ctx};

	return nl_drain(mon->sock, mon->buf, mon->buf_size, monitor_msg, &r);
}
