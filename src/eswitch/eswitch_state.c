/* The eswitch model saved to and rebuilt from the state file (see
 * eswitch_state.h). */
#include "eswitch/eswitch_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

static json_t *mac_json(const uint8_t mac[6])
{
	char buf[18];

	return json_string(mac_format(mac, buf));
}

/* The tenant's isolation settings: the datapath keeps them across a
 * restart, so the model must relearn them too. */
static json_t *policy_save(const struct eswitch_vf_policy *p)
{
	return json_pack("{s:i, s:i, s:i, s:b, s:b, s:I, s:I, s:I}", "vlan",
			 (int)p->vlan, "qos", (int)p->qos, "vlan_proto",
			 (int)p->vlan_proto, "spoofchk", p->spoofchk, "trust",
			 p->trust, "max_tx_rate", (json_int_t)p->max_tx_rate,
			 "storm_pps", (json_int_t)p->storm_pps, "storm_burst",
			 (json_int_t)p->storm_burst);
}

static int policy_restore(struct eswitch_vf_policy *p, const json_t *j)
{
	json_int_t rate, pps, burst;
	int vlan, qos, proto, spoofchk, trust;

	if (json_unpack((json_t *)j, "{s:i, s:i, s:i, s:b, s:b, s:I, s:I, s:I}",
			"vlan", &vlan, "qos", &qos, "vlan_proto", &proto,
			"spoofchk", &spoofchk, "trust", &trust, "max_tx_rate",
			&rate, "storm_pps", &pps, "storm_burst", &burst) ||
	    vlan < 0 || vlan > 4094 || qos < 0 || qos > 7 || proto < 0 ||
	    proto > 0xffff || rate < 0 || rate > UINT32_MAX || pps < 0 ||
	    pps > UINT32_MAX || burst < 0 || burst > UINT32_MAX)
		return -EINVAL;
	*p = (struct eswitch_vf_policy){
	    .vlan = (uint16_t)vlan,
	    .qos = (uint8_t)qos,
	    .vlan_proto = (uint16_t)proto,
	    .spoofchk = spoofchk,
	    .trust = trust,
	    .max_tx_rate = (uint32_t)rate,
	    .storm_pps = (uint32_t)pps,
	    .storm_burst = (uint32_t)burst,
	};
	return 0;
}

static json_t *vf_save(const struct vf *vf)
{
	return json_pack(
	    "{s:i, s:s, s:s, s:s, s:i, s:o, s:i, s:s, s:b, s:o, "
	    "s:i, s:s}",
	    "index", (int)vf->index, "type", vf_type_name(vf->type), "ifname",
	    vf->ifname, "rep", vf->rep, "rep_ifindex", vf->rep_ifindex, "mac",
	    mac_json(vf->mac), "port_id", (int)vf->port_id, "netns", vf->netns,
	    "gone", vf->gone, "policy", policy_save(&vf->policy), "ifindex",
	    vf->ifindex, "link_state", vf_link_state_name(vf->link_state));
}

static json_t *pf_save(const struct pf *pf)
{
	json_t *vfs = json_array(), *j;

	for (unsigned v = 0; v < pf->numvfs; v++) {
		j = vf_save(&pf->vfs[v]);
		if (j && pf->vfs[v].rep_held)
			json_object_set_new(j, "rep_held", json_true());
		json_array_append_new(vfs, j);
	}
	j = json_pack("{s:s, s:s, s:i, s:o, s:s, s:i, s:i, s:b, s:s, s:b, "
		      "s:i, s:i, s:o}",
		      "name", pf->name, "dev", pf->dev, "ifindex", pf->ifindex,
		      "mac", mac_json(pf->mac), "pci", pf->pci, "slot",
		      (int)pf->slot, "port_id", (int)pf->port_id, "spoofchk",
		      pf->spoofchk, "vf_type", vf_type_name(pf->vf_type),
		      "in_lag", pf->in_lag, "lag_slot", (int)pf->lag_slot,
		      "member_index", (int)pf->member_index, "vfs", vfs);
	/* switchdev: optional keys, so an older file reads as legacy. */
	if (j) {
		json_object_set_new(
		    j, "eswitch_mode",
		    json_string(eswitch_mode_name(pf->mode_switchdev)));
		json_object_set_new(j, "sd_active",
				    json_boolean(pf->sd_active));
		json_object_set_new(j, "hw_tc_offload",
				    json_boolean(pf->hw_tc_offload));
	}
	return j;
}

