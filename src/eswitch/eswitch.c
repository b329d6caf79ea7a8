/* The eswitch model: PFs, VFs, domains, and their programming into dp. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "lag/bond.h"

#define TAG "eswitch"

struct vf {
	unsigned index;
	enum vf_type type;
	char ifname[IF_NAMESIZE]; /* the end a container or VM gets */
	char rep[IF_NAMESIZE];    /* the eswitch end (the TAP itself for VMs) */
	int rep_ifindex;
	uint8_t mac[6];
	uint32_t port_id;
	char netns[64]; /* "" while in vflagd's namespace */
	bool gone;      /* its device vanished under us */
};

struct pf {
	char name[ESWITCH_PF_NAME_MAX + 1];
	char dev[IF_NAMESIZE];
	int ifindex;
	uint8_t mac[6];
	char pci[16];
	unsigned slot;      /* lone domain number, and PCI function */
	uint32_t port_id;
	bool carrier;
	bool gone;          /* the uplink device vanished */
	bool spoofchk;
	enum vf_type vf_type;
	unsigned numvfs;
	struct vf *vfs;
	struct bond *bond;  /* NULL: a lone PF */
	uint32_t lag_slot;
	uint32_t member_index;
};

struct eswitch {
	struct dp *dp;
	struct nl *nl;
	struct pf *pfs[ESWITCH_MAX_PFS]; /* in the order added */
	unsigned npfs;
	uint64_t slots_used;              /* bit per pf->slot */
	uint8_t port_ids_used[VFLAG_MAX_PORTS];
};

const char *vf_type_name(enum vf_type type)
{
	return type == VF_TYPE_TAP ? "tap" : "veth";
}

struct eswitch *eswitch_create(struct dp *dp, struct nl *nl)
{
	struct eswitch *sw = calloc(1, sizeof(*sw));

	if (!sw)
		return NULL;
	sw->dp = dp;
	sw->nl = nl;
	return sw;
}

