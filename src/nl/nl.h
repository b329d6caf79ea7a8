/* rtnetlink through libmnl: the links vflagd creates, adopts and watches.
 *
 * struct nl is a request socket (synchronous: send, wait for the ack);
 * struct nl_monitor is a separate socket subscribed to RTNLGRP_LINK whose
 * fd the event loop polls. Both are single-threaded. Every call returns 0
 * (or a non-negative result) or -errno, and on error leaves nothing
 * half-created. */
#ifndef VFLAG_NL_H
#define VFLAG_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

struct nl;
struct nl_monitor;

struct nl_link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	bool admin_up; /* IFF_UP */
	bool carrier;  /* IFF_LOWER_UP */
	uint32_t mtu;
	char kind[16]; /* IFLA_INFO_KIND ("veth", "tun", ...) or "" */
};

/* Opens a request socket in the caller's network namespace. */
struct nl *nl_open(void);
/* Opens a request socket inside the namespace `netns_fd` refers to, and
 * returns the calling thread to its own namespace. */
struct nl *nl_open_in_netns(int netns_fd);
void nl_close(struct nl *nl);

/* Looks a link up by name (ifindex) or by ifindex (name = NULL). */
int nl_link_get(struct nl *nl, const char *name, int ifindex,
		struct nl_link_info *out);
/* Creates a veth pair; the peer gets peer_mac unless it is NULL. Both ends
 * stay down. Returns the ifindex of `name`. */
int nl_veth_create(struct nl *nl, const char *name, const char *peer,
		   const uint8_t *peer_mac);
int nl_link_del(struct nl *nl, int ifindex);
int nl_link_set_up(struct nl *nl, int ifindex, bool up);
int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6]);
/* Moves the link into the namespace netns_fd refers to. */
int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd);

/* Creates a persistent TAP device (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
 * allowed to the opener) named `name` with MAC `mac`, so that QEMU can
 * later open it with -netdev tap,ifname=NAME. Returns its ifindex. */
int nl_tap_create(struct nl *nl, const char *name, const uint8_t mac[6]);
/* Removes a persistent TAP (clears TUNSETPERSIST). */
int nl_tap_delete(const char *name);

/* Opens /run/netns/NAME (as `ip netns` names them); returns an fd or -errno. */
int netns_open(const char *name);

/* Link events. */
struct nl_link_event {
	int ifindex;
	char name[IF_NAMESIZE];
	bool deleted; /* RTM_DELLINK */
	bool admin_up;
	bool carrier;
	uint32_t mtu; /* IFLA_MTU; 0 if the message lacked it */
};
typedef void (*nl_link_cb)(void *ctx, const struct nl_link_event *ev);

struct nl_monitor *nl_monitor_open(void);
void nl_monitor_close(struct nl_monitor *mon);
int nl_monitor_fd(const struct nl_monitor *mon);
/* Reads what is pending without blocking and calls cb once per link
 * message. Returns the number of events, or -errno (-ENOBUFS means events
 * were lost: the caller should re-read every link it cares about). */
int nl_monitor_read(struct nl_monitor *mon, nl_link_cb cb, void *ctx);

#endif
