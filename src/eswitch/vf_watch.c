/* Ports that come back, and VF link state (issue 7, items 5 and 6).
 *
 * A VF's device can vanish under us: its namespace deleted, or the
 * tenant running `ip link del` on it (a veth takes its peer, our eswitch
 * end, along). The slot is made again in place: same names, MAC, port id
 * and pseudo PCI address, back in vflagd's namespace, hooks, fdb entry
 * and broadcast list restored; its siblings are not touched. An uplink
 * that vanished keeps its PF (gone, no carrier) and its VFs, and a new
 * link of the same name is adopted in its place.
 *
 * A VF end is found by the ifindex it has in the namespace it was moved
 * to, never by name: a tenant may rename it and plant another device
 * under its name.
 *
 * VF link state: a veth VF end has carrier while its peer, the eswitch
 * end, is up, so setting that end down is how the VF's carrier follows
 * its LAG. A TAP's link as the VM sees it is QEMU's (set_link), and a
 * persistent TAP held by QEMU cannot be opened a second time for
 * TUNSETCARRIER: TAPs are left out.
 *
 * Single-threaded, as the rest of the eswitch. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

static const char *const vf_link_state_names[] = {
    [VF_LINK_AUTO] = "auto",
    [VF_LINK_ENABLE] = "enable",
    [VF_LINK_DISABLE] = "disable",
};

const char *vf_link_state_name(enum vf_link_state state)
{
	return (unsigned)state < ARRAY_SIZE(vf_link_state_names)
		   ? vf_link_state_names[state]
		   : "?";
}

int vf_link_state_parse(const char *s, enum vf_link_state *state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vf_link_state_names); i++)
		if (!strcmp(s, vf_link_state_names[i])) {
			*state = (enum vf_link_state)i;
			return 0;
		}
	return -EINVAL;
}

int eswitch_vf_dev_get(struct eswitch *sw, const struct vf *vf,
		       struct eswitch_ns *ns, struct nl_link_info *info,
		       char *err, size_t errlen)
{
	const char *where = vf->netns[0] ? vf->netns : "of vflagd";
	int ret;

	ret = sw->ops->link_get(sw->ops_ctx, ns, NULL, vf->ifindex, info);
	if (ret) {
		snprintf(err, errlen,
			 "%s (ifindex %d) is not in namespace %s any more "
			 "(moved away?): move it back there first",
			 vf->ifname, vf->ifindex, where);
		return ret == -ENOENT ? -ENODEV : ret;
	}
	if (strcmp(info->name, vf->ifname)) {
		snprintf(err, errlen,
			 "%s (ifindex %d) was renamed %s in namespace %s: "
			 "rename it back first (ip link set %s name %s)",
			 vf->ifname, vf->ifindex, info->name, where, info->name,
			 vf->ifname);
		return -EBUSY;
	}
	return 0;
}

void eswitch_vf_track(struct eswitch *sw, struct vf *vf)
{
	struct nl_link_info info;
	struct eswitch_ns *ns = NULL;
	int ret = 0;

	if (vf->netns[0]) {
		ns = sw->ops->ns_open(sw->ops_ctx, vf->netns, &ret);
		if (!ns)
			return;
	}
	/* The kernel keeps an ifindex across a move unless the target has
	 * it taken; the name is asked only then, right after our own move. */
	if (sw->ops->link_get(sw->ops_ctx, ns, NULL, vf->ifindex, &info) ||
	    strcmp(info.name, vf->ifname)) {
		if (!sw->ops->link_get(sw->ops_ctx, ns, vf->ifname, 0, &info))
			vf->ifindex = info.ifindex;
	}
	sw->ops->ns_close(sw->ops_ctx, ns);
}

/* The VF end's ifindex in vflagd's namespace, just made. */
static int vf_end_ifindex(struct eswitch *sw, const struct vf *vf)
{
	struct nl_link_info info;
	int ret;

	if (vf->type == VF_TYPE_TAP)
		return vf->rep_ifindex;
	ret = sw->ops->link_get(sw->ops_ctx, NULL, vf->ifname, 0, &info);
	return ret ? ret : info.ifindex;
}

