/* switchdev mode (doc/switchdev.md): each PF's eswitch mode and
 * hw-tc-offload knob, the mode each domain has in effect, the LAG
 * representors, and the representors' admin state.
 *
 * Switching mode changes only port flags, never devices: a VF's
 * representor is the host-side netdev vflag already owns for it (the
 * veth's eswitch end `<pf>_<n>`, or the TAP of a VM), and a bond's LAG
 * representor (`<bond>` / `<bond>_esw`) exists in both modes. So VFs
 * survive a mode change and the order of numvfs, bond and mode does not
 * matter.
 *
 * The mode in effect: a lone PF has the mode it was set to. A LAG's
 * domain has the mode its member PFs agree on; while they differ it
 * keeps the mode it had, as the NIC refuses to make the LAG
 * (eswitch_lag_mode() says why).
 *
 * Single-threaded, as the rest of the eswitch. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

const char *eswitch_mode_name(bool switchdev)
{
	return switchdev ? "switchdev" : "legacy";
}

int eswitch_mode_parse(const char *s, bool *switchdev)
{
	if (!strcmp(s, "legacy"))
		*switchdev = false;
	else if (!strcmp(s, "switchdev"))
		*switchdev = true;
	else
		return -EINVAL;
	return 0;
}

bool pf_switchdev(const struct pf *pf)
{
	return pf->sd_active;
}

bool pf_hw_tc_offload(const struct pf *pf)
{
	return pf->hw_tc_offload;
}

bool pf_mode_switchdev(const struct pf *pf)
{
	return pf->mode_switchdev;
}

/* Whether the PFs in LAG slot's domain agree; *mode gets their mode. */
static bool lag_members_agree(struct eswitch *sw, uint32_t slot, bool *mode,
			      char *why, size_t whylen)
{
	bool any = false, agree = true;
	size_t used = 0;

	if (why && whylen)
		why[0] = 0;
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (!pf->in_lag || pf->lag_slot != slot)
			continue;
		if (any && pf->mode_switchdev != *mode)
			agree = false;
		if (!any)
			*mode = pf->mode_switchdev;
		any = true;
	}
	if (!any || agree || !why)
		return any && agree;
	/* "eswitch modes differ: pf0 switchdev, pf1 legacy" */
	used = (size_t)snprintf(why, whylen, "eswitch modes differ:");
	for (unsigned i = 0, n = 0; i < sw->npfs && used < whylen; i++) {
		struct pf *pf = sw->pfs[i];

		if (!pf->in_lag || pf->lag_slot != slot)
			continue;
		used += (size_t)snprintf(why + used, whylen - used, "%s %s %s",
					 n++ ? "," : "", pf->name,
					 eswitch_mode_name(pf->mode_switchdev));
	}
	return false;
}

bool eswitch_lag_mode(struct eswitch *sw, uint32_t slot, char *why,
		      size_t whylen)
{
	bool mode = false;

	if (why && whylen)
		why[0] = 0;
	if (slot >= VFLAG_MAX_LAGS)
		return false;
	lag_members_agree(sw, slot, &mode, why, whylen);
	return sw->lags[slot].switchdev;
}

/* Rewrites the entries of pf's uplink and VFs (flags, representor). */
static void pf_ports_update(struct eswitch *sw, struct pf *pf)
{
	struct vflag_port entry;

	if (!pf->gone) {
		entry = eswitch_pf_port_entry(pf);
		sw->ops->port_update(sw->ops_ctx, pf->ifindex, &entry);
	}
	for (unsigned v = 0; v < pf->numvfs; v++) {
		struct vf *vf = &pf->vfs[v];

		if (vf->gone)
			continue;
		entry = eswitch_vf_port_entry(pf, vf);
		sw->ops->port_update(sw->ops_ctx, vf->rep_ifindex, &entry);
	}
}

/* O(LAGs x PFs + ports changed); n <= 8 x 64. */
void eswitch_modes_sync(struct eswitch *sw)
{
	for (uint32_t s = 0; s < VFLAG_MAX_LAGS; s++) {
		struct eswitch_lag *lag = &sw->lags[s];
		bool mode;

		if (lag_members_agree(sw, s, &mode, NULL, 0) &&
		    mode != lag->switchdev) {
			LOG_INFO(TAG, "LAG slot %u (%s): eswitch mode %s -> %s",
				 s, lag->used ? lag->name : "-",
				 eswitch_mode_name(lag->switchdev),
				 eswitch_mode_name(mode));
			lag->switchdev = mode;
		}
	}
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];
		struct eswitch_lag *lag =
		    pf->in_lag && pf->lag_slot < VFLAG_MAX_LAGS
			? &sw->lags[pf->lag_slot]
			: NULL;
		bool active = lag ? lag->switchdev : pf->mode_switchdev;
		int rep = lag && lag->used ? lag->esw_ifindex : 0;

		if (active == pf->sd_active && rep == pf->rep_ifindex)
			continue;
		pf->sd_active = active;
		pf->rep_ifindex = rep;
		pf_ports_update(sw, pf);
	}
}

