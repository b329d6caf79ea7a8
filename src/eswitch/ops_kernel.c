/* The eswitch's real backend: the eBPF datapath (dp) and rtnetlink (nl).
 * A thin mapping; the semantics are dp.h's and nl.h's. */
#include "eswitch/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp/dp.h"
#include "nl/nl.h"

static struct eswitch_kernel *kernel(void *ctx)
{
	return ctx;
}

/* NULL is vflagd's own namespace: the request socket we were given. */
static struct nl *ns_nl(void *ctx, struct eswitch_ns *ns)
{
	return ns ? (struct nl *)ns : kernel(ctx)->nl;
}

static int k_port_attach(void *ctx, int ifindex, const struct vflag_port *port)
{
	return dp_port_attach(kernel(ctx)->dp, ifindex, port);
}

static int k_port_update(void *ctx, int ifindex, const struct vflag_port *port)
{
	return dp_port_update(kernel(ctx)->dp, ifindex, port);
}

static void k_port_detach(void *ctx, int ifindex, bool device_gone)
{
	dp_port_detach(kernel(ctx)->dp, ifindex, device_gone);
}

static int k_fdb_set(void *ctx, uint32_t domain, uint16_t vlan,
		     const uint8_t mac[6], int ifindex, uint32_t port_id)
{
	return dp_fdb_set(kernel(ctx)->dp, domain, vlan, mac, ifindex, port_id);
}

static void k_fdb_del(void *ctx, uint32_t domain, uint16_t vlan,
		      const uint8_t mac[6])
{
	dp_fdb_del(kernel(ctx)->dp, domain, vlan, mac);
}

static int k_flood_set(void *ctx, uint32_t domain, const struct vflag_flood *fl)
{
	return dp_flood_set(kernel(ctx)->dp, domain, fl);
}

static int k_stats_read(void *ctx, uint32_t port_id,
			struct vflag_port_stats *sum)
{
	return dp_stats_read(kernel(ctx)->dp, port_id, sum);
}

static int k_stats_clear(void *ctx, uint32_t port_id)
{
	return dp_stats_clear(kernel(ctx)->dp, port_id);
}

static struct eswitch_ns *k_ns_open(void *ctx, const char *netns, int *err)
{
	struct nl *nl;
	int fd;

	fd = netns_open(netns);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	nl = nl_open_in_netns(fd);
	if (!nl)
		*err = errno ? -errno : -EIO;
	close(fd);
	return (struct eswitch_ns *)nl;
}

static void k_ns_close(void *ctx, struct eswitch_ns *ns)
{
	if (ns)
		nl_close((struct nl *)ns);
}

static int k_netns_open(void *ctx, const char *netns)
{
	int fd;

	if (netns)
		return netns_open(netns);
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void k_netns_close(void *ctx, int netns)
{
	close(netns);
}

static int k_link_get(void *ctx, struct eswitch_ns *ns, const char *name,
		      int ifindex, struct nl_link_info *out)
{
	return nl_link_get(ns_nl(ctx, ns), name, ifindex, out);
}

static int k_veth_create(void *ctx, const char *name, const char *peer,
			 const uint8_t *peer_mac)
{
	return nl_veth_create(kernel(ctx)->nl, name, peer, peer_mac);
}

static int k_tap_create(void *ctx, const char *name, const uint8_t mac[6])
{
	return nl_tap_create(kernel(ctx)->nl, name, mac);
}

static int k_tap_delete(void *ctx, const char *name)
{
	return nl_tap_delete(name);
}

static int k_link_del(void *ctx, int ifindex)
{
	return nl_link_del(kernel(ctx)->nl, ifindex);
}

static int k_link_set_up(void *ctx, int ifindex, bool up)
{
	return nl_link_set_up(kernel(ctx)->nl, ifindex, up);
}

static int k_link_set_mac(void *ctx, struct eswitch_ns *ns, int ifindex,
			  const uint8_t mac[6])
{
	return nl_link_set_mac(ns_nl(ctx, ns), ifindex, mac);
}

static int k_link_set_netns(void *ctx, struct eswitch_ns *ns, int ifindex,
			    int netns)
{
	return nl_link_set_netns(ns_nl(ctx, ns), ifindex, netns);
}

static void k_rep_quiet(void *ctx, const char *dev)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 dev);
	f = fopen(path, "w");
	if (!f)
		return; /* no IPv6 at all: nothing to quiet */
	fputs("1", f);
	fclose(f);
}

/* The first line of path, without its newline; 0 if there was one. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -ENODATA;
	}
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return n ? 0 : -ENODATA;
}

/* systemd's machine-id is stable across reboots and unique per install;
 * a host without one (a bare container) falls back to this boot's id
 * (stable across vflagd restarts, not reboots), then to the hostname. */
static int k_machine_id(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	if (!read_line("/etc/machine-id", buf, len) ||
	    !read_line("/proc/sys/kernel/random/boot_id", buf, len))
		return 0;
	if (gethostname(buf, len))
		return -errno;
	buf[len - 1] = '\0';
	return 0;
}

const struct eswitch_ops eswitch_ops_kernel = {
    .port_attach = k_port_attach,
    .port_update = k_port_update,
    .port_detach = k_port_detach,
    .fdb_set = k_fdb_set,
    .fdb_del = k_fdb_del,
    .flood_set = k_flood_set,
    .stats_read = k_stats_read,
    .stats_clear = k_stats_clear,
    .ns_open = k_ns_open,
    .ns_close = k_ns_close,
    .netns_open = k_netns_open,
    .netns_close = k_netns_close,
    .link_get = k_link_get,
    .veth_create = k_veth_create,
    .tap_create = k_tap_create,
    .tap_delete = k_tap_delete,
    .link_del = k_link_del,
    .link_set_up = k_link_set_up,
    .link_set_mac = k_link_set_mac,
    .link_set_netns = k_link_set_netns,
    .rep_quiet = k_rep_quiet,
    .machine_id = k_machine_id,
};