static int port_id_alloc(struct eswitch *sw, uint32_t *id)
{
	for (uint32_t i = 0; i < VFLAG_MAX_PORTS; i++) {
		if (!sw->port_ids_used[i]) {
			sw->port_ids_used[i] = 1;
			dp_stats_clear(sw->dp, i);
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static void port_id_free(struct eswitch *sw, uint32_t id)
{
	if (id < VFLAG_MAX_PORTS)
		sw->port_ids_used[id] = 0;
}

static uint32_t pf_domain(const struct pf *pf)
{
	return pf->bond ? ESWITCH_DOMAIN_LAG_BASE + pf->lag_slot : pf->slot;
}

static struct vflag_port pf_port_entry(const struct pf *pf)
{
	return (struct vflag_port){
		.id = pf->port_id,
		.kind = VFLAG_PORT_UPLINK,
		.domain = pf_domain(pf),
		.lag_slot = pf->bond ? pf->lag_slot : VFLAG_NO_LAG,
		.member_index = pf->member_index,
	};
}

static struct vflag_port vf_port_entry(const struct pf *pf, const struct vf *vf)
{
	struct vflag_port p = {
		.id = vf->port_id,
		.kind = VFLAG_PORT_VF,
		.domain = pf_domain(pf),
		.lag_slot = pf->bond ? pf->lag_slot : VFLAG_NO_LAG,
		.uplink_ifindex = pf->gone ? 0 : (uint32_t)pf->ifindex,
		.flags = pf->spoofchk ? VFLAG_PORT_F_SPOOFCHK : 0,
	};

	memcpy(p.mac, vf->mac, 6);
	return p;
}

/* Rewrites the broadcast list of one domain from the PFs in it. */
static int domain_flood_sync(struct eswitch *sw, uint32_t domain)
{
	struct vflag_flood fl = { 0 };

	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (pf_domain(pf) != domain)
			continue;
		for (unsigned v = 0; v < pf->numvfs; v++) {
			struct vf *vf = &pf->vfs[v];

			if (vf->gone)
				continue;
			if (fl.count == VFLAG_MAX_FLOOD) {
				LOG_WARN(TAG, "domain %u has more than %u VFs: the rest get no broadcasts",
					 domain, VFLAG_MAX_FLOOD);
				goto write;
			}
			fl.ifindex[fl.count] = (uint32_t)vf->rep_ifindex;
			fl.port_id[fl.count] = vf->port_id;
			fl.count++;
		}
	}
write:
	return dp_flood_set(sw->dp, domain, &fl);
}

struct pf *eswitch_pf_find(struct eswitch *sw, const char *name)
{
	for (unsigned i = 0; i < sw->npfs; i++)
		if (!strcmp(sw->pfs[i]->name, name))
			return sw->pfs[i];
	return NULL;
}

struct pf *eswitch_pf_by_ifindex(struct eswitch *sw, int ifindex)
{
	for (unsigned i = 0; i < sw->npfs; i++)
		if (sw->pfs[i]->ifindex == ifindex && !sw->pfs[i]->gone)
			return sw->pfs[i];
	return NULL;
}

struct pf *eswitch_pf_at(struct eswitch *sw, unsigned i)
{
	return i < sw->npfs ? sw->pfs[i] : NULL;
}

/* A VF (or its eswitch end) by any of its device names. */
static struct vf *vf_by_devname(struct eswitch *sw, const char *name, struct pf **pfp)
{
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		for (unsigned v = 0; v < pf->numvfs; v++) {
			if (!strcmp(pf->vfs[v].ifname, name) || !strcmp(pf->vfs[v].rep, name)) {
				if (pfp)
					*pfp = pf;
				return &pf->vfs[v];
			}
		}
	}
	return NULL;
}

bool eswitch_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > ESWITCH_PF_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

static bool pci_valid(const char *pci)
{
	unsigned d, b, s, f;
	char tail;

	return strlen(pci) == 12 &&
	       sscanf(pci, "%4x:%2x:%2x.%1x%c", &d, &b, &s, &f, &tail) == 4 &&
	       s < 32 && f < 8;
}

int eswitch_pf_add(struct eswitch *sw, const char *name, const char *ifname,
		   const char *pci, char *err, size_t errlen)
{
	struct nl_link_info info;
	struct pf *pf;
	unsigned slot;
	int ret;

	if (!eswitch_name_valid(name)) {
		snprintf(err, errlen, "bad PF name '%s': use 1 to %d characters a-z, 0-9, starting with a letter",
			 name, ESWITCH_PF_NAME_MAX);
		return -EINVAL;
	}
	if (eswitch_pf_find(sw, name)) {
		snprintf(err, errlen, "PF %s exists already", name);
		return -EEXIST;
	}
	if (pci && !pci_valid(pci)) {
		snprintf(err, errlen, "bad PCI address '%s': expected DDDD:BB:SS.F, e.g. 0000:61:00.0", pci);
		return -EINVAL;
	}
	if (sw->npfs == ESWITCH_MAX_PFS) {
		snprintf(err, errlen, "too many PFs (at most %d)", ESWITCH_MAX_PFS);
		return -ENOSPC;
	}
	ret = nl_link_get(sw->nl, ifname, 0, &info);
	if (ret) {
		snprintf(err, errlen, "no interface '%s' in vflagd's namespace (%s): check `ip link show`",
			 ifname, strerror(-ret));
		return ret;
	}
	if (eswitch_pf_by_ifindex(sw, info.ifindex)) {
		snprintf(err, errlen, "interface %s is already adopted as PF %s",
			 ifname, eswitch_pf_by_ifindex(sw, info.ifindex)->name);
		return -EBUSY;
	}
	if (vf_by_devname(sw, info.name, NULL)) {
		snprintf(err, errlen, "interface %s is one of vflag's own VF ports, not an uplink", ifname);
		return -EINVAL;
	}
	if (!strcmp(info.name, "lo")) {
		snprintf(err, errlen, "the loopback interface cannot be an uplink");
		return -EINVAL;
	}
	for (slot = 0; slot < ESWITCH_MAX_PFS; slot++)
		if (!(sw->slots_used & (1ull << slot)))
			break;

	pf = calloc(1, sizeof(*pf));
	if (!pf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(pf->name, sizeof(pf->name), "%s", name);
	snprintf(pf->dev, sizeof(pf->dev), "%s", info.name);
	pf->ifindex = info.ifindex;
	memcpy(pf->mac, info.mac, 6);
	pf->carrier = info.carrier;
	pf->slot = slot;
	if (pci)
		snprintf(pf->pci, sizeof(pf->pci), "%s", pci);
	else
		snprintf(pf->pci, sizeof(pf->pci), "0000:%02x:%02x.%x", 0x61 + slot / 64,
			 (slot % 64) / 8, slot % 8);
	ret = port_id_alloc(sw, &pf->port_id);
	if (ret) {
		snprintf(err, errlen, "no free eswitch port (at most %d)", VFLAG_MAX_PORTS);
		goto free_pf;
	}
	if (!info.admin_up) {
		ret = nl_link_set_up(sw->nl, pf->ifindex, true);
		if (ret) {
			snprintf(err, errlen, "cannot bring %s up: %s", ifname, strerror(-ret));
			goto free_port_id;
		}
	}
	{
		struct vflag_port entry = pf_port_entry(pf);

		ret = dp_port_attach(sw->dp, pf->ifindex, &entry);
	}
	if (ret) {
		snprintf(err, errlen, "cannot attach the eswitch to %s: %s", ifname, strerror(-ret));
		goto free_port_id;
	}
	sw->slots_used |= 1ull << slot;
	sw->pfs[sw->npfs++] = pf;
	LOG_INFO(TAG, "PF %s adopted %s (ifindex %d)", name, pf->dev, pf->ifindex);
	return 0;

free_port_id:
	port_id_free(sw, pf->port_id);
free_pf:
	free(pf);
	return ret;
}

static bool vf_in_use(struct eswitch *sw, const struct vf *vf)
{
	struct nl_link_info info;

	if (vf->gone)
		return false;
	if (vf->type == VF_TYPE_VETH)
		return vf->netns[0] != 0;
	/* A TAP has carrier while a VM holds it open. */
	return nl_link_get(sw->nl, NULL, vf->rep_ifindex, &info) == 0 && info.carrier;
}

bool eswitch_pf_vfs_in_use(struct eswitch *sw, struct pf *pf, char *why, size_t whylen)
{
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vf *vf = &pf->vfs[v];

		if (!vf_in_use(sw, vf))
			continue;
		if (vf->type == VF_TYPE_VETH)
			snprintf(why, whylen, "VF %u of %s (%s) is in namespace %s", v, pf->name,
				 vf->ifname, vf->netns);
		else
			snprintf(why, whylen, "VF %u of %s (TAP %s) is open by a VM", v, pf->name,
				 vf->ifname);
		return true;
	}
	return false;
}

static void vf_destroy(struct eswitch *sw, struct pf *pf, struct vf *vf)
{
	dp_fdb_del(sw->dp, pf_domain(pf), vf->mac);
	dp_port_detach(sw->dp, vf->rep_ifindex, vf->gone);
	if (!vf->gone) {
		if (vf->type == VF_TYPE_TAP)
			nl_tap_delete(vf->ifname);
		else
			nl_link_del(sw->nl, vf->rep_ifindex);
	}
	port_id_free(sw, vf->port_id);
}

/* Stable, locally administered: the same PF name and index give the
 * same MAC across restarts. */
static void vf_default_mac(const struct pf *pf, unsigned index, uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = pf->name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x02;
	mac[1] = (uint8_t)(h >> 24);
	mac[2] = (uint8_t)(h >> 16);
	mac[3] = (uint8_t)(h >> 8);
	mac[4] = (uint8_t)h;
	mac[5] = (uint8_t)index;
}

/* The eswitch end of a VF is the switch's, not the host's: no IPv6 on it,
 * so the host stack sends no router solicitations or MLD into the VF. */
static void rep_disable_ipv6(const char *dev)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
	f = fopen(path, "w");
	if (!f)
		return; /* no IPv6 at all: nothing to quiet */
	fputs("1", f);
	fclose(f);
}