int eswitch_pf_set_mode(struct eswitch *sw, struct pf *pf, bool switchdev,
			char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (pf->mode_switchdev == switchdev)
		return 0;
	pf->mode_switchdev = switchdev;
	LOG_INFO(TAG, "%s: eswitch mode %s", pf->name,
		 eswitch_mode_name(switchdev));
	eswitch_modes_sync(sw);
	return 0;
}

int eswitch_pf_set_hw_tc_offload(struct eswitch *sw, struct pf *pf, bool on)
{
	if (pf->hw_tc_offload == on)
		return 0;
	pf->hw_tc_offload = on;
	LOG_INFO(TAG, "%s: hw-tc-offload %s", pf->name, on ? "on" : "off");
	pf_ports_update(sw, pf);
	return 0;
}

/* ---- LAG representors ------------------------------------------------ */

static struct vflag_port lag_rep_entry(uint32_t slot,
				       const struct eswitch_lag *lag)
{
	return (struct vflag_port){
	    .id = lag->port_id,
	    .kind = VFLAG_PORT_LAG_REP,
	    .domain = ESWITCH_DOMAIN_LAG_BASE + slot,
	    .lag_slot = slot,
	    .flow_port = lag->port_id,
	};
}

/* The first PF in slot's domain, or NULL. */
static struct pf *lag_first_pf(struct eswitch *sw, uint32_t slot)
{
	for (unsigned i = 0; i < sw->npfs; i++)
		if (sw->pfs[i]->in_lag && sw->pfs[i]->lag_slot == slot)
			return sw->pfs[i];
	return NULL;
}

/* The representor's MAC is its first member's, as a bond's: set once,
 * when the bond gets its first member. A veth takes a new MAC only while
 * down: a blink of the host's end, before any traffic uses it. */
static void lag_rep_take_mac(struct eswitch *sw, struct eswitch_lag *lag,
			     uint32_t slot)
{
	struct pf *pf = lag_first_pf(sw, slot);
	int ret;

	if (lag->mac_set || !pf)
		return;
	sw->ops->link_set_up(sw->ops_ctx, lag->ifindex, false);
	ret = sw->ops->link_set_mac(sw->ops_ctx, NULL, lag->ifindex, pf->mac);
	sw->ops->link_set_up(sw->ops_ctx, lag->ifindex, true);
	if (ret)
		LOG_WARN(TAG, "LAG representor %s: cannot take %s's MAC: %s",
			 lag->name, pf->name, strerror(-ret));
	lag->mac_set = true; /* tried once: a stable MAC either way */
}

void eswitch_lag_members_changed(struct eswitch *sw, uint32_t slot)
{
	if (slot < VFLAG_MAX_LAGS && sw->lags[slot].used)
		lag_rep_take_mac(sw, &sw->lags[slot], slot);
}

int eswitch_lag_rep_add(struct eswitch *sw, uint32_t slot, const char *name,
			char *err, size_t errlen)
{
	struct eswitch_lag *lag;
	struct nl_link_info info;
	struct vflag_port entry;
	uint8_t mac[6];
	bool mode;
	int ret;

	if (slot >= VFLAG_MAX_LAGS || !eswitch_name_valid(name)) {
		snprintf(err, errlen, "bad LAG representor %u '%s'", slot,
			 name);
		return -EINVAL;
	}
	lag = &sw->lags[slot];
	if (lag->used && !strcmp(lag->name, name))
		return 0; /* adopted from the state file */
	if (lag->used) {
		snprintf(err, errlen, "LAG slot %u has representor %s", slot,
			 lag->name);
		return -EBUSY;
	}
	mode = lag->switchdev;
	memset(lag, 0, sizeof(*lag));
	lag->switchdev = mode;
	snprintf(lag->name, sizeof(lag->name), "%s", name);
	snprintf(lag->esw, sizeof(lag->esw), "%s_esw", name);
	/* A stable MAC until the first member gives its own. */
	eswitch_vf_default_mac(sw->machine_id, name, 0xffff, mac);
	ret = sw->ops->veth_create(sw->ops_ctx, lag->esw, lag->name, mac);
	if (ret < 0) {
		snprintf(
		    err, errlen, "cannot create the LAG representor %s: %s%s",
		    name, strerror(-ret),
		    ret == -EEXIST ? " (a device of that name exists)" : "");
		return ret;
	}
	lag->esw_ifindex = ret;
	ret = sw->ops->link_get(sw->ops_ctx, NULL, lag->name, 0, &info);
	if (ret) {
		snprintf(err, errlen, "cannot find %s: %s", lag->name,
			 strerror(-ret));
		goto delete_dev;
	}
	lag->ifindex = info.ifindex;
	/* The host's side of a NIC-internal port: quiet, as a VF's. */
	sw->ops->rep_quiet(sw->ops_ctx, lag->esw);
	sw->ops->rep_quiet(sw->ops_ctx, lag->name);
	ret = eswitch_port_id_alloc(sw, &lag->port_id);
	if (ret) {
		snprintf(err, errlen, "no free eswitch port (at most %d)",
			 VFLAG_MAX_PORTS);
		goto delete_dev;
	}
	entry = lag_rep_entry(slot, lag);
	ret = sw->ops->port_attach(sw->ops_ctx, lag->esw_ifindex, &entry);
	if (ret) {
		snprintf(err, errlen, "cannot attach the eswitch to %s: %s",
			 lag->esw, strerror(-ret));
		goto free_port_id;
	}
	if (sw->ops->link_set_up(sw->ops_ctx, lag->esw_ifindex, true) ||
	    sw->ops->link_set_up(sw->ops_ctx, lag->ifindex, true))
		LOG_WARN(TAG, "LAG representor %s: cannot set it up", name);
	lag->used = true;
	lag_rep_take_mac(sw, lag, slot);
	LOG_INFO(TAG, "LAG representor %s (eswitch end %s) for LAG slot %u",
		 lag->name, lag->esw, slot);
	eswitch_modes_sync(sw);
	return 0;

free_port_id:
	eswitch_port_id_free(sw, lag->port_id);
delete_dev:
	sw->ops->link_del(sw->ops_ctx, lag->esw_ifindex);
	memset(lag, 0, sizeof(*lag));
	lag->switchdev = mode;
	return ret;
}

