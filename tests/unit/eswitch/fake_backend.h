/* An in-memory eswitch backend (struct eswitch_ops) for unit tests: it
 * records what the model programs (ports, fdb entries, flood lists,
 * counters) and keeps the devices and namespaces it asked for, so the
 * model's rules can be checked without root, BPF or netlink.
 *
 * Devices behave as rtnetlink's do where the model depends on it: names
 * are unique per namespace, a veth pair dies whole, a link moves between
 * namespaces keeping its ifindex. Any call can be made to fail once. */
#ifndef VFLAG_TEST_FAKE_BACKEND_H
#define VFLAG_TEST_FAKE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "eswitch/ops.h"

#define FAKE_MAX_DEVS 512
#define FAKE_MAX_FDB 1024
#define FAKE_MAX_NS 8
#define FAKE_NS_LEN 64

struct fake_dev {
	bool used;
	int ifindex;
	char name[16];
	char netns[FAKE_NS_LEN]; /* "" = vflagd's */
	uint8_t mac[6];
	bool admin_up;
	bool carrier;
	bool tap;
	bool quiet;   /* rep_quiet was called on it */
	uint32_t mtu; /* 0 reads as 1500 */
	int peer;     /* a veth's other end; 0 = none */
};

struct fake_port {
	bool attached;
	struct vflag_port entry;
};

struct fake_fdb {
	bool used;
	uint32_t domain;
	uint16_t vlan;
	uint8_t mac[6];
	int ifindex;
	uint32_t port_id;
};

struct fake_ns {
	bool used;
	char name[FAKE_NS_LEN];
};

/* Which call fails next, with what (then the failure is spent). */
enum fake_op {
	FAKE_OP_NONE,
	FAKE_OP_PORT_ATTACH,
	FAKE_OP_PORT_UPDATE,
	FAKE_OP_FDB_SET,
	FAKE_OP_FLOOD_SET,
	FAKE_OP_VETH_CREATE,
	FAKE_OP_TAP_CREATE,
	FAKE_OP_LINK_SET_UP,
	FAKE_OP_LINK_SET_MAC,
	FAKE_OP_LINK_SET_NETNS,
	FAKE_OP_NS_OPEN,
};

struct fake {
	struct fake_dev devs[FAKE_MAX_DEVS]; /* by ifindex */
	int next_ifindex;
	struct fake_port ports[FAKE_MAX_DEVS]; /* by ifindex */
	struct fake_fdb fdb[FAKE_MAX_FDB];
	struct vflag_flood flood[VFLAG_MAX_DOMAINS]; /* by domain */
	struct vflag_port_stats stats[VFLAG_MAX_PORTS];
	struct fake_ns ns[FAKE_MAX_NS];
	int ns_handles_open;	/* ns_open minus ns_close */
	int netns_handles_open; /* netns_open minus netns_close */
	unsigned stats_cleared; /* stats_clear calls */
	enum fake_op fail_op;	/* the next call of this op fails */
	int fail_ret;		/* with this -errno */
	unsigned fail_after;	/* after this many calls succeed */
	const char *machine_id; /* what machine_id answers; NULL: -ENOENT */
};

extern const struct eswitch_ops fake_ops;

void fake_init(struct fake *f);
/* An uplink-like device in vflagd's namespace; returns its ifindex. */
int fake_dev_add(struct fake *f, const char *name, const uint8_t mac[6],
		 bool admin_up, bool carrier);
/* A device by name in namespace netns ("" = ours), or NULL. */
struct fake_dev *fake_dev_find(struct fake *f, const char *netns,
			       const char *name);
void fake_netns_add(struct fake *f, const char *name);
/* The fdb entry of (domain, untagged, mac), or NULL. */
const struct fake_fdb *fake_fdb_find(const struct fake *f, uint32_t domain,
				     const uint8_t mac[6]);
/* The fdb entry of (domain, vlan, mac), or NULL. */
const struct fake_fdb *fake_fdb_find_vlan(const struct fake *f, uint32_t domain,
					  uint16_t vlan, const uint8_t mac[6]);
unsigned fake_fdb_count(const struct fake *f);
unsigned fake_ports_attached(const struct fake *f);
unsigned fake_devs_count(const struct fake *f);
/* Makes the (after+1)-th next call of op return ret. */
void fake_fail(struct fake *f, enum fake_op op, unsigned after, int ret);

#endif