void eswitch_vf_link_apply(struct eswitch *sw, const struct pf *pf,
			   struct vf *vf)
{
	/* A representor the operator set down stays down, whatever the
	 * state says, as on mlx5 (switchdev.c). */
	bool want =
	    !vf->rep_held &&
	    (vf->link_state == VF_LINK_ENABLE ||
	     (vf->link_state == VF_LINK_AUTO && pf->lag_ok && !pf->gone));
	int ret;

	if (vf->gone || vf->type == VF_TYPE_TAP || want == vf->rep_up)
		return;
	ret = sw->ops->link_set_up(sw->ops_ctx, vf->rep_ifindex, want);
	if (ret) {
		LOG_WARN(TAG, "VF %u of %s: cannot set %s %s: %s", vf->index,
			 pf->name, vf->rep, want ? "up" : "down",
			 strerror(-ret));
		return;
	}
	vf->rep_up = want;
	LOG_INFO(TAG, "VF %u of %s: link %s (state %s)", vf->index, pf->name,
		 want ? "up" : "down", vf_link_state_name(vf->link_state));
}

void eswitch_pf_lag_ok_set(struct eswitch *sw, struct pf *pf, bool ok)
{
	pf->lag_ok = ok;
	for (unsigned v = 0; v < pf->numvfs; v++)
		eswitch_vf_link_apply(sw, pf, &pf->vfs[v]);
}

void eswitch_lag_set_carry(struct eswitch *sw, uint32_t lag_slot, bool ok)
{
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (pf->in_lag && pf->lag_slot == lag_slot && pf->lag_ok != ok)
			eswitch_pf_lag_ok_set(sw, pf, ok);
	}
}

int eswitch_vf_set_state(struct eswitch *sw, struct pf *pf, unsigned index,
			 enum vf_link_state state, char *err, size_t errlen)
{
	struct vf *vf;

	if (index >= pf->numvfs) {
		snprintf(err, errlen, "%s has no VF %u (numvfs is %u)",
			 pf->name, index, pf->numvfs);
		return -ENOENT;
	}
	vf = &pf->vfs[index];
	if (vf->type == VF_TYPE_TAP) {
		snprintf(err, errlen,
			 "%s is a TAP: the link a VM sees is QEMU's (its "
			 "monitor's set_link %s on|off)",
			 vf->ifname, vf->ifname);
		return -EOPNOTSUPP;
	}
	vf->link_state = state;
	eswitch_vf_link_apply(sw, pf, vf);
	return 0;
}

/* Drops what the datapath knows of a VF whose device vanished. */
static void vf_forget(struct eswitch *sw, struct pf *pf, struct vf *vf)
{
	sw->ops->fdb_del(sw->ops_ctx, eswitch_pf_domain(pf), vf_fdb_vlan(vf),
			 vf->mac);
	sw->ops->port_detach(sw->ops_ctx, vf->rep_ifindex, true);
}

int eswitch_vf_respawn(struct eswitch *sw, struct pf *pf, struct vf *vf)
{
	uint32_t domain = eswitch_pf_domain(pf);
	struct vflag_port entry;
	int ret;

	if (!vf->gone)
		vf_forget(sw, pf, vf);
	vf->gone = true; /* until it is whole again */
	vf->rep_up = false;
	/* A new device: the old one's going down (its namespace deleted)
	 * was no operator's hold. */
	vf->rep_held = false;
	if (vf->type == VF_TYPE_TAP) {
		/* A TAP deleted with `ip link del` while persistent may
		 * still be named: clear it before making it again. */
		sw->ops->tap_delete(sw->ops_ctx, vf->ifname);
		ret = sw->ops->tap_create(sw->ops_ctx, vf->ifname, vf->mac);
	} else {
		ret = sw->ops->veth_create(sw->ops_ctx, vf->rep, vf->ifname,
					   vf->mac);
	}
	if (ret < 0) {
		LOG_ERR(TAG, "VF %u of %s: cannot make %s again: %s", vf->index,
			pf->name, vf->ifname, strerror(-ret));
		goto flood_sync;
	}
	vf->rep_ifindex = ret;
	ret = vf_end_ifindex(sw, vf);
	if (ret < 0)
		goto delete_dev;
	vf->ifindex = ret;
	vf->netns[0] = 0;
	sw->ops->rep_quiet(sw->ops_ctx, vf->rep);
	entry = eswitch_vf_port_entry(pf, vf);
	ret = sw->ops->port_attach(sw->ops_ctx, vf->rep_ifindex, &entry);
	if (ret)
		goto delete_dev;
	ret = sw->ops->fdb_set(sw->ops_ctx, domain, vf_fdb_vlan(vf), vf->mac,
			       vf->rep_ifindex, vf->port_id);
	if (ret)
		goto detach;
	vf->gone = false;
	if (vf->type == VF_TYPE_TAP) {
		/* A TAP's own link is always up (QEMU's is the VM's). */
		ret = sw->ops->link_set_up(sw->ops_ctx, vf->rep_ifindex, true);
		vf->rep_up = !ret;
	} else {
		eswitch_vf_link_apply(sw, pf, vf);
	}
	LOG_INFO(TAG, "VF %u of %s: %s made again (ifindex %d)", vf->index,
		 pf->name, vf->ifname, vf->ifindex);
	goto flood_sync;

detach:
	sw->ops->port_detach(sw->ops_ctx, vf->rep_ifindex, false);
delete_dev:
	LOG_ERR(TAG, "VF %u of %s: cannot set %s up again: %s", vf->index,
		pf->name, vf->ifname, strerror(-ret));
	if (vf->type == VF_TYPE_TAP)
		sw->ops->tap_delete(sw->ops_ctx, vf->ifname);
	else
		sw->ops->link_del(sw->ops_ctx, vf->rep_ifindex);
flood_sync:
	eswitch_domain_flood_sync(sw, domain);
	return ret < 0 ? ret : 0;
}