static int vf_create(struct eswitch *sw, struct pf *pf, struct vf *vf, unsigned index,
		     enum vf_type type, char *err, size_t errlen)
{
	struct vflag_port entry;
	int ret;

	memset(vf, 0, sizeof(*vf));
	vf->index = index;
	vf->type = type;
	vf_default_mac(pf, index, vf->mac);
	snprintf(vf->ifname, sizeof(vf->ifname), "%svf%u", pf->name, index);
	if (type == VF_TYPE_TAP) {
		snprintf(vf->rep, sizeof(vf->rep), "%s", vf->ifname);
		ret = nl_tap_create(sw->nl, vf->ifname, vf->mac);
	} else {
		snprintf(vf->rep, sizeof(vf->rep), "%s_%u", pf->name, index);
		ret = nl_veth_create(sw->nl, vf->rep, vf->ifname, vf->mac);
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot create %s %s: %s%s", vf_type_name(type), vf->ifname,
			 strerror(-ret), ret == -EEXIST ? " (a device of that name exists)" : "");
		return ret;
	}
	vf->rep_ifindex = ret;
	rep_disable_ipv6(vf->rep);
	ret = nl_link_set_up(sw->nl, vf->rep_ifindex, true);
	if (ret) {
		snprintf(err, errlen, "cannot bring %s up: %s", vf->rep, strerror(-ret));
		goto delete_dev;
	}
	ret = port_id_alloc(sw, &vf->port_id);
	if (ret) {
		snprintf(err, errlen, "no free eswitch port (at most %d)", VFLAG_MAX_PORTS);
		goto delete_dev;
	}
	entry = vf_port_entry(pf, vf);
	ret = dp_port_attach(sw->dp, vf->rep_ifindex, &entry);
	if (ret) {
		snprintf(err, errlen, "cannot attach the eswitch to %s: %s", vf->rep, strerror(-ret));
		goto free_port_id;
	}
	ret = dp_fdb_set(sw->dp, pf_domain(pf), vf->mac, vf->rep_ifindex, vf->port_id);
	if (ret) {
		snprintf(err, errlen, "cannot add %s to the switching table: %s", vf->ifname,
			 strerror(-ret));
		goto detach;
	}
	return 0;