static json_t *lag_save(uint32_t slot, const struct eswitch_lag *lag)
{
	return json_pack("{s:i, s:b, s:s, s:s, s:i, s:i, s:i, s:b}", "slot",
			 (int)slot, "used", lag->used, "name", lag->name, "esw",
			 lag->esw, "ifindex", lag->ifindex, "esw_ifindex",
			 lag->esw_ifindex, "port_id", (int)lag->port_id,
			 "switchdev", lag->switchdev);
}

json_t *eswitch_state_save_lags(struct eswitch *sw)
{
	json_t *lags = json_array();

	for (uint32_t s = 0; lags && s < VFLAG_MAX_LAGS; s++)
		if (sw->lags[s].used || sw->lags[s].switchdev)
			json_array_append_new(lags, lag_save(s, &sw->lags[s]));
	return lags;
}

static int copy_str(char *dst, size_t cap, const char *src);

/* One LAG's saved mode and representor. A representor whose devices are
 * gone is forgotten: the bond's adoption makes it again. */
static int lag_restore(struct eswitch *sw, const json_t *j)
{
	const char *name, *esw;
	int slot, used, ifindex, esw_ifindex, port_id, switchdev;
	struct nl_link_info info;
	struct eswitch_lag *lag;

	if (json_unpack((json_t *)j, "{s:i, s:b, s:s, s:s, s:i, s:i, s:i, s:b}",
			"slot", &slot, "used", &used, "name", &name, "esw",
			&esw, "ifindex", &ifindex, "esw_ifindex", &esw_ifindex,
			"port_id", &port_id, "switchdev", &switchdev) ||
	    slot < 0 || slot >= VFLAG_MAX_LAGS || port_id < 0 ||
	    port_id >= VFLAG_MAX_PORTS)
		return -EINVAL;
	lag = &sw->lags[slot];
	lag->switchdev = switchdev;
	if (!used)
		return 0;
	if (copy_str(lag->name, sizeof(lag->name), name) ||
	    copy_str(lag->esw, sizeof(lag->esw), esw))
		return -EINVAL;
	if (sw->ops->link_get(sw->ops_ctx, NULL, NULL, esw_ifindex, &info) ||
	    strcmp(info.name, lag->esw) ||
	    sw->ops->link_get(sw->ops_ctx, NULL, NULL, ifindex, &info) ||
	    strcmp(info.name, lag->name)) {
		LOG_WARN(TAG,
			 "LAG representor %s is gone: made again with "
			 "its bond",
			 lag->name);
		if (!sw->ops->link_get(sw->ops_ctx, NULL, lag->esw, 0, &info))
			sw->ops->link_del(sw->ops_ctx, info.ifindex);
		lag->name[0] = lag->esw[0] = 0;
		return 0;
	}
	lag->used = true;
	lag->mac_set = true;
	lag->ifindex = ifindex;
	lag->esw_ifindex = esw_ifindex;
	lag->port_id = (uint32_t)port_id;
	sw->port_ids_used[lag->port_id] = 1;
	return 0;
}

