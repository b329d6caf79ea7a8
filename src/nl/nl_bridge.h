/* The kernel bridge as rtnetlink shows it, for the bridge offload: FDB
 * entries (AF_BRIDGE neighbours), which bridge a link is a port of and
 * in which STP state, a bridge's ageing time; and the two writes a
 * switchdev driver makes: an entry marked extern_learn (the offload now
 * owns it and its ageing), an entry removed.
 *
 * struct nl_bridge_monitor is a socket of its own, subscribed to
 * RTNLGRP_NEIGH and RTNLGRP_LINK, drained by the event loop; dumps and
 * writes go over a request socket (nl/nl.h). */
#ifndef VFLAG_NL_BRIDGE_H
#define VFLAG_NL_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

struct nl;
struct nl_bridge_monitor;

/* One bridge FDB entry (RTM_NEWNEIGH/RTM_DELNEIGH, family AF_BRIDGE). */
struct nl_fdb_event {
	int port;   /* ndm_ifindex: the bridge port (or the bridge) */
	int master; /* NDA_MASTER: the bridge, 0 if absent */
	uint8_t mac[6];
	uint16_t vlan;	  /* NDA_VLAN, 0 if absent */
	bool deleted;	  /* RTM_DELNEIGH */
	bool local;	  /* NUD_PERMANENT: a port's own address */
	bool is_static;	  /* NUD_NOARP: added by a user */
	bool ext_learned; /* NTF_EXT_LEARNED */
	bool self;	  /* NTF_SELF: the device's own table, not the
			     bridge's */
};

/* What the offload needs of one link (RTM_NEWLINK/RTM_DELLINK). */
struct nl_brlink_event {
	int ifindex;
	int master;	    /* IFLA_MASTER, 0 if none */
	bool deleted;	    /* RTM_DELLINK of family AF_UNSPEC: gone */
	bool is_bridge;	    /* IFLA_INFO_KIND "bridge" */
	uint32_t ageing_cs; /* bridge: IFLA_BR_AGEING_TIME, 1/100 s; 0 if
			       the message lacked it */
	int port_state;	    /* bridge port: BR_STATE_*, -1 if the message
			       lacked it */
	bool admin_up;
	bool bridge_family; /* AF_BRIDGE: the bridge's report on a port;
			       only master and port_state are in it */
};

typedef void (*nl_fdb_cb)(void *ctx, const struct nl_fdb_event *ev);
typedef void (*nl_brlink_cb)(void *ctx, const struct nl_brlink_event *ev);

struct nl_bridge_monitor *nl_bridge_monitor_open(void);
void nl_bridge_monitor_close(struct nl_bridge_monitor *mon); /* NULL ok */
int nl_bridge_monitor_fd(const struct nl_bridge_monitor *mon);
/* Reads what is pending without blocking, calling fdb_cb or link_cb per
 * message. Returns the number of events, or -errno (-ENOBUFS: events were
 * lost, dump again). */
int nl_bridge_monitor_read(struct nl_bridge_monitor *mon, nl_fdb_cb fdb_cb,
			   nl_brlink_cb link_cb, void *ctx);

/* Every bridge FDB entry, and every link (with its master, and the
 * bridges' ageing time), then the STP state of every bridge port. */
int nl_fdb_dump(struct nl *nl, nl_fdb_cb cb, void *ctx);
int nl_brlink_dump(struct nl *nl, nl_brlink_cb cb, void *ctx);

/* `bridge fdb replace MAC dev PORT master extern_learn`: the bridge
 * keeps the entry on PORT without ageing it. */
int nl_fdb_ext_learn(struct nl *nl, int port, const uint8_t mac[6],
		     uint16_t vlan);
/* `bridge fdb del MAC dev PORT master`. -ENOENT if it was gone. */
int nl_fdb_del(struct nl *nl, int port, const uint8_t mac[6], uint16_t vlan);

#endif
