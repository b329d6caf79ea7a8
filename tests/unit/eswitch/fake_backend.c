/* The in-memory eswitch backend: see fake_backend.h. */
#include "fake_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct fake *fk(void *ctx)
{
	return ctx;
}

/* True (and the failure spent) if this call of op is to fail. */
static bool failing(struct fake *f, enum fake_op op, int *ret)
{
	if (f->fail_op != op)
		return false;
	if (f->fail_after) {
		f->fail_after--;
		return false;
	}
	f->fail_op = FAKE_OP_NONE;
	*ret = f->fail_ret;
	return true;
}

void fake_fail(struct fake *f, enum fake_op op, unsigned after, int ret)
{
	f->fail_op = op;
	f->fail_after = after;
	f->fail_ret = ret;
}

void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->next_ifindex = 2; /* 1 is lo */
	f->devs[1] = (struct fake_dev){.used = true,
				       .ifindex = 1,
				       .name = "lo",
				       .admin_up = true,
				       .carrier = true};
}

static struct fake_dev *dev_new(struct fake *f, const char *netns,
				const char *name)
{
	struct fake_dev *d;

	if (f->next_ifindex >= FAKE_MAX_DEVS)
		return NULL;
	d = &f->devs[f->next_ifindex];
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->ifindex = f->next_ifindex++;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->netns, sizeof(d->netns), "%s", netns);
	return d;
}

int fake_dev_add(struct fake *f, const char *name, const uint8_t mac[6],
		 bool admin_up, bool carrier)
{
	struct fake_dev *d = dev_new(f, "", name);

	memcpy(d->mac, mac, 6);
	d->admin_up = admin_up;
	d->carrier = carrier;
	return d->ifindex;
}

struct fake_dev *fake_dev_find(struct fake *f, const char *netns,
			       const char *name)
{
	for (int i = 0; i < FAKE_MAX_DEVS; i++)
		if (f->devs[i].used && !strcmp(f->devs[i].netns, netns) &&
		    !strcmp(f->devs[i].name, name))
			return &f->devs[i];
	return NULL;
}

static struct fake_dev *dev_by_ifindex(struct fake *f, const char *netns,
				       int ifindex)
{
	if (ifindex <= 0 || ifindex >= FAKE_MAX_DEVS ||
	    !f->devs[ifindex].used || strcmp(f->devs[ifindex].netns, netns))
		return NULL;
	return &f->devs[ifindex];
}

void fake_netns_add(struct fake *f, const char *name)
{
	for (int i = 0; i < FAKE_MAX_NS; i++)
		if (!f->ns[i].used) {
			f->ns[i].used = true;
			snprintf(f->ns[i].name, sizeof(f->ns[i].name), "%s",
				 name);
			return;
		}
}

static int ns_index(struct fake *f, const char *name)
{
	for (int i = 0; i < FAKE_MAX_NS; i++)
		if (f->ns[i].used && !strcmp(f->ns[i].name, name))
			return i;
	return -ENOENT;
}

/* The name of the namespace a handle stands for. */
static const char *ns_name(struct eswitch_ns *ns)
{
	return ns ? ((struct fake_ns *)ns)->name : "";
}

const struct fake_fdb *fake_fdb_find_vlan(const struct fake *f, uint32_t domain,
					  uint16_t vlan, const uint8_t mac[6])
{
	for (int i = 0; i < FAKE_MAX_FDB; i++)
		if (f->fdb[i].used && f->fdb[i].domain == domain &&
		    f->fdb[i].vlan == vlan && !memcmp(f->fdb[i].mac, mac, 6))
			return &f->fdb[i];
	return NULL;
}

const struct fake_fdb *fake_fdb_find(const struct fake *f, uint32_t domain,
				     const uint8_t mac[6])
{
	return fake_fdb_find_vlan(f, domain, 0, mac);
}

unsigned fake_fdb_count(const struct fake *f)
{
	unsigned n = 0;

	for (int i = 0; i < FAKE_MAX_FDB; i++)
		n += f->fdb[i].used;
	return n;
}

unsigned fake_ports_attached(const struct fake *f)
{
	unsigned n = 0;

	for (int i = 0; i < FAKE_MAX_DEVS; i++)
		n += f->ports[i].attached;
	return n;
}

unsigned fake_devs_count(const struct fake *f)
{
	unsigned n = 0;

	for (int i = 0; i < FAKE_MAX_DEVS; i++)
		n += f->devs[i].used;
	return n;
}

static int f_port_attach(void *ctx, int ifindex, const struct vflag_port *port)
{
	struct fake *f = fk(ctx);
	int ret;

	if (failing(f, FAKE_OP_PORT_ATTACH, &ret))
		return ret;
	if (!dev_by_ifindex(f, "", ifindex))
		return -ENODEV;
	f->ports[ifindex].attached = true;
	f->ports[ifindex].entry = *port;
	return 0;
}

