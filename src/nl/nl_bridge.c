/* The kernel bridge over rtnetlink: see nl_bridge.h.
 *
 * Owns the bridge monitor socket. Requests go through the request socket
 * of nl.c (nl_transact). */
#include "nl/nl_bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "nl/nl_impl.h"

#define NL_BR_TAG "nl"

struct nl_bridge_monitor {
	struct mnl_socket *sock; /* non-blocking: RTNLGRP_NEIGH, _LINK */
	size_t buf_size;
	char *buf;
};

/* --- parsing --- */

static int nda_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, NDA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* 0 and ev filled for a bridge FDB message; -EAGAIN for one to skip,
 * -EPROTO for a malformed one. */
static int fdb_parse(const struct nlmsghdr *nlh, struct nl_fdb_event *ev)
{
	const struct nlattr *tb[NDA_MAX + 1] = {0};
	const struct ndmsg *ndm;

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return -EAGAIN;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return -EPROTO;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (ndm->ndm_family != AF_BRIDGE)
		return -EAGAIN;
	if (mnl_attr_parse(nlh, sizeof(*ndm), nda_attr_cb, tb) < 0)
		return -EPROTO;
	if (!tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return -EAGAIN; /* not an Ethernet entry */
	memset(ev, 0, sizeof(*ev));
	ev->port = ndm->ndm_ifindex;
	memcpy(ev->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	if (tb[NDA_MASTER]) {
		if (mnl_attr_validate(tb[NDA_MASTER], MNL_TYPE_U32) < 0)
			return -EPROTO;
		ev->master = (int)mnl_attr_get_u32(tb[NDA_MASTER]);
	}
	if (tb[NDA_VLAN]) {
		if (mnl_attr_validate(tb[NDA_VLAN], MNL_TYPE_U16) < 0)
			return -EPROTO;
		ev->vlan = mnl_attr_get_u16(tb[NDA_VLAN]);
	}
	ev->deleted = nlh->nlmsg_type == RTM_DELNEIGH;
	ev->local = ndm->ndm_state & NUD_PERMANENT;
	ev->is_static = ndm->ndm_state & NUD_NOARP;
	ev->ext_learned = ndm->ndm_flags & NTF_EXT_LEARNED;
	ev->self = ndm->ndm_flags & NTF_SELF;
	return 0;
}

static int ifla_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* IFLA_BRPORT_STATE inside a nest (IFLA_PROTINFO or slave data). */
static int brport_state(const struct nlattr *nest)
{
	const struct nlattr *a;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -1;
	mnl_attr_for_each_nested(a, nest)
	{
		if (mnl_attr_get_type(a) == IFLA_BRPORT_STATE &&
		    mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			return mnl_attr_get_u8(a);
	}
	return -1;
}

static uint32_t bridge_ageing(const struct nlattr *nest)
{
	const struct nlattr *a;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return 0;
	mnl_attr_for_each_nested(a, nest)
	{
		if (mnl_attr_get_type(a) == IFLA_BR_AGEING_TIME &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return mnl_attr_get_u32(a);
	}
	return 0;
}

static void linkinfo_parse(const struct nlattr *linkinfo,
			   struct nl_brlink_event *ev)
{
	const struct nlattr *a, *data = NULL, *slave_data = NULL;
	bool slave_bridge = false;

	if (mnl_attr_validate(linkinfo, MNL_TYPE_NESTED) < 0)
		return;
	mnl_attr_for_each_nested(a, linkinfo)
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_INFO_KIND:
			ev->is_bridge =
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			    !strcmp(mnl_attr_get_str(a), "bridge");
			break;
		case IFLA_INFO_DATA:
			data = a;
			break;
		case IFLA_INFO_SLAVE_KIND:
			slave_bridge =
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			    !strcmp(mnl_attr_get_str(a), "bridge");
			break;
		case IFLA_INFO_SLAVE_DATA:
			slave_data = a;
			break;
		}
	}
	if (ev->is_bridge && data)
		ev->ageing_cs = bridge_ageing(data);
	if (slave_bridge && slave_data)
		ev->port_state = brport_state(slave_data);
}

static int brlink_parse(const struct nlmsghdr *nlh, struct nl_brlink_event *ev)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifm;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EAGAIN;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return -EPROTO;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (ifm->ifi_family != AF_UNSPEC && ifm->ifi_family != AF_BRIDGE)
		return -EAGAIN;
	if (mnl_attr_parse(nlh, sizeof(*ifm), ifla_attr_cb, tb) < 0)
		return -EPROTO;
	memset(ev, 0, sizeof(*ev));
	ev->ifindex = ifm->ifi_index;
	ev->port_state = -1;
	ev->admin_up = ifm->ifi_flags & IFF_UP;
	if (tb[IFLA_MASTER]) {
		if (mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) < 0)
			return -EPROTO;
		ev->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	}
	if (ifm->ifi_family == AF_BRIDGE) {
		ev->bridge_family = true;
		/* The bridge's own word on a port: RTM_DELLINK here means
		 * "left the bridge", not "gone". */
		if (nlh->nlmsg_type == RTM_DELLINK)
			ev->master = 0;
		else if (tb[IFLA_PROTINFO])
			ev->port_state = brport_state(tb[IFLA_PROTINFO]);
		return 0;
	}
	ev->deleted = nlh->nlmsg_type == RTM_DELLINK;
	if (tb[IFLA_LINKINFO])
		linkinfo_parse(tb[IFLA_LINKINFO], ev);
	return 0;
}