void eswitch_lag_rep_del(struct eswitch *sw, uint32_t slot)
{
	struct eswitch_lag *lag;
	bool mode;

	if (slot >= VFLAG_MAX_LAGS || !sw->lags[slot].used)
		return;
	lag = &sw->lags[slot];
	mode = lag->switchdev;
	sw->ops->port_detach(sw->ops_ctx, lag->esw_ifindex, false);
	sw->ops->link_del(sw->ops_ctx, lag->esw_ifindex);
	eswitch_port_id_free(sw, lag->port_id);
	LOG_INFO(TAG, "LAG representor %s removed", lag->name);
	memset(lag, 0, sizeof(*lag));
	lag->switchdev = mode; /* members still in the slot keep it */
	eswitch_modes_sync(sw);
}

int eswitch_lag_rep_status(struct eswitch *sw, uint32_t slot,
			   struct eswitch_lag_rep_status *st)
{
	const struct eswitch_lag *lag;

	memset(st, 0, sizeof(*st));
	if (slot >= VFLAG_MAX_LAGS || !sw->lags[slot].used)
		return -ENOENT;
	lag = &sw->lags[slot];
	snprintf(st->name, sizeof(st->name), "%s", lag->name);
	snprintf(st->esw, sizeof(st->esw), "%s", lag->esw);
	st->ifindex = lag->ifindex;
	st->esw_ifindex = lag->esw_ifindex;
	st->port_id = lag->port_id;
	st->switchdev = lag->switchdev;
	return 0;
}

/* ---- representors' admin state --------------------------------------- */

/* vflagd sets a veth VF's eswitch end down and up itself (VF link state,
 * vf_watch.c) and records it in rep_up. An event saying down while
 * rep_up says up is the operator's `ip link set <rep> down`: held, so
 * nothing of vflagd's brings it back, and veth takes the VF's carrier
 * down as mlx5 does. The operator's up releases it. (A stale down of
 * our own, seen after our up, is released by the up's event that
 * follows it.) */
void eswitch_rep_event(struct eswitch *sw, const struct nl_link_event *ev)
{
	struct pf *pf;
	struct vf *vf;

	if (ev->deleted)
		return;
	for (unsigned i = 0; i < sw->npfs; i++) {
		pf = sw->pfs[i];
		for (unsigned v = 0; v < pf->numvfs; v++) {
			vf = &pf->vfs[v];
			if (vf->gone || vf->type != VF_TYPE_VETH ||
			    vf->rep_ifindex != ev->ifindex)
				continue;
			if (!ev->admin_up && vf->rep_up) {
				vf->rep_held = true;
				vf->rep_up = false;
				LOG_INFO(
				    TAG,
				    "VF %u of %s: representor %s set down: "
				    "the VF's link stays down",
				    vf->index, pf->name, vf->rep);
			} else if (ev->admin_up && vf->rep_held) {
				vf->rep_held = false;
				vf->rep_up = true;
				LOG_INFO(TAG, "VF %u of %s: representor %s up",
					 vf->index, pf->name, vf->rep);
				eswitch_vf_link_apply(sw, pf, vf);
			}
			return;
		}
	}
}
