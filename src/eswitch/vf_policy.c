/* A VF's tenant isolation settings (issue 8): VLAN (VST), spoof check,
 * trust, rate and storm limits as `vf set` gives them, checked here and
 * carried to the datapath in the VF's port entry (domain.c builds it;
 * bpf/vflag_dp.h says what each field does). Also the default MAC a new
 * VF gets. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

#define VLAN_PROTO_8021Q 0x8100
#define VLAN_PROTO_8021AD 0x88a8

void eswitch_vf_policy_init(const struct pf *pf, struct vf *vf)
{
	vf->policy = (struct eswitch_vf_policy){
	    .vlan_proto = VLAN_PROTO_8021Q,
	    .spoofchk = pf->spoofchk,
	    .storm_pps = VFLAG_STORM_PPS_DEFAULT,
	    .storm_burst = VFLAG_STORM_BURST_DEFAULT,
	};
}

static uint64_t fnv1a64(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* FNV-1a over "machine\0pf\0index": the NULs keep ("ab", "c") and ("a",
 * "bc") apart. 46 bits of hash are left after the two fixed bits, so
 * two VFs of a big fleet rarely meet; vf_mac_check still refuses a
 * duplicate within a domain. */
void eswitch_vf_default_mac(const char *machine_id, const char *pf_name,
			    unsigned index, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t idx[4] = {(uint8_t)(index >> 24), (uint8_t)(index >> 16),
			  (uint8_t)(index >> 8), (uint8_t)index};

	h = fnv1a64(h, machine_id, strlen(machine_id) + 1);
	h = fnv1a64(h, pf_name, strlen(pf_name) + 1);
	h = fnv1a64(h, idx, sizeof(idx));
	/* FNV's low bits mix last: fold the high half in. */
	h ^= h >> 29;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	/* Locally administered (bit 1), unicast (bit 0 clear). */
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

int eswitch_vf_get_policy(struct eswitch *sw, const struct pf *pf,
			  unsigned index, struct eswitch_vf_policy *pol)
{
	(void)sw;
	if (index >= pf->numvfs)
		return -ENOENT;
	*pol = pf->vfs[index].policy;
	return 0;
}

/* Field by field: the struct has padding memcmp would read. */
static bool policy_equal(const struct eswitch_vf_policy *a,
			 const struct eswitch_vf_policy *b)
{
	return a->vlan == b->vlan && a->qos == b->qos &&
	       a->vlan_proto == b->vlan_proto && a->spoofchk == b->spoofchk &&
	       a->trust == b->trust && a->max_tx_rate == b->max_tx_rate &&
	       a->storm_pps == b->storm_pps && a->storm_burst == b->storm_burst;
}

/* Every refusal, before anything changes. */
static int policy_check(const struct eswitch_vf_policy *pol, char *err,
			size_t errlen)
{
	if (pol->vlan > 4094) {
		snprintf(err, errlen,
			 "vlan %u is out of range: 1..4094, or 0 for none",
			 pol->vlan);
		return -EINVAL;
	}
	if (pol->qos > 7) {
		snprintf(err, errlen, "qos %u is out of range: a PCP is 0..7",
			 pol->qos);
		return -EINVAL;
	}
	if (!pol->vlan && pol->qos) {
		snprintf(err, errlen,
			 "qos %u needs a vlan: the PCP is carried in the tag "
			 "vflag pushes",
			 pol->qos);
		return -EINVAL;
	}
	if (pol->vlan_proto != VLAN_PROTO_8021Q &&
	    pol->vlan_proto != VLAN_PROTO_8021AD) {
		snprintf(err, errlen,
			 "vlan proto 0x%04x is not 802.1Q (0x8100) or 802.1ad "
			 "(0x88a8)",
			 pol->vlan_proto);
		return -EINVAL;
	}
	if (pol->max_tx_rate > ESWITCH_MAX_TX_RATE) {
		snprintf(err, errlen,
			 "max_tx_rate %u is out of range: 0 (unlimited) to %u "
			 "Mbit/s",
			 pol->max_tx_rate, ESWITCH_MAX_TX_RATE);
		return -EINVAL;
	}
	if (pol->storm_pps > ESWITCH_MAX_STORM_PPS ||
	    pol->storm_burst > ESWITCH_MAX_STORM_PPS) {
		snprintf(err, errlen,
			 "storm_pps and storm_burst are 0..%u (storm_pps 0: "
			 "no limit)",
			 ESWITCH_MAX_STORM_PPS);
		return -EINVAL;
	}
	return 0;
}

int eswitch_vf_set_policy(struct eswitch *sw, struct pf *pf, unsigned index,
			  const struct eswitch_vf_policy *pol, char *err,
			  size_t errlen)
{
	uint32_t domain = eswitch_pf_domain(pf);
	struct eswitch_vf_policy old;
	struct vflag_port entry;
	struct vf *vf;
	int ret;

	if (index >= pf->numvfs) {
		snprintf(err, errlen, "%s has no VF %u (numvfs is %u)",
			 pf->name, index, pf->numvfs);
		return -ENOENT;
	}
	vf = &pf->vfs[index];
	if (vf->gone) {
		snprintf(err, errlen,
			 "VF %u of %s is gone (its namespace was deleted?): "
			 "set numvfs 0 and again",
			 index, pf->name);
		return -ENODEV;
	}
	ret = policy_check(pol, err, errlen);
	if (ret)
		return ret;
	if (policy_equal(pol, &vf->policy))
		return 0;
	old = vf->policy;
	vf->policy = *pol;
	/* The new key first, then the entry, then the old key goes: a
	 * frame in between finds the VF under one VLAN or the other, and
	 * the datapath's VLAN check on delivery (vflag_dp.h) keeps a stale
	 * key from handing it a frame of the wrong VLAN. */
	if (pol->vlan != old.vlan) {
		ret = sw->ops->fdb_set(sw->ops_ctx, domain, pol->vlan, vf->mac,
				       vf->rep_ifindex, vf->port_id);
		if (ret) {
			snprintf(err, errlen,
				 "cannot update the switching table: %s",
				 strerror(-ret));
			goto restore;
		}
	}
	entry = eswitch_vf_port_entry(pf, vf);
	ret = sw->ops->port_update(sw->ops_ctx, vf->rep_ifindex, &entry);
	if (ret) {
		snprintf(err, errlen, "cannot program %s: %s", vf->rep,
			 strerror(-ret));
		if (pol->vlan != old.vlan)
			sw->ops->fdb_del(sw->ops_ctx, domain, pol->vlan,
					 vf->mac);
		goto restore;
	}
	if (pol->vlan != old.vlan)
		sw->ops->fdb_del(sw->ops_ctx, domain, old.vlan, vf->mac);
	LOG_INFO(TAG,
		 "%s: vlan %u qos %u proto 0x%04x spoofchk %s trust %s "
		 "max_tx_rate %u storm_pps %u/%u",
		 vf->ifname, pol->vlan, pol->qos, pol->vlan_proto,
		 pol->spoofchk ? "on" : "off", pol->trust ? "on" : "off",
		 pol->max_tx_rate, pol->storm_pps, pol->storm_burst);
	return 0;

restore:
	vf->policy = old;
	return ret;
}