int eswitch_pf_readopt(struct eswitch *sw, struct pf *pf, int ifindex)
{
	struct nl_link_info info;
	struct vflag_port entry;
	int ret;

	ret = sw->ops->link_get(sw->ops_ctx, NULL, NULL, ifindex, &info);
	if (ret)
		return ret;
	if (!info.admin_up) {
		ret = sw->ops->link_set_up(sw->ops_ctx, ifindex, true);
		if (ret)
			return ret;
	}
	pf->ifindex = ifindex;
	entry = eswitch_pf_port_entry(pf);
	ret = sw->ops->port_attach(sw->ops_ctx, ifindex, &entry);
	if (ret) {
		LOG_ERR(TAG, "%s: cannot attach the eswitch to the new %s: %s",
			pf->name, pf->dev, strerror(-ret));
		return ret;
	}
	memcpy(pf->mac, info.mac, 6);
	pf->gone = false;
	pf->carrier = info.carrier;
	/* The VFs' entries name their uplink's ifindex. */
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vf *vf = &pf->vfs[v];

		if (vf->gone)
			continue;
		entry = eswitch_vf_port_entry(pf, vf);
		sw->ops->port_update(sw->ops_ctx, vf->rep_ifindex, &entry);
	}
	LOG_INFO(TAG, "PF %s adopted %s again (ifindex %d)", pf->name, pf->dev,
		 ifindex);
	if (!pf->in_lag)
		eswitch_pf_lag_ok_set(sw, pf, pf_carrier(pf));
	return 0;
}

uint64_t eswitch_resync(struct eswitch *sw)
{
	uint64_t changed = 0;
	struct nl_link_info info;

	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];
		struct nl_link_event ev = {.ifindex = pf->ifindex};

		if (pf->gone) {
			if (!sw->ops->link_get(sw->ops_ctx, NULL, pf->dev, 0,
					       &info))
				ev = (struct nl_link_event){
				    .ifindex = info.ifindex,
				    .admin_up = info.admin_up,
				    .carrier = info.carrier};
			else
				ev.ifindex = 0;
			snprintf(ev.name, sizeof(ev.name), "%s", pf->dev);
		} else if (sw->ops->link_get(sw->ops_ctx, NULL, NULL,
					     pf->ifindex, &info)) {
			ev.deleted = true;
		} else {
			ev.admin_up = info.admin_up;
			ev.carrier = info.carrier;
			snprintf(ev.name, sizeof(ev.name), "%s", info.name);
		}
		if (ev.ifindex && eswitch_link_event(sw, &ev) == pf)
			changed |= 1ull << i;
		for (unsigned v = 0; v < pf->numvfs; v++) {
			struct vf *vf = &pf->vfs[v];

			if (vf->gone ||
			    sw->ops->link_get(sw->ops_ctx, NULL, NULL,
					      vf->rep_ifindex, &info))
				eswitch_vf_respawn(sw, pf, vf);
		}
	}
	return changed;
}