static int f_port_update(void *ctx, int ifindex, const struct vflag_port *port)
{
	struct fake *f = fk(ctx);
	int ret;

	if (failing(f, FAKE_OP_PORT_UPDATE, &ret))
		return ret;
	if (ifindex <= 0 || ifindex >= FAKE_MAX_DEVS ||
	    !f->ports[ifindex].attached)
		return -ENOENT;
	f->ports[ifindex].entry = *port;
	return 0;
}

static void f_port_detach(void *ctx, int ifindex, bool device_gone)
{
	struct fake *f = fk(ctx);

	if (ifindex > 0 && ifindex < FAKE_MAX_DEVS)
		f->ports[ifindex].attached = false;
}

static int f_fdb_set(void *ctx, uint32_t domain, uint16_t vlan,
		     const uint8_t mac[6], int ifindex, uint32_t port_id)
{
	struct fake *f = fk(ctx);
	struct fake_fdb *e =
	    (struct fake_fdb *)fake_fdb_find_vlan(f, domain, vlan, mac);
	int ret;

	if (failing(f, FAKE_OP_FDB_SET, &ret))
		return ret;
	for (int i = 0; !e && i < FAKE_MAX_FDB; i++)
		if (!f->fdb[i].used)
			e = &f->fdb[i];
	if (!e)
		return -ENOSPC;
	*e = (struct fake_fdb){.used = true,
			       .domain = domain,
			       .vlan = vlan,
			       .ifindex = ifindex,
			       .port_id = port_id};
	memcpy(e->mac, mac, 6);
	return 0;
}

static void f_fdb_del(void *ctx, uint32_t domain, uint16_t vlan,
		      const uint8_t mac[6])
{
	struct fake_fdb *e =
	    (struct fake_fdb *)fake_fdb_find_vlan(fk(ctx), domain, vlan, mac);

	if (e)
		e->used = false;
}

static int f_flood_set(void *ctx, uint32_t domain, const struct vflag_flood *fl)
{
	struct fake *f = fk(ctx);
	int ret;

	if (failing(f, FAKE_OP_FLOOD_SET, &ret))
		return ret;
	if (domain >= VFLAG_MAX_DOMAINS)
		return -E2BIG;
	f->flood[domain] = *fl;
	return 0;
}

static int f_stats_read(void *ctx, uint32_t port_id,
			struct vflag_port_stats *sum)
{
	if (port_id >= VFLAG_MAX_PORTS)
		return -E2BIG;
	*sum = fk(ctx)->stats[port_id];
	return 0;
}

static int f_stats_clear(void *ctx, uint32_t port_id)
{
	struct fake *f = fk(ctx);

	if (port_id >= VFLAG_MAX_PORTS)
		return -E2BIG;
	memset(&f->stats[port_id], 0, sizeof(f->stats[port_id]));
	f->stats_cleared++;
	return 0;
}

static struct eswitch_ns *f_ns_open(void *ctx, const char *netns, int *err)
{
	struct fake *f = fk(ctx);
	int i, ret;

	if (failing(f, FAKE_OP_NS_OPEN, &ret)) {
		*err = ret;
		return NULL;
	}
	i = ns_index(f, netns);
	if (i < 0) {
		*err = i;
		return NULL;
	}
	f->ns_handles_open++;
	return (struct eswitch_ns *)&f->ns[i];
}

static void f_ns_close(void *ctx, struct eswitch_ns *ns)
{
	if (ns)
		fk(ctx)->ns_handles_open--;
}

/* Handles: 0 is ours, i + 1 is f->ns[i]. */
static int f_netns_open(void *ctx, const char *netns)
{
	struct fake *f = fk(ctx);
	int i = netns ? ns_index(f, netns) : -1;

	if (netns && i < 0)
		return i;
	f->netns_handles_open++;
	return i + 1;
}

static void f_netns_close(void *ctx, int netns)
{
	fk(ctx)->netns_handles_open--;
}

static int f_link_get(void *ctx, struct eswitch_ns *ns, const char *name,
		      int ifindex, struct nl_link_info *out)
{
	struct fake *f = fk(ctx);
	struct fake_dev *d = name ? fake_dev_find(f, ns_name(ns), name)
				  : dev_by_ifindex(f, ns_name(ns), ifindex);

	if (!d)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	out->ifindex = d->ifindex;
	snprintf(out->name, sizeof(out->name), "%s", d->name);
	memcpy(out->mac, d->mac, 6);
	out->admin_up = d->admin_up;
	out->carrier = d->carrier;
	out->mtu = d->mtu ? d->mtu : 1500;
	snprintf(out->kind, sizeof(out->kind), "%s",
		 d->tap	   ? "tun"
		 : d->peer ? "veth"
			   : "");
	return 0;
}

