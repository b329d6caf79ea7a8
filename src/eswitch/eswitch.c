/* The eswitch's registry: creation and teardown, port ids, lookups, and
 * the link events that reach PFs and VFs. PFs are in pf.c, VFs in vf.c,
 * domains in domain.c; what they share is in eswitch_impl.h. */
#include "eswitch/eswitch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "eswitch/eswitch_impl.h"

#define TAG ESWITCH_TAG

const char *vf_type_name(enum vf_type type)
{
	return type == VF_TYPE_TAP ? "tap" : "veth";
}

struct eswitch *eswitch_create_with_ops(const struct eswitch_ops *ops,
					void *ops_ctx)
{
	struct eswitch *sw = calloc(1, sizeof(*sw));

	if (!sw)
		return NULL;
	sw->ops = ops;
	sw->ops_ctx = ops_ctx;
	/* Without an identity, default MACs still differ per PF and VF,
	 * just not across hosts. */
	if (ops->machine_id &&
	    ops->machine_id(ops_ctx, sw->machine_id, sizeof(sw->machine_id)))
		LOG_WARN(TAG, "no machine identity: default VF MACs may "
			      "repeat on another host");
	return sw;
}

struct eswitch *eswitch_create(struct dp *dp, struct nl *nl)
{
	struct eswitch_kernel *k = calloc(1, sizeof(*k));
	struct eswitch *sw;

	if (!k)
		return NULL;
	k->dp = dp;
	k->nl = nl;
	sw = eswitch_create_with_ops(&eswitch_ops_kernel, k);
	if (!sw) {
		free(k);
		return NULL;
	}
	sw->kernel = k;
	return sw;
}

void eswitch_destroy(struct eswitch *sw)
{
	char err[256];

	if (!sw)
		return;
	for (uint32_t s = 0; s < VFLAG_MAX_LAGS; s++)
		eswitch_lag_rep_del(sw, s);
	while (sw->npfs) {
		struct pf *pf = sw->pfs[sw->npfs - 1];

		/* The daemon removes its bonds first; a PF still in a LAG
		 * leaves it here, so its VFs' fdb entries are found. */
		if (pf->in_lag)
			eswitch_pf_leave_lag(sw, pf);
		if (eswitch_pf_del(sw, pf, true, err, sizeof(err)))
			LOG_ERR(TAG, "%s", err);
	}
	free(sw->kernel);
	free(sw);
}

struct dp *eswitch_dp(struct eswitch *sw)
{
	return sw->kernel ? sw->kernel->dp : NULL;
}

bool eswitch_name_valid(const char *name)
{
	return util_short_name_valid(name, ESWITCH_PF_NAME_MAX);
}

/* The lowest free id: ids index per-port counters, so a reused id gets
 * its counters zeroed here rather than showing its last owner's. */
int eswitch_port_id_alloc(struct eswitch *sw, uint32_t *id)
{
	for (uint32_t i = 0; i < VFLAG_MAX_PORTS; i++) {
		if (!sw->port_ids_used[i]) {
			sw->port_ids_used[i] = 1;
			sw->ops->stats_clear(sw->ops_ctx, i);
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

void eswitch_port_id_free(struct eswitch *sw, uint32_t id)
{
	if (id < VFLAG_MAX_PORTS)
		sw->port_ids_used[id] = 0;
}

int eswitch_port_stats(struct eswitch *sw, uint32_t port_id,
		       struct vflag_port_stats *st)
{
	int ret = sw->ops->stats_read(sw->ops_ctx, port_id, st);

	if (ret)
		memset(st, 0, sizeof(*st));
	return ret;
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

/* A VF's eswitch end was deleted (and the VF end with it): made again in
 * place, so the slot is not lost. */
static void vf_vanished(struct eswitch *sw, struct pf *pf, struct vf *vf)
{
	LOG_WARN(TAG, "VF %u of %s vanished (%s%s deleted?): making it again",
		 vf->index, pf->name,
		 vf->netns[0] ? "namespace " : "its device", vf->netns);
	eswitch_vf_respawn(sw, pf, vf);
}

struct pf *eswitch_link_event(struct eswitch *sw,
			      const struct nl_link_event *ev)
{
	for (unsigned i = 0; i < sw->npfs; i++) {
		struct pf *pf = sw->pfs[i];

		if (pf->gone && !ev->deleted && !strcmp(pf->dev, ev->name) &&
		    !eswitch_pf_by_ifindex(sw, ev->ifindex)) {
			if (eswitch_pf_readopt(sw, pf, ev->ifindex))
				return NULL;
			return pf;
		}
		if (pf->ifindex == ev->ifindex && !pf->gone) {
			if (ev->deleted) {
				LOG_WARN(TAG,
					 "uplink %s of %s was deleted: its VFs "
					 "stay, and a new %s will be adopted",
					 pf->dev, pf->name, pf->dev);
				pf->gone = true;
				pf->carrier = false;
				sw->ops->port_detach(sw->ops_ctx, pf->ifindex,
						     true);
				if (!pf->in_lag)
					eswitch_pf_lag_ok_set(sw, pf, false);
				return pf;
			}
			if (ev->mtu && ev->mtu != pf->mtu) {
				struct vflag_port entry;

				LOG_INFO(TAG, "%s (%s): mtu %u -> %u", pf->name,
					 pf->dev, pf->mtu, ev->mtu);
				pf->mtu = ev->mtu;
				entry = eswitch_pf_port_entry(pf);
				sw->ops->port_update(sw->ops_ctx, pf->ifindex,
						     &entry);
			}
			if (pf->carrier == ev->carrier)
				return NULL;
			pf->carrier = ev->carrier;
			LOG_INFO(TAG, "%s (%s): carrier %s", pf->name, pf->dev,
				 ev->carrier ? "up" : "down");
			if (!pf->in_lag)
				eswitch_pf_lag_ok_set(sw, pf, pf_carrier(pf));
			return pf;
		}
		for (unsigned v = 0; v < pf->numvfs; v++) {
			struct vf *vf = &pf->vfs[v];

			if (vf->rep_ifindex == ev->ifindex && ev->deleted &&
			    !vf->gone)
				vf_vanished(sw, pf, vf);
		}
	}
	eswitch_rep_event(sw, ev);
	return NULL;
}
