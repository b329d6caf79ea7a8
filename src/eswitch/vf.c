/* VFs: their devices (a veth pair, or a TAP for a VM), stable names and
 * MACs, moves between namespaces, and what `vf show` reports. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

struct vf *eswitch_vf_by_devname(struct eswitch *sw, const char *name,
				 struct pf **pfp)
{
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		for (unsigned v = 0; v < pf->numvfs; v++) {
			if (!strcmp(pf->vfs[v].ifname, name) ||
			    !strcmp(pf->vfs[v].rep, name)) {
				if (pfp)
					*pfp = pf;
				return &pf->vfs[v];
			}
		}
	}
	return NULL;
}

bool eswitch_vf_in_use(struct eswitch *sw, const struct vf *vf)
{
	struct nl_link_info info;

	if (vf->gone)
		return false;
	if (vf->type == VF_TYPE_VETH)
		return vf->netns[0] != 0;
	/* A TAP has carrier while a VM holds it open. */
	return sw->ops->link_get(sw->ops_ctx, NULL, NULL, vf->rep_ifindex,
				 &info) == 0 &&
	       info.carrier;
}

/* Deletes the device of a VF (a veth takes its peer along). */
static void vf_device_del(struct eswitch *sw, const struct vf *vf)
{
	if (vf->type == VF_TYPE_TAP)
		sw->ops->tap_delete(sw->ops_ctx, vf->ifname);
	else
		sw->ops->link_del(sw->ops_ctx, vf->rep_ifindex);
}

void eswitch_vf_destroy(struct eswitch *sw, struct pf *pf, struct vf *vf)
{
	sw->ops->fdb_del(sw->ops_ctx, eswitch_pf_domain(pf), vf_fdb_vlan(vf),
			 vf->mac);
	sw->ops->port_detach(sw->ops_ctx, vf->rep_ifindex, vf->gone);
	if (!vf->gone)
		vf_device_del(sw, vf);
	eswitch_port_id_free(sw, vf->port_id);
}

int eswitch_vf_create(struct eswitch *sw, struct pf *pf, struct vf *vf,
		      unsigned index, enum vf_type type, char *err,
		      size_t errlen)
{
	struct vflag_port entry;
	int ret;

	memset(vf, 0, sizeof(*vf));
	vf->index = index;
	vf->type = type;
	eswitch_vf_default_mac(sw->machine_id, pf->name, index, vf->mac);
	eswitch_vf_policy_init(pf, vf);
	snprintf(vf->ifname, sizeof(vf->ifname), "%svf%u", pf->name, index);
	if (type == VF_TYPE_TAP) {
		snprintf(vf->rep, sizeof(vf->rep), "%s", vf->ifname);
		ret = sw->ops->tap_create(sw->ops_ctx, vf->ifname, vf->mac);
	} else {
		snprintf(vf->rep, sizeof(vf->rep), "%s_%u", pf->name, index);
		ret = sw->ops->veth_create(sw->ops_ctx, vf->rep, vf->ifname,
					   vf->mac);
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot create %s %s: %s%s",
			 vf_type_name(type), vf->ifname, strerror(-ret),
			 ret == -EEXIST ? " (a device of that name exists)"
					: "");
		return ret;
	}
	vf->rep_ifindex = ret;
	vf->ifindex = ret;
	if (type == VF_TYPE_VETH) {
		struct nl_link_info info;

		ret =
		    sw->ops->link_get(sw->ops_ctx, NULL, vf->ifname, 0, &info);
		if (ret) {
			snprintf(err, errlen, "cannot find %s: %s", vf->ifname,
				 strerror(-ret));
			goto delete_dev;
		}
		vf->ifindex = info.ifindex;
	}
	sw->ops->rep_quiet(sw->ops_ctx, vf->rep);
	/* A TAP's eswitch end is always up; a veth's follows the VF's
	 * link state (vf_watch.c). */
	vf->rep_up = type == VF_TYPE_TAP || pf->lag_ok;
	ret = sw->ops->link_set_up(sw->ops_ctx, vf->rep_ifindex, vf->rep_up);
	if (ret) {
		snprintf(err, errlen, "cannot bring %s up: %s", vf->rep,
			 strerror(-ret));
		goto delete_dev;
	}
	ret = eswitch_port_id_alloc(sw, &vf->port_id);
	if (ret) {
		snprintf(err, errlen, "no free eswitch port (at most %d)",
			 VFLAG_MAX_PORTS);
		goto delete_dev;
	}
	entry = eswitch_vf_port_entry(pf, vf);
	ret = sw->ops->port_attach(sw->ops_ctx, vf->rep_ifindex, &entry);
	if (ret) {
		snprintf(err, errlen, "cannot attach the eswitch to %s: %s",
			 vf->rep, strerror(-ret));
		goto free_port_id;
	}
	ret = sw->ops->fdb_set(sw->ops_ctx, eswitch_pf_domain(pf),
			       vf_fdb_vlan(vf), vf->mac, vf->rep_ifindex,
			       vf->port_id);
	if (ret) {
		snprintf(err, errlen,
			 "cannot add %s to the switching table: %s", vf->ifname,
			 strerror(-ret));
		goto detach;
	}
	return 0;