int eswitch_state_restore_lags(struct eswitch *sw, const json_t *lags,
			       char *err, size_t errlen)
{
	const json_t *j;
	size_t i;

	if (!lags)
		return 0;
	json_array_foreach(lags, i, j)
	{
		if (lag_restore(sw, j)) {
			snprintf(err, errlen, "state: LAG %zu: malformed", i);
			return -EINVAL;
		}
	}
	/* The entries the previous vflagd wrote say the same: only the
	 * model learns them, nothing is rewritten. */
	for (unsigned p = 0; p < sw->npfs; p++) {
		struct pf *pf = sw->pfs[p];
		struct eswitch_lag *lag =
		    pf->in_lag && pf->lag_slot < VFLAG_MAX_LAGS
			? &sw->lags[pf->lag_slot]
			: NULL;

		if (lag && lag->used)
			pf->rep_ifindex = lag->esw_ifindex;
	}
	return 0;
}

json_t *eswitch_state_save(struct eswitch *sw)
{
	json_t *pfs = json_array();

	for (unsigned i = 0; pfs && i < sw->npfs; i++)
		json_array_append_new(pfs, pf_save(sw->pfs[i]));
	return pfs;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	if (!src || strlen(src) >= cap)
		return -EINVAL;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int vf_restore(struct eswitch *sw, struct vf *vf, const json_t *j)
{
	const char *type, *ifname, *rep, *mac, *netns, *state = NULL;
	json_t *policy = NULL;
	struct nl_link_info info;
	int index, rep_ifindex, port_id, gone = 0, ifindex = 0;

	if (json_unpack((json_t *)j,
			"{s:i, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s?b, s?o, "
			"s?i, s?s}",
			"index", &index, "type", &type, "ifname", &ifname,
			"rep", &rep, "rep_ifindex", &rep_ifindex, "mac", &mac,
			"port_id", &port_id, "netns", &netns, "gone", &gone,
			"policy", &policy, "ifindex", &ifindex, "link_state",
			&state) ||
	    (policy && policy_restore(&vf->policy, policy)) ||
	    (state && vf_link_state_parse(state, &vf->link_state)) ||
	    copy_str(vf->ifname, sizeof(vf->ifname), ifname) ||
	    copy_str(vf->rep, sizeof(vf->rep), rep) ||
	    copy_str(vf->netns, sizeof(vf->netns), netns) ||
	    mac_parse(mac, vf->mac) || port_id < 0 ||
	    port_id >= VFLAG_MAX_PORTS)
		return -EINVAL;
	vf->index = (unsigned)index;
	vf->type = strcmp(type, "tap") ? VF_TYPE_VETH : VF_TYPE_TAP;
	vf->rep_ifindex = rep_ifindex;
	vf->ifindex = ifindex; /* the VF end's, in its namespace */
	vf->port_id = (uint32_t)port_id;
	/* The eswitch end stays in our namespace, wherever the VF end went
	 * (a container's namespace, a VM's TAP): it is the one to check. */
	vf->gone =
	    gone ||
	    sw->ops->link_get(sw->ops_ctx, NULL, NULL, rep_ifindex, &info) ||
	    strcmp(info.name, vf->rep);
	/* The VF end's carrier follows the eswitch end's admin state. */
	vf->rep_up = !vf->gone && info.admin_up;
	vf->rep_held =
	    json_is_true(json_object_get(j, "rep_held")) && !vf->rep_up;
	sw->port_ids_used[vf->port_id] = 1;
	return 0;
}

static int pf_restore(struct eswitch *sw, const json_t *j, unsigned *nvfs)
{
	const char *name, *dev, *mac, *pci, *vf_type;
	int ifindex, slot, port_id, spoofchk, in_lag, lag_slot, member_index;
	struct nl_link_info info;
	const json_t *vfs, *v;
	struct pf *pf;
	size_t i;

	if (json_unpack((json_t *)j,
			"{s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:b, s:s, s:b, "
			"s:i, s:i, s:o}",
			"name", &name, "dev", &dev, "ifindex", &ifindex, "mac",
			&mac, "pci", &pci, "slot", &slot, "port_id", &port_id,
			"spoofchk", &spoofchk, "vf_type", &vf_type, "in_lag",
			&in_lag, "lag_slot", &lag_slot, "member_index",
			&member_index, "vfs", &vfs) ||
	    !json_is_array(vfs) || slot < 0 || slot >= ESWITCH_MAX_PFS ||
	    port_id < 0 || port_id >= VFLAG_MAX_PORTS ||
	    json_array_size(vfs) > ESWITCH_MAX_VFS)
		return -EINVAL;
	if (sw->ops->link_get(sw->ops_ctx, NULL, NULL, ifindex, &info) ||
	    strcmp(info.name, dev)) {
		LOG_WARN(TAG,
			 "PF %s: uplink %s (ifindex %d) is gone or renamed: "
			 "not adopted",
			 name, dev, ifindex);
		return 0;
	}
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	if (copy_str(pf->name, sizeof(pf->name), name) ||
	    copy_str(pf->dev, sizeof(pf->dev), dev) ||
	    copy_str(pf->pci, sizeof(pf->pci), pci) || mac_parse(mac, pf->mac))
		goto free_pf;
	pf->ifindex = ifindex;
	pf->carrier = info.carrier;
	pf->slot = (unsigned)slot;
	pf->port_id = (uint32_t)port_id;
	pf->spoofchk = spoofchk;
	pf->vf_type = strcmp(vf_type, "tap") ? VF_TYPE_VETH : VF_TYPE_TAP;
	pf->in_lag = in_lag;
	pf->lag_slot = (uint32_t)lag_slot;
	pf->member_index = (uint32_t)member_index;
	pf->adopted = true;
	{
		const char *mode = NULL;
		int active = 0, offload = 0;

		json_unpack((json_t *)j, "{s?s, s?b, s?b}", "eswitch_mode",
			    &mode, "sd_active", &active, "hw_tc_offload",
			    &offload);
		pf->mode_switchdev = mode && !strcmp(mode, "switchdev");
		pf->sd_active = active;
		pf->hw_tc_offload = offload;
	}
	if (json_array_size(vfs)) {
		pf->vfs = calloc(json_array_size(vfs), sizeof(*pf->vfs));
		if (!pf->vfs)
			goto free_pf;
	}
	json_array_foreach(vfs, i, v)
	{
		/* A state file older than the isolation settings: defaults. */
		eswitch_vf_policy_init(pf, &pf->vfs[i]);
		if (vf_restore(sw, &pf->vfs[i], v))
			goto free_vfs;
		pf->numvfs++;
	}
	*nvfs += pf->numvfs;
	sw->port_ids_used[pf->port_id] = 1;
	sw->slots_used |= 1ull << pf->slot;
	sw->pfs[sw->npfs++] = pf;
	LOG_INFO(TAG, "PF %s: adopted %s (ifindex %d) with %u VF(s)", pf->name,
		 pf->dev, pf->ifindex, pf->numvfs);
	return 1;

free_vfs:
	free(pf->vfs);
free_pf:
	free(pf);
	return -EINVAL;
}

int eswitch_state_restore(struct eswitch *sw, const json_t *pfs, unsigned *npfs,
			  unsigned *nvfs, char *err, size_t errlen)
{
	const json_t *j;
	size_t i;

	*npfs = *nvfs = 0;
	if (!json_is_array(pfs) || json_array_size(pfs) > ESWITCH_MAX_PFS) {
		snprintf(err, errlen, "state: \"pfs\" is not an array of PFs");
		return -EINVAL;
	}
	json_array_foreach(pfs, i, j)
	{
		int ret = pf_restore(sw, j, nvfs);

		if (ret < 0) {
			snprintf(err, errlen, "state: PF %zu: %s", i,
				 ret == -ENOMEM ? "out of memory"
						: "malformed");
			return ret;
		}
		*npfs += (unsigned)ret;
	}
	return 0;
}

void eswitch_forget(struct eswitch *sw)
{
	if (!sw)
		return;
	for (unsigned i = 0; i < sw->npfs; i++) {
		free(sw->pfs[i]->vfs);
		free(sw->pfs[i]);
	}
	free(sw->kernel);
	free(sw);
}

bool eswitch_pf_adopted(const struct pf *pf)
{
	return pf->adopted;
}