detach:
	dp_port_detach(sw->dp, vf->rep_ifindex, false);
free_port_id:
	port_id_free(sw, vf->port_id);
delete_dev:
	if (type == VF_TYPE_TAP)
		nl_tap_delete(vf->ifname);
	else
		nl_link_del(sw->nl, vf->rep_ifindex);
	return ret;
}

int eswitch_pf_set_numvfs(struct eswitch *sw, struct pf *pf, unsigned numvfs,
			  enum vf_type type, bool force, char *err, size_t errlen)
{
	struct vf *vfs;
	unsigned made;
	int ret = 0;

	if (numvfs > ESWITCH_MAX_VFS) {
		snprintf(err, errlen, "numvfs %u is more than %d", numvfs, ESWITCH_MAX_VFS);
		return -ERANGE;
	}
	if (numvfs == pf->numvfs && (numvfs == 0 || type == pf->vf_type))
		return 0;
	if (numvfs && pf->numvfs) {
		snprintf(err, errlen,
			 "%s has %u VFs: set numvfs 0 first, then %u (as sriov_numvfs requires)",
			 pf->name, pf->numvfs, numvfs);
		return -EBUSY;
	}
	if (numvfs == 0) {
		char why[128];

		if (!force && eswitch_pf_vfs_in_use(sw, pf, why, sizeof(why))) {
			snprintf(err, errlen, "%s: detach it first (vf set %s vf N netns -), or add --force",
				 why, pf->name);
			return -EBUSY;
		}
		for (unsigned v = 0; v < pf->numvfs; v++)
			vf_destroy(sw, pf, &pf->vfs[v]);
		free(pf->vfs);
		pf->vfs = NULL;
		pf->numvfs = 0;
		domain_flood_sync(sw, pf_domain(pf));
		LOG_INFO(TAG, "%s: VFs removed", pf->name);
		return 0;
	}
	if (pf->gone) {
		snprintf(err, errlen, "the uplink %s of %s is gone", pf->dev, pf->name);
		return -ENODEV;
	}
	vfs = calloc(numvfs, sizeof(*vfs));
	if (!vfs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (made = 0; made < numvfs; made++) {
		ret = vf_create(sw, pf, &vfs[made], made, type, err, errlen);
		if (ret)
			goto destroy_made;
	}
	pf->vfs = vfs;
	pf->numvfs = numvfs;
	pf->vf_type = type;
	ret = domain_flood_sync(sw, pf_domain(pf));
	if (ret) {
		snprintf(err, errlen, "cannot program broadcast copies: %s", strerror(-ret));
		pf->vfs = NULL;
		pf->numvfs = 0;
		goto destroy_made;
	}
	LOG_INFO(TAG, "%s: %u %s VFs", pf->name, numvfs, vf_type_name(type));
	return 0;

destroy_made:
	while (made--)
		vf_destroy(sw, pf, &vfs[made]);
	free(vfs);
	domain_flood_sync(sw, pf_domain(pf));
	return ret;
}

int eswitch_pf_set_spoofchk(struct eswitch *sw, struct pf *pf, bool on)
{
	pf->spoofchk = on;
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vflag_port entry = vf_port_entry(pf, &pf->vfs[v]);

		if (!pf->vfs[v].gone)
			dp_port_update(sw->dp, pf->vfs[v].rep_ifindex, &entry);
	}
	return 0;
}

int eswitch_pf_del(struct eswitch *sw, struct pf *pf, bool force, char *err, size_t errlen)
{
	unsigned i;
	int ret;

	if (pf->bond) {
		snprintf(err, errlen, "%s is a member of bond %s: remove it from the bond first (bond member del %s %s)",
			 pf->name, bond_name(pf->bond), bond_name(pf->bond), pf->name);
		return -EBUSY;
	}
	ret = eswitch_pf_set_numvfs(sw, pf, 0, pf->vf_type, force, err, errlen);
	if (ret)
		return ret;
	dp_port_detach(sw->dp, pf->ifindex, pf->gone);
	port_id_free(sw, pf->port_id);
	dp_flood_set(sw->dp, pf->slot, &(struct vflag_flood){ 0 });
	sw->slots_used &= ~(1ull << pf->slot);
	for (i = 0; i < sw->npfs && sw->pfs[i] != pf; i++)
		;
	memmove(&sw->pfs[i], &sw->pfs[i + 1], (sw->npfs - i - 1) * sizeof(sw->pfs[0]));
	sw->npfs--;
	LOG_INFO(TAG, "PF %s released %s", pf->name, pf->dev);
	free(pf);
	return 0;
}