detach:
	sw->ops->port_detach(sw->ops_ctx, vf->rep_ifindex, false);
free_port_id:
	eswitch_port_id_free(sw, vf->port_id);
delete_dev:
	vf_device_del(sw, vf);
	return ret;
}

/* A request handle in the namespace the VF's device is in: NULL (ours)
 * or one to release with ns_close. *reached says whether it could be. */
static struct eswitch_ns *vf_ns_open(struct eswitch *sw, const struct vf *vf,
				     bool *reached, int *ret)
{
	struct eswitch_ns *ns;

	*reached = true;
	if (!vf->netns[0])
		return NULL;
	ns = sw->ops->ns_open(sw->ops_ctx, vf->netns, ret);
	*reached = ns != NULL;
	return ns;
}

static int vf_set_mac(struct eswitch *sw, struct pf *pf, struct vf *vf,
		      const uint8_t mac[6], char *err, size_t errlen)
{
	uint32_t domain = eswitch_pf_domain(pf);
	struct nl_link_info info;
	struct vflag_port entry;
	struct eswitch_ns *ns;
	bool reached;
	uint8_t old[6];
	int ret = 0;

	if (!memcmp(mac, vf->mac, 6))
		return 0;
	ns = vf_ns_open(sw, vf, &reached, &ret);
	if (!reached) {
		snprintf(err, errlen, "cannot reach namespace %s: %s",
			 vf->netns, strerror(-ret));
		return ret;
	}
	ret = eswitch_vf_dev_get(sw, vf, ns, &info, err, errlen);
	if (!ret) {
		ret = sw->ops->link_set_mac(sw->ops_ctx, ns, info.ifindex, mac);
		if (ret)
			snprintf(err, errlen, "cannot set the MAC of %s: %s",
				 vf->ifname, strerror(-ret));
	}
	sw->ops->ns_close(sw->ops_ctx, ns);
	if (ret)
		return ret;
	memcpy(old, vf->mac, 6);
	memcpy(vf->mac, mac, 6);
	ret = sw->ops->fdb_set(sw->ops_ctx, domain, vf_fdb_vlan(vf), mac,
			       vf->rep_ifindex, vf->port_id);
	if (ret) {
		memcpy(vf->mac, old, 6);
		snprintf(err, errlen, "cannot update the switching table: %s",
			 strerror(-ret));
		return ret;
	}
	sw->ops->fdb_del(sw->ops_ctx, domain, vf_fdb_vlan(vf), old);
	entry = eswitch_vf_port_entry(pf, vf);
	sw->ops->port_update(sw->ops_ctx, vf->rep_ifindex, &entry);
	return 0;
}

static int vf_set_netns(struct eswitch *sw, struct vf *vf, const char *netns,
			char *err, size_t errlen)
{
	bool back = !strcmp(netns, "-");
	struct nl_link_info info;
	struct eswitch_ns *ns;
	int target, ret = 0;
	bool reached;

	if (vf->type == VF_TYPE_TAP) {
		snprintf(err, errlen,
			 "%s is a TAP for a VM (qemu -netdev tap,ifname=%s): "
			 "it does not move into a namespace",
			 vf->ifname, vf->ifname);
		return -EINVAL;
	}
	if ((back && !vf->netns[0]) || !strcmp(netns, vf->netns))
		return 0;
	if (!back && strlen(netns) >= sizeof(vf->netns)) {
		snprintf(err, errlen, "namespace name too long");
		return -EINVAL;
	}
	target = sw->ops->netns_open(sw->ops_ctx, back ? NULL : netns);
	if (target < 0) {
		ret = target;
		snprintf(err, errlen,
			 "no network namespace '%s' (%s): create it with `ip "
			 "netns add %s`",
			 netns, strerror(-ret), netns);
		return ret;
	}
	ns = vf_ns_open(sw, vf, &reached, &ret);
	if (!reached) {
		snprintf(err, errlen, "cannot reach namespace %s: %s",
			 vf->netns, strerror(-ret));
		goto close_target;
	}
	ret = eswitch_vf_dev_get(sw, vf, ns, &info, err, errlen);
	if (!ret) {
		ret = sw->ops->link_set_netns(sw->ops_ctx, ns, info.ifindex,
					      target);
		if (ret)
			snprintf(err, errlen, "cannot move %s: %s", vf->ifname,
				 strerror(-ret));
	}
	sw->ops->ns_close(sw->ops_ctx, ns);
	if (ret)
		goto close_target;
	snprintf(vf->netns, sizeof(vf->netns), "%s", back ? "" : netns);
	eswitch_vf_track(sw, vf);
close_target:
	sw->ops->netns_close(sw->ops_ctx, target);
	return ret;
}