/* --- the monitor --- */

struct nl_bridge_monitor *nl_bridge_monitor_open(void)
{
	static const int groups[] = {RTNLGRP_NEIGH, RTNLGRP_LINK};
	struct nl_bridge_monitor *mon = calloc(1, sizeof(*mon));

	if (!mon)
		return NULL;
	mon->buf_size = MNL_SOCKET_BUFFER_SIZE;
	mon->buf = malloc(mon->buf_size);
	if (mon->buf)
		mon->sock = nl_group_socket(groups, 2);
	if (!mon->sock) {
		nl_bridge_monitor_close(mon);
		return NULL;
	}
	return mon;
}

void nl_bridge_monitor_close(struct nl_bridge_monitor *mon)
{
	if (!mon)
		return;
	if (mon->sock)
		mnl_socket_close(mon->sock);
	free(mon->buf);
	free(mon);
}

int nl_bridge_monitor_fd(const struct nl_bridge_monitor *mon)
{
	return mnl_socket_get_fd(mon->sock);
}

/* One message to the callback it is for; 1 if it was an event. */
static int dispatch(const struct nlmsghdr *nlh, nl_fdb_cb fdb_cb,
		    nl_brlink_cb link_cb, void *ctx)
{
	struct nl_brlink_event lev;
	struct nl_fdb_event fev;
	int err;

	err = fdb_parse(nlh, &fev);
	if (err == 0) {
		if (fdb_cb)
			fdb_cb(ctx, &fev);
		return 1;
	}
	if (err == -EAGAIN) {
		err = brlink_parse(nlh, &lev);
		if (err == 0) {
			if (link_cb)
				link_cb(ctx, &lev);
			return 1;
		}
	}
	if (err == -EPROTO)
		LOG_WARN_RL(NL_BR_TAG, "malformed bridge event skipped");
	return 0;
}

struct drain_ctx {
	nl_fdb_cb fdb_cb;
	nl_brlink_cb link_cb;
	void *ctx;
};

static int drain_one(const struct nlmsghdr *nlh, void *arg)
{
	struct drain_ctx *c = arg;

	return dispatch(nlh, c->fdb_cb, c->link_cb, c->ctx);
}

int nl_bridge_monitor_read(struct nl_bridge_monitor *mon, nl_fdb_cb fdb_cb,
			   nl_brlink_cb link_cb, void *ctx)
{
	struct drain_ctx c = {fdb_cb, link_cb, ctx};

	return nl_drain(mon->sock, mon->buf, mon->buf_size, drain_one, &c);
}

/* --- dumps and writes --- */

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	drain_one(nlh, data);
	return 0;
}

static int dump(struct nl *nl, uint16_t type, uint8_t family, size_t hdrlen,
		struct drain_ctx *d)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	uint8_t *hdr;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	hdr[0] = family; /* ndm_family and ifi_family lead their headers */
	return nl_transact(nl, nlh, dump_cb, d);
}

int nl_fdb_dump(struct nl *nl, nl_fdb_cb cb, void *ctx)
{
	struct drain_ctx d = {.fdb_cb = cb, .ctx = ctx};

	return dump(nl, RTM_GETNEIGH, AF_BRIDGE, sizeof(struct ndmsg), &d);
}

int nl_brlink_dump(struct nl *nl, nl_brlink_cb cb, void *ctx)
{
	struct drain_ctx d = {.link_cb = cb, .ctx = ctx};
	int err;

	err = dump(nl, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), &d);
	if (err)
		return err;
	return dump(nl, RTM_GETLINK, AF_BRIDGE, sizeof(struct ifinfomsg), &d);
}

static struct nlmsghdr *fdb_msg(char *buf, uint16_t type, uint16_t flags,
				int port, const uint8_t mac[6], uint16_t vlan,
				uint16_t state, uint8_t ndm_flags)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	memset(buf, 0, NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = port;
	ndm->ndm_state = state;
	ndm->ndm_flags = ndm_flags;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (vlan)
		mnl_attr_put_u16(nlh, NDA_VLAN, vlan);
	return nlh;
}

int nl_fdb_ext_learn(struct nl *nl, int port, const uint8_t mac[6],
		     uint16_t vlan)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];

	return nl_transact(
	    nl,
	    fdb_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, port, mac,
		    vlan, NUD_REACHABLE, NTF_MASTER | NTF_EXT_LEARNED),
	    NULL, NULL);
}

int nl_fdb_del(struct nl *nl, int port, const uint8_t mac[6], uint16_t vlan)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];

	return nl_transact(
	    nl, fdb_msg(buf, RTM_DELNEIGH, 0, port, mac, vlan, 0, NTF_MASTER),
	    NULL, NULL);
}