void eswitch_destroy(struct eswitch *sw)
{
	char err[256];

	if (!sw)
		return;
	while (sw->npfs) {
		struct pf *pf = sw->pfs[sw->npfs - 1];

		pf->bond = NULL; /* bonds are gone before the eswitch */
		if (eswitch_pf_del(sw, pf, true, err, sizeof(err)))
			LOG_ERR(TAG, "%s", err);
	}
	free(sw);
}

/* A request socket in the namespace the VF's device is in (ours, or the
 * one it was moved to); release it with vf_nl_close(). */
static struct nl *vf_nl_open(struct eswitch *sw, const struct vf *vf, int *ret)
{
	struct nl *nl;
	int fd;

	if (!vf->netns[0])
		return sw->nl;
	fd = netns_open(vf->netns);
	if (fd < 0) {
		*ret = fd;
		return NULL;
	}
	nl = nl_open_in_netns(fd);
	close(fd);
	if (!nl)
		*ret = -errno ? -errno : -EIO;
	return nl;
}

static void vf_nl_close(struct eswitch *sw, struct nl *nl)
{
	if (nl && nl != sw->nl)
		nl_close(nl);
}

static int vf_set_mac(struct eswitch *sw, struct pf *pf, struct vf *vf, const uint8_t mac[6],
		      char *err, size_t errlen)
{
	struct nl_link_info info;
	struct vflag_port entry;
	struct nl *nl;
	uint8_t old[6];
	int ret = 0;

	if (!memcmp(mac, vf->mac, 6))
		return 0;
	nl = vf_nl_open(sw, vf, &ret);
	if (!nl) {
		snprintf(err, errlen, "cannot reach namespace %s: %s", vf->netns, strerror(-ret));
		return ret;
	}
	ret = nl_link_get(nl, vf->ifname, 0, &info);
	if (!ret)
		ret = nl_link_set_mac(nl, info.ifindex, mac);
	vf_nl_close(sw, nl);
	if (ret) {
		snprintf(err, errlen, "cannot set the MAC of %s: %s", vf->ifname, strerror(-ret));
		return ret;
	}
	memcpy(old, vf->mac, 6);
	memcpy(vf->mac, mac, 6);
	ret = dp_fdb_set(sw->dp, pf_domain(pf), mac, vf->rep_ifindex, vf->port_id);
	if (ret) {
		memcpy(vf->mac, old, 6);
		snprintf(err, errlen, "cannot update the switching table: %s", strerror(-ret));
		return ret;
	}
	dp_fdb_del(sw->dp, pf_domain(pf), old);
	entry = vf_port_entry(pf, vf);
	dp_port_update(sw->dp, vf->rep_ifindex, &entry);
	return 0;
}

static int vf_set_netns(struct eswitch *sw, struct vf *vf, const char *netns,
			char *err, size_t errlen)
{
	bool back = !strcmp(netns, "-");
	struct nl_link_info info;
	int target, ret = 0;
	struct nl *nl;

	if (vf->type == VF_TYPE_TAP) {
		snprintf(err, errlen, "%s is a TAP for a VM (qemu -netdev tap,ifname=%s): it does not move into a namespace",
			 vf->ifname, vf->ifname);
		return -EINVAL;
	}
	if ((back && !vf->netns[0]) || !strcmp(netns, vf->netns))
		return 0;
	if (!back && strlen(netns) >= sizeof(vf->netns)) {
		snprintf(err, errlen, "namespace name too long");
		return -EINVAL;
	}
	target = back ? open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) : netns_open(netns);
	if (target < 0) {
		ret = back ? -errno : target;
		snprintf(err, errlen, "no network namespace '%s' (%s): create it with `ip netns add %s`",
			 netns, strerror(-ret), netns);
		return ret;
	}
	nl = vf_nl_open(sw, vf, &ret);
	if (!nl) {
		snprintf(err, errlen, "cannot reach namespace %s: %s", vf->netns, strerror(-ret));
		goto close_target;
	}
	ret = nl_link_get(nl, vf->ifname, 0, &info);
	if (!ret)
		ret = nl_link_set_netns(nl, info.ifindex, target);
	vf_nl_close(sw, nl);
	if (ret) {
		snprintf(err, errlen, "cannot move %s: %s", vf->ifname, strerror(-ret));
		goto close_target;
	}
	snprintf(vf->netns, sizeof(vf->netns), "%s", back ? "" : netns);
close_target:
	close(target);
	return ret;
}