/* A VF's MAC is unique in its domain: the fdb is keyed by (domain, MAC). */
static int vf_mac_check(struct eswitch *sw, const struct pf *pf,
			const struct vf *vf, const uint8_t mac[6], char *err,
			size_t errlen)
{
	uint32_t domain = eswitch_pf_domain(pf);

	if (mac_is_multicast(mac) || mac_is_zero(mac)) {
		snprintf(err, errlen, "a VF needs a unicast, non-zero MAC");
		return -EINVAL;
	}
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *p = sw->pfs[i];

		if (eswitch_pf_domain(p) != domain)
			continue;
		for (unsigned v = 0; v < p->numvfs; v++)
			if (&p->vfs[v] != vf &&
			    !memcmp(p->vfs[v].mac, mac, 6)) {
				snprintf(err, errlen,
					 "VF %u of %s has that MAC already", v,
					 p->name);
				return -EEXIST;
			}
	}
	return 0;
}

int eswitch_vf_set(struct eswitch *sw, struct pf *pf, unsigned index,
		   const uint8_t *mac, const char *netns, char *err,
		   size_t errlen)
{
	struct vf *vf;
	int ret;

	if (index >= pf->numvfs) {
		snprintf(err, errlen, "%s has no VF %u (numvfs is %u)",
			 pf->name, index, pf->numvfs);
		return -ENOENT;
	}
	vf = &pf->vfs[index];
	if (vf->gone)
		eswitch_vf_respawn(sw, pf, vf); /* one more try */
	if (vf->gone) {
		snprintf(err, errlen,
			 "VF %u of %s vanished and cannot be made again (see "
			 "vflagd's log): set numvfs 0 and again",
			 index, pf->name);
		return -ENODEV;
	}
	if (mac) {
		ret = vf_mac_check(sw, pf, vf, mac, err, errlen);
		if (ret)
			return ret;
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

/* A pseudo PCI address: VFs follow their PF as SR-IOV routing IDs do,
 * first VF offset 2, stride 1 (the seed's VF 0 of 61:00.0 is 61:00.2). */
static void vf_pci(const struct pf *pf, unsigned index, char *buf, size_t len)
{
	unsigned dom = 0, bus = 0, dev = 0, fn = 0, rid;

	sscanf(pf->pci, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
	rid =
	    (bus << 8 | dev << 3 | fn) + 2 + pf->slot * ESWITCH_MAX_VFS + index;
	snprintf(buf, len, "%04x:%02x:%02x.%x", dom & 0xffff, (rid >> 8) & 0xff,
		 (rid >> 3) & 0x1f, rid & 7);
}

int eswitch_vf_status(struct eswitch *sw, const struct pf *pf, unsigned index,
		      struct eswitch_vf_status *st)
{
	const struct vf *vf;

	if (index >= pf->numvfs)
		return -ENOENT;
	vf = &pf->vfs[index];
	memset(st, 0, sizeof(*st));
	snprintf(st->pf, sizeof(st->pf), "%s", pf->name);
	snprintf(st->pf_dev, sizeof(st->pf_dev), "%s", pf->dev);
	st->index = vf->index;
	st->type = vf->type;
	snprintf(st->ifname, sizeof(st->ifname), "%s", vf->ifname);
	snprintf(st->rep, sizeof(st->rep), "%s", vf->rep);
	st->rep_ifindex = vf->rep_ifindex;
	memcpy(st->mac, vf->mac, 6);
	vf_pci(pf, index, st->pci, sizeof(st->pci));
	snprintf(st->netns, sizeof(st->netns), "%s", vf->netns);
	st->in_use = eswitch_vf_in_use(sw, vf);
	st->gone = vf->gone;
	st->port_id = vf->port_id;
	st->policy = vf->policy;
	st->link_state = vf->link_state;
	st->link_up = !vf->gone && vf->rep_up;
	st->switchdev = pf->sd_active;
	st->rep_held = vf->rep_held;
	return 0;
}
