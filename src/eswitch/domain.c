/* Switching domains: which domain a PF and its VFs are in, the port
 * entries that carry it to the datapath, the fdb and broadcast lists that
 * follow a PF into and out of a LAG. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

uint32_t eswitch_pf_domain(const struct pf *pf)
{
	return pf->in_lag ? ESWITCH_DOMAIN_LAG_BASE + pf->lag_slot : pf->slot;
}

struct vflag_port eswitch_pf_port_entry(const struct pf *pf)
{
	return (struct vflag_port){
	    .id = pf->port_id,
	    .kind = VFLAG_PORT_UPLINK,
	    .domain = eswitch_pf_domain(pf),
	    .lag_slot = pf->in_lag ? pf->lag_slot : VFLAG_NO_LAG,
	    .member_index = pf->member_index,
	    .flags = (pf->sd_active ? VFLAG_PORT_F_SWITCHDEV : 0) |
		     (pf->hw_tc_offload ? VFLAG_PORT_F_OFFLOAD : 0),
	    .mtu = pf->mtu,
	    .flow_port =
		pf->in_lag ? VFLAG_FLOW_OUT_LAG | pf->lag_slot : pf->port_id,
	    .rep_ifindex = (uint32_t)pf->rep_ifindex,
	};
}

struct vflag_port eswitch_vf_port_entry(const struct pf *pf,
					const struct vf *vf)
{
	struct vflag_port p = {
	    .id = vf->port_id,
	    .kind = VFLAG_PORT_VF,
	    .domain = eswitch_pf_domain(pf),
	    .lag_slot = pf->in_lag ? pf->lag_slot : VFLAG_NO_LAG,
	    .uplink_ifindex = pf->gone ? 0 : (uint32_t)pf->ifindex,
	    .flags = (vf->policy.spoofchk ? VFLAG_PORT_F_SPOOFCHK : 0) |
		     (vf->policy.trust ? VFLAG_PORT_F_TRUST : 0) |
		     (pf->sd_active ? VFLAG_PORT_F_SWITCHDEV : 0) |
		     (pf->hw_tc_offload ? VFLAG_PORT_F_OFFLOAD : 0),
	    .vlan_id = vf->policy.vlan,
	    /* qos and proto mean something only with a VLAN to push. */
	    .vlan_qos = vf->policy.vlan ? vf->policy.qos : 0,
	    .vlan_proto = vf->policy.vlan ? vf->policy.vlan_proto : 0,
	    .max_tx_rate = vf->policy.max_tx_rate,
	    .storm_pps = vf->policy.storm_pps,
	    .storm_burst = vf->policy.storm_pps ? vf->policy.storm_burst : 0,
	    .flow_port = vf->port_id,
	};

	memcpy(p.mac, vf->mac, 6);
	return p;
}

/* O(PFs x VFs); n <= 64 x 64, and it runs only when a domain changes. */
int eswitch_domain_flood_sync(struct eswitch *sw, uint32_t domain)
{
	struct vflag_flood fl = {0};

	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (eswitch_pf_domain(pf) != domain)
			continue;
		for (unsigned v = 0; v < pf->numvfs; v++) {
			struct vf *vf = &pf->vfs[v];

			if (vf->gone)
				continue;
			if (fl.count == VFLAG_MAX_FLOOD) {
				LOG_WARN(TAG,
					 "domain %u has more than %u VFs: the "
					 "rest get no broadcasts",
					 domain, VFLAG_MAX_FLOOD);
				goto write;
			}
			fl.ifindex[fl.count] = (uint32_t)vf->rep_ifindex;
			fl.port_id[fl.count] = vf->port_id;
			fl.count++;
		}
	}
write:
	return sw->ops->flood_set(sw->ops_ctx, domain, &fl);
}

/* Re-programs a PF and its VFs after its domain changed. */
static int pf_reprogram(struct eswitch *sw, struct pf *pf, uint32_t old_domain)
{
	struct vflag_port entry = eswitch_pf_port_entry(pf);
	uint32_t domain = eswitch_pf_domain(pf);
	int ret = pf->gone
		      ? 0
		      : sw->ops->port_update(sw->ops_ctx, pf->ifindex, &entry);

	for (unsigned v = 0; v < pf->numvfs && !ret; v++) {
		struct vf *vf = &pf->vfs[v];

		if (vf->gone)
			continue;
		entry = eswitch_vf_port_entry(pf, vf);
		sw->ops->fdb_del(sw->ops_ctx, old_domain, vf_fdb_vlan(vf),
				 vf->mac);
		ret = sw->ops->fdb_set(sw->ops_ctx, domain, vf_fdb_vlan(vf),
				       vf->mac, vf->rep_ifindex, vf->port_id);
		if (!ret)
			ret = sw->ops->port_update(sw->ops_ctx, vf->rep_ifindex,
						   &entry);
	}
	eswitch_domain_flood_sync(sw, old_domain);
	eswitch_domain_flood_sync(sw, domain);
	return ret;
}

int pf_lag_slot(const struct pf *pf)
{
	return pf->in_lag ? (int)pf->lag_slot : -1;
}

int eswitch_pf_join_lag(struct eswitch *sw, struct pf *pf, uint32_t lag_slot,
			uint32_t member_index)
{
	uint32_t old = eswitch_pf_domain(pf);
	int ret;

	if (pf->in_lag)
		return -EBUSY;
	pf->in_lag = true;
	pf->lag_slot = lag_slot;
	pf->member_index = member_index;
	ret = pf_reprogram(sw, pf, old);
	if (ret) {
		pf->in_lag = false;
		pf_reprogram(sw, pf, ESWITCH_DOMAIN_LAG_BASE + lag_slot);
	}
	eswitch_modes_sync(sw);
	if (!ret)
		eswitch_lag_members_changed(sw, lag_slot);
	return ret;
}

void eswitch_pf_leave_lag(struct eswitch *sw, struct pf *pf)
{
	uint32_t old = eswitch_pf_domain(pf);

	pf->in_lag = false;
	pf->member_index = 0;
	pf_reprogram(sw, pf, old);
	eswitch_modes_sync(sw);
	/* A lone PF again: its VFs follow its own carrier. */
	eswitch_pf_lag_ok_set(sw, pf, pf_carrier(pf));
}

unsigned eswitch_domain_vf_macs(struct eswitch *sw, const struct pf *pf,
				uint8_t (*macs)[6], unsigned cap)
{
	uint32_t domain = eswitch_pf_domain(pf);
	unsigned n = 0;

	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *p = sw->pfs[i];

		if (eswitch_pf_domain(p) != domain)
			continue;
		for (unsigned v = 0; v < p->numvfs && n < cap; v++)
			if (!p->vfs[v].gone)
				memcpy(macs[n++], p->vfs[v].mac, 6);
	}
	return n;
}