int eswitch_vf_set(struct eswitch *sw, struct pf *pf, unsigned index, const uint8_t *mac,
		   const char *netns, char *err, size_t errlen)
{
	struct vf *vf;
	int ret;

	if (index >= pf->numvfs) {
		snprintf(err, errlen, "%s has no VF %u (numvfs is %u)", pf->name, index, pf->numvfs);
		return -ENOENT;
	}
	vf = &pf->vfs[index];
	if (vf->gone) {
		snprintf(err, errlen, "VF %u of %s is gone (its namespace was deleted?): set numvfs 0 and again",
			 index, pf->name);
		return -ENODEV;
	}
	if (mac) {
		if (mac_is_multicast(mac) || mac_is_zero(mac)) {
			snprintf(err, errlen, "a VF needs a unicast, non-zero MAC");
			return -EINVAL;
		}
		for (unsigned i = 0; i < sw->npfs; i++)
			for (unsigned v = 0; v < sw->pfs[i]->numvfs; v++)
				if (&sw->pfs[i]->vfs[v] != vf &&
				    pf_domain(sw->pfs[i]) == pf_domain(pf) &&
				    !memcmp(sw->pfs[i]->vfs[v].mac, mac, 6)) {
					snprintf(err, errlen, "VF %u of %s has that MAC already", v,
						 sw->pfs[i]->name);
					return -EEXIST;
				}
	}
	/* The MAC first: it can be undone, a move is harder to. */
	if (mac) {
		ret = vf_set_mac(sw, pf, vf, mac, err, errlen);
		if (ret)
			return ret;
	}
	if (netns)
		return vf_set_netns(sw, vf, netns, err, errlen);
	return 0;
}

struct pf *eswitch_link_event(struct eswitch *sw, const struct nl_link_event *ev)
{
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (pf->ifindex == ev->ifindex && !pf->gone) {
			if (ev->deleted) {
				LOG_WARN(TAG, "uplink %s of %s was deleted", pf->dev, pf->name);
				pf->gone = true;
				pf->carrier = false;
				dp_port_detach(sw->dp, pf->ifindex, true);
				return pf;
			}
			if (pf->carrier == ev->carrier)
				return NULL;
			pf->carrier = ev->carrier;
			LOG_INFO(TAG, "%s (%s): carrier %s", pf->name, pf->dev, ev->carrier ? "up" : "down");
			return pf;
		}
		for (unsigned v = 0; v < pf->numvfs; v++) {
			struct vf *vf = &pf->vfs[v];

			if (vf->rep_ifindex == ev->ifindex && ev->deleted && !vf->gone) {
				LOG_WARN(TAG, "VF %u of %s vanished (its namespace deleted?)", v, pf->name);
				vf->gone = true;
				dp_fdb_del(sw->dp, pf_domain(pf), vf->mac);
				dp_port_detach(sw->dp, vf->rep_ifindex, true);
				domain_flood_sync(sw, pf_domain(pf));
			}
		}
	}
	return NULL;
}

int eswitch_pf_poll_carrier(struct eswitch *sw, struct pf *pf, bool *carrier)
{
	struct nl_link_info info;
	int ret;

	if (pf->gone)
		return -ENODEV;
	ret = nl_link_get(sw->nl, NULL, pf->ifindex, &info);
	if (ret)
		return ret;
	*carrier = info.carrier && info.admin_up;
	pf->carrier = *carrier;
	return 0;
}

struct dp *eswitch_dp(struct eswitch *sw) { return sw->dp; }
const char *pf_name(const struct pf *pf) { return pf->name; }
const char *pf_dev(const struct pf *pf) { return pf->dev; }
int pf_ifindex(const struct pf *pf) { return pf->ifindex; }
const uint8_t *pf_mac(const struct pf *pf) { return pf->mac; }
bool pf_carrier(const struct pf *pf) { return pf->carrier && !pf->gone; }
uint32_t pf_port_id(const struct pf *pf) { return pf->port_id; }
struct bond *pf_bond(const struct pf *pf) { return pf->bond; }

/* Re-programs a PF and its VFs after its domain changed. */
static int pf_reprogram(struct eswitch *sw, struct pf *pf, uint32_t old_domain)
{
	struct vflag_port entry = pf_port_entry(pf);
	int ret = pf->gone ? 0 : dp_port_update(sw->dp, pf->ifindex, &entry);

	for (unsigned v = 0; v < pf->numvfs && !ret; v++) {
		struct vf *vf = &pf->vfs[v];

		if (vf->gone)
			continue;
		entry = vf_port_entry(pf, vf);
		dp_fdb_del(sw->dp, old_domain, vf->mac);
		ret = dp_fdb_set(sw->dp, pf_domain(pf), vf->mac, vf->rep_ifindex, vf->port_id);
		if (!ret)
			ret = dp_port_update(sw->dp, vf->rep_ifindex, &entry);
	}
	domain_flood_sync(sw, old_domain);
	domain_flood_sync(sw, pf_domain(pf));
	return ret;
}