static int f_veth_create(void *ctx, const char *name, const char *peer,
			 const uint8_t *peer_mac)
{
	struct fake *f = fk(ctx);
	struct fake_dev *a, *b;
	int ret;

	if (failing(f, FAKE_OP_VETH_CREATE, &ret))
		return ret;
	if (fake_dev_find(f, "", name) || fake_dev_find(f, "", peer))
		return -EEXIST;
	a = dev_new(f, "", name);
	b = a ? dev_new(f, "", peer) : NULL;
	if (!b)
		return -ENOSPC;
	a->mac[0] = 0x0a;
	a->mac[5] = (uint8_t)a->ifindex;
	if (peer_mac)
		memcpy(b->mac, peer_mac, 6);
	a->peer = b->ifindex;
	b->peer = a->ifindex;
	return a->ifindex;
}

static int f_tap_create(void *ctx, const char *name, const uint8_t mac[6])
{
	struct fake *f = fk(ctx);
	struct fake_dev *d;
	int ret;

	if (failing(f, FAKE_OP_TAP_CREATE, &ret))
		return ret;
	if (fake_dev_find(f, "", name))
		return -EEXIST;
	d = dev_new(f, "", name);
	if (!d)
		return -ENOSPC;
	memcpy(d->mac, mac, 6);
	d->tap = true;
	return d->ifindex;
}

static int f_tap_delete(void *ctx, const char *name)
{
	struct fake_dev *d = fake_dev_find(fk(ctx), "", name);

	if (!d || !d->tap)
		return -ENODEV;
	d->used = false;
	return 0;
}

static int f_link_del(void *ctx, int ifindex)
{
	struct fake *f = fk(ctx);
	struct fake_dev *d = dev_by_ifindex(f, "", ifindex);

	if (!d)
		return -ENODEV;
	if (d->peer)
		f->devs[d->peer].used = false;
	d->used = false;
	return 0;
}

static int f_link_set_up(void *ctx, int ifindex, bool up)
{
	struct fake *f = fk(ctx);
	struct fake_dev *d = dev_by_ifindex(f, "", ifindex);
	int ret;

	if (failing(f, FAKE_OP_LINK_SET_UP, &ret))
		return ret;
	if (!d)
		return -ENODEV;
	d->admin_up = up;
	return 0;
}

static int f_link_set_mac(void *ctx, struct eswitch_ns *ns, int ifindex,
			  const uint8_t mac[6])
{
	struct fake *f = fk(ctx);
	struct fake_dev *d = dev_by_ifindex(f, ns_name(ns), ifindex);
	int ret;

	if (failing(f, FAKE_OP_LINK_SET_MAC, &ret))
		return ret;
	if (!d)
		return -ENODEV;
	memcpy(d->mac, mac, 6);
	return 0;
}

static int f_link_set_netns(void *ctx, struct eswitch_ns *ns, int ifindex,
			    int netns)
{
	struct fake *f = fk(ctx);
	struct fake_dev *d = dev_by_ifindex(f, ns_name(ns), ifindex);
	const char *target = netns ? f->ns[netns - 1].name : "";
	int ret;

	if (failing(f, FAKE_OP_LINK_SET_NETNS, &ret))
		return ret;
	if (!d)
		return -ENODEV;
	if (fake_dev_find(f, target, d->name))
		return -EEXIST;
	snprintf(d->netns, sizeof(d->netns), "%s", target);
	return 0;
}

static void f_rep_quiet(void *ctx, const char *dev)
{
	struct fake_dev *d = fake_dev_find(fk(ctx), "", dev);

	if (d)
		d->quiet = true;
}

static int f_machine_id(void *ctx, char *buf, size_t len)
{
	struct fake *f = fk(ctx);

	if (!f->machine_id)
		return -ENOENT;
	snprintf(buf, len, "%s", f->machine_id);
	return 0;
}

const struct eswitch_ops fake_ops = {
    .port_attach = f_port_attach,
    .port_update = f_port_update,
    .port_detach = f_port_detach,
    .fdb_set = f_fdb_set,
    .fdb_del = f_fdb_del,
    .flood_set = f_flood_set,
    .stats_read = f_stats_read,
    .stats_clear = f_stats_clear,
    .ns_open = f_ns_open,
    .ns_close = f_ns_close,
    .netns_open = f_netns_open,
    .netns_close = f_netns_close,
    .link_get = f_link_get,
    .veth_create = f_veth_create,
    .tap_create = f_tap_create,
    .tap_delete = f_tap_delete,
    .link_del = f_link_del,
    .link_set_up = f_link_set_up,
    .link_set_mac = f_link_set_mac,
    .link_set_netns = f_link_set_netns,
    .rep_quiet = f_rep_quiet,
    .machine_id = f_machine_id,
};