int eswitch_pf_join_lag(struct eswitch *sw, struct pf *pf, struct bond *bond,
			uint32_t lag_slot, uint32_t member_index)
{
	uint32_t old = pf_domain(pf);
	int ret;

	pf->bond = bond;
	pf->lag_slot = lag_slot;
	pf->member_index = member_index;
	ret = pf_reprogram(sw, pf, old);
	if (ret) {
		pf->bond = NULL;
		pf_reprogram(sw, pf, ESWITCH_DOMAIN_LAG_BASE + lag_slot);
	}
	return ret;
}

void eswitch_pf_leave_lag(struct eswitch *sw, struct pf *pf)
{
	uint32_t old = pf_domain(pf);

	pf->bond = NULL;
	pf->member_index = 0;
	pf_reprogram(sw, pf, old);
}

unsigned eswitch_domain_vf_macs(struct eswitch *sw, const struct pf *pf,
				uint8_t (*macs)[6], unsigned cap)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sw->npfs; i++) {
		if (pf_domain(sw->pfs[i]) != pf_domain(pf))
			continue;
		for (unsigned v = 0; v < sw->pfs[i]->numvfs && n < cap; v++)
			if (!sw->pfs[i]->vfs[v].gone)
				memcpy(macs[n++], sw->pfs[i]->vfs[v].mac, 6);
	}
	return n;
}

/* JSON replies. */

static json_t *json_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *pf_json(struct pf *pf)
{
	char mac[MAC_STR_LEN];

	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:o}",
			 "name", pf->name, "dev", pf->dev, "ifindex", pf->ifindex,
			 "mac", mac_format(pf->mac, mac), "pci", pf->pci,
			 "link", pf->gone ? "gone" : pf->carrier ? "up" : "down",
			 "numvfs", (int)pf->numvfs, "vf_type", vf_type_name(pf->vf_type),
			 "eswitch_mode", "legacy", "spoofchk", pf->spoofchk,
			 "bond", json_str_or_null(pf->bond ? bond_name(pf->bond) : NULL));
}

static struct pf *pf_lookup_arg(struct eswitch *sw, const char *name, char *err, size_t errlen)
{
	struct pf *pf = eswitch_pf_find(sw, name);

	if (!pf)
		snprintf(err, errlen, "no PF named %s (see `vflagctl show`)", name);
	return pf;
}

json_t *eswitch_pf_json(struct eswitch *sw, const char *name, char *err, size_t errlen)
{
	json_t *pfs = json_array();

	for (unsigned i = 0; i < sw->npfs; i++)
		if (!name || !strcmp(name, sw->pfs[i]->name))
			json_array_append_new(pfs, pf_json(sw->pfs[i]));
	if (name && json_array_size(pfs) == 0) {
		json_decref(pfs);
		pf_lookup_arg(sw, name, err, errlen);
		return NULL;
	}
	return json_pack("{s:o}", "pfs", pfs);
}

/* A pseudo PCI address: VFs follow their PF as SR-IOV routing IDs do,
 * first VF offset 2, stride 1 (the seed's VF 0 of 61:00.0 is 61:00.2). */
static void vf_pci(const struct pf *pf, unsigned index, char *buf, size_t len)
{
	unsigned dom = 0, bus = 0, dev = 0, fn = 0, rid;

	sscanf(pf->pci, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
	rid = (bus << 8 | dev << 3 | fn) + 2 + pf->slot * ESWITCH_MAX_VFS + index;
	snprintf(buf, len, "%04x:%02x:%02x.%x", dom & 0xffff, (rid >> 8) & 0xff, (rid >> 3) & 0x1f,
		 rid & 7);
}

typedef json_t *(*vf_row_fn)(struct eswitch *sw, const struct pf *pf, const struct vf *vf,
			    const char *pci);

/* {"KEY": [row, ...]} over the VFs of one PF (name) or of all (NULL). */
static json_t *vf_rows_json(struct eswitch *sw, const char *name, const char *key,
			    vf_row_fn row, char *err, size_t errlen)
{
	json_t *rows;

	if (name && !pf_lookup_arg(sw, name, err, errlen))
		return NULL;
	rows = json_array();
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (name && strcmp(name, pf->name))
			continue;
		for (unsigned v = 0; v < pf->numvfs; v++) {
			char pci[16];

			vf_pci(pf, v, pci, sizeof(pci));
			json_array_append_new(rows, row(sw, pf, &pf->vfs[v], pci));
		}
	}
	return json_pack("{s:o}", key, rows);
}

static json_t *vf_row(struct eswitch *sw, const struct pf *pf, const struct vf *vf,
		      const char *pci)
{
	char mac[MAC_STR_LEN];

	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:b}",
			 "pf", pf->name, "vf", (int)vf->index, "ifname", vf->ifname, "rep", vf->rep,
			 "type", vf_type_name(vf->type), "mac", mac_format(vf->mac, mac),
			 "pci", pci, "netns", json_str_or_null(vf->netns),
			 "in_use", vf_in_use(sw, vf), "gone", vf->gone);
}

static json_t *map_rep_row(struct eswitch *sw, const struct pf *pf, const struct vf *vf,
			   const char *pci)
{
	/* Legacy mode has no representors: the eswitch end is internal until
	 * switchdev makes it one. */
	return json_pack("{s:i, s:o, s:s, s:s, s:s, s:s, s:o}",
			 "vf", (int)vf->index, "representor", json_null(), "vf_port", vf->ifname,
			 "vf_pci", pci, "pf", pf->name, "pf_dev", pf->dev,
			 "machine", json_str_or_null(vf->netns));
}

json_t *eswitch_vf_json(struct eswitch *sw, const char *name, char *err, size_t errlen)
{
	return vf_rows_json(sw, name, "vfs", vf_row, err, errlen);
}

json_t *eswitch_map_rep_json(struct eswitch *sw, const char *name, char *err, size_t errlen)
{
	return vf_rows_json(sw, name, "reps", map_rep_row, err, errlen);
}

/* Counter names as ethtool -S shows them; which kinds of port have them. */
#define K_UPLINK 1
#define K_VF 2
static const struct {
	const char *uplink_name;
	const char *vf_name;
	size_t offset;
} stat_fields[] = {
#define F(u, v, field) { u, v, offsetof(struct vflag_port_stats, field) }
	F("rx_packets_phy", "rx_packets", rx_packets),
	F("rx_bytes_phy", "rx_bytes", rx_bytes),
	F("tx_packets_phy", "tx_packets", tx_packets),
	F("tx_bytes_phy", "tx_bytes", tx_bytes),
	F("lag_tx_packets", NULL, lag_tx_packets),
	F("lag_tx_bytes", NULL, lag_tx_bytes),
	F("rx_to_host_packets", NULL, to_host_packets),
	F("rx_slow_proto_packets", NULL, slow_proto_packets),
	F("flood_packets", "flood_packets", flood_packets),
	F("rx_drop_not_collecting", NULL, drop_not_collecting),
	F(NULL, "tx_drop_no_member", drop_no_member),
	F("rx_drop_malformed", "tx_drop_malformed", drop_malformed),
	F(NULL, "tx_drop_spoof", drop_spoof),
	F(NULL, "tx_drop_hairpin", drop_hairpin),
	F("drop_flood_full", "drop_flood_full", drop_flood_full),
	F(NULL, "tx_drop_link_local", drop_link_local),
#undef F
};

static json_t *stats_json(struct eswitch *sw, const char *name, const char *kind,
			  const char *dev, uint32_t port_id)
{
	struct vflag_port_stats st;
	json_t *counters = json_object();
	bool uplink = !strcmp(kind, "uplink");

	if (dp_stats_read(sw->dp, port_id, &st))
		memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		const char *n = uplink ? stat_fields[i].uplink_name : stat_fields[i].vf_name;
		uint64_t v;

		if (!n)
			continue;
		memcpy(&v, (const char *)&st + stat_fields[i].offset, sizeof(v));
		json_object_set_new(counters, n, json_integer((json_int_t)v));
	}
	return json_pack("{s:s, s:s, s:s, s:o}", "name", name, "kind", kind, "dev", dev,
			 "counters", counters);
}

json_t *eswitch_stats_json(struct eswitch *sw, const char *port, char *err, size_t errlen)
{
	json_t *ports = json_array();

	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (!port || !strcmp(port, pf->name) || !strcmp(port, pf->dev))
			json_array_append_new(ports, stats_json(sw, pf->name, "uplink", pf->dev,
								pf->port_id));
		for (unsigned v = 0; v < pf->numvfs; v++) {
			struct vf *vf = &pf->vfs[v];

			if (!port || !strcmp(port, vf->ifname) || !strcmp(port, vf->rep))
				json_array_append_new(ports, stats_json(sw, vf->ifname, "vf", vf->rep,
									vf->port_id));
		}
	}
	if (port && json_array_size(ports) == 0) {
		json_decref(ports);
		snprintf(err, errlen, "no port named %s: give a PF name or a VF port name (see `vflagctl vf show`)",
			 port);
		return NULL;
	}
	return json_pack("{s:o}", "ports", ports);
}
