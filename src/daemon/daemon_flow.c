/* The offload table's place in the daemon: the table over the datapath
 * (dp_flow_ops) and the names its rules use, resolved against the
 * eswitch and the bonds (flow/flow_table.h's flow_resolver):
 *   `<pf>_<n>`   VF n's representor: frames the VF sends; as a target,
 *                delivered to the VF (its eswitch end)
 *   PF or its uplink device, for a PF in no bond: frames from its wire;
 *                as a target, out of that uplink
 *   bond name    frames from any member (in_port VFLAG_FLOW_OUT_LAG |
 *                slot); as a target, out through the LAG as wire_xmit
 *                picks the member
 * O(PFs x VFs) per name; a rule names two at most. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/daemon_impl.h"
#include "flow/flow_table.h"

#define TAG "flow"

/* Whether pf's ports are looked up in the table: switchdev mode (in
 * effect) with hw-tc-offload on; why says what is not, for not_in_hw. */
static bool pf_offloads(struct vflagd *d, const struct pf *pf, char *why,
			size_t len)
{
	(void)d;
	if (!pf_switchdev(pf)) {
		snprintf(why, len, "PF %s eswitch in legacy mode", pf_name(pf));
		return false;
	}
	if (!pf_hw_tc_offload(pf)) {
		snprintf(why, len, "hw-tc-offload off on PF %s", pf_name(pf));
		return false;
	}
	return true;
}

static struct vflagd_bond *bond_of_slot(struct vflagd *d, uint32_t slot)
{
	return slot < VFLAG_MAX_LAGS ? d->bonds[slot] : NULL;
}

/* A bond offloads if every member's PF does (both PFs of a LAG in the
 * same mode, as the hardware wants). */
static bool bond_offloads(struct vflagd *d, struct vflagd_bond *b, char *why,
			  size_t len)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAG_MEMBERS; i++)
		if (b->members[i].pf &&
		    !pf_offloads(d, b->members[i].pf, why, len))
			return false;
	return true;
}

static int resolve(void *ctx, const char *name, struct flow_port *p, char *err,
		   size_t errlen)
{
	struct vflagd *d = ctx;
	struct vflagd_bond *b = vflagd_bond_find(d, name);
	struct pf *pf;

	memset(p, 0, sizeof(*p));
	if (b) {
		p->in_port = p->out_ifindex = VFLAG_FLOW_OUT_LAG | b->slot;
		p->offload_ok = bond_offloads(d, b, p->why, sizeof(p->why));
		return 0;
	}
	for (unsigned i = 0; d->sw && (pf = eswitch_pf_at(d->sw, i)); i++) {
		struct eswitch_pf_status st;

		eswitch_pf_status(d->sw, pf, &st);
		if (!strcmp(name, st.name) || !strcmp(name, st.dev)) {
			if (st.lag_slot >= 0) {
				b = bond_of_slot(d, (uint32_t)st.lag_slot);
				snprintf(err, errlen,
					 "%s is a member of bond %s: its "
					 "frames are `dev %s`",
					 name, b ? vflagd_bond_name(b) : "?",
					 b ? vflagd_bond_name(b) : "BOND");
				return -EINVAL;
			}
			p->in_port = st.port_id;
			p->out_ifindex = (uint32_t)st.ifindex;
			p->out_port_id = st.port_id;
			p->offload_ok =
			    pf_offloads(d, pf, p->why, sizeof(p->why));
			return 0;
		}
		for (unsigned v = 0; v < st.numvfs; v++) {
			struct eswitch_vf_status vs;
			unsigned idx;

			if (eswitch_vf_status(d->sw, pf, v, &vs) ||
			    strcmp(vs.rep, name))
				continue;
			idx = vs.gone ? 0 : (unsigned)vs.rep_ifindex;
			if (!idx) {
				snprintf(err, errlen,
					 "%s: its device is gone (pf %s vf "
					 "%u)",
					 name, st.name, v);
				return -ENODEV;
			}
			p->in_port = vs.port_id;
			p->out_ifindex = idx;
			p->out_port_id = vs.port_id;
			p->offload_ok =
			    pf_offloads(d, pf, p->why, sizeof(p->why));
			return 0;
		}
	}
	snprintf(err, errlen,
		 "no port %s: a VF representor (PF_N, see `vflagctl map-rep`), "
		 "a PF in no bond, or a bond",
		 name);
	return -ENODEV;
}

/* The port whose id is port_id, by name (reverse of resolve). */
static int name_of_port_id(struct vflagd *d, uint32_t port_id,
			   char name[FLOWER_NAME_MAX])
{
	struct pf *pf;

	for (unsigned i = 0; d->sw && (pf = eswitch_pf_at(d->sw, i)); i++) {
		struct eswitch_pf_status st;

		eswitch_pf_status(d->sw, pf, &st);
		if (st.port_id == port_id) {
			snprintf(name, FLOWER_NAME_MAX, "%s", st.name);
			return 0;
		}
		for (unsigned v = 0; v < st.numvfs; v++) {
			struct eswitch_vf_status vs;

			if (!eswitch_vf_status(d->sw, pf, v, &vs) &&
			    vs.port_id == port_id) {
				snprintf(name, FLOWER_NAME_MAX, "%s", vs.rep);
				return 0;
			}
		}
	}
	return -ENOENT;
}

static int name_of_in_port(void *ctx, uint32_t in_port,
			   char name[FLOWER_NAME_MAX])
{
	struct vflagd *d = ctx;

	if (in_port & VFLAG_FLOW_OUT_LAG) {
		struct vflagd_bond *b =
		    bond_of_slot(d, in_port & ~VFLAG_FLOW_OUT_LAG);

		if (!b)
			return -ENOENT;
		snprintf(name, FLOWER_NAME_MAX, "%s", vflagd_bond_name(b));
		return 0;
	}
	return name_of_port_id(d, in_port, name);
}

static int name_of_out(void *ctx, uint32_t out, char name[FLOWER_NAME_MAX])
{
	char buf[IF_NAMESIZE];
	struct vflagd *d = ctx;
	struct pf *pf;

	if (out & VFLAG_FLOW_OUT_LAG)
		return name_of_in_port(ctx, out, name);
	/* A PF is named by its name, as `pf show` does. */
	for (unsigned i = 0; d->sw && (pf = eswitch_pf_at(d->sw, i)); i++)
		if (pf_ifindex(pf) == (int)out) {
			snprintf(name, FLOWER_NAME_MAX, "%s", pf_name(pf));
			return 0;
		}
	if (!if_indextoname(out, buf))
		return -ENOENT;
	snprintf(name, FLOWER_NAME_MAX, "%s", buf);
	return 0;
}

int vflagd_flows_open(struct vflagd *d)
{
	struct flow_resolver res = {
	    .resolve = resolve,
	    .name_of_in_port = name_of_in_port,
	    .name_of_out = name_of_out,
	    .ctx = d,
	};

	d->flows = flow_table_create(&dp_flow_ops, d->dp, &res);
	return d->flows ? 0 : -ENOMEM;
}

void vflagd_flows_close(struct vflagd *d)
{
	flow_table_destroy(d->flows);
	d->flows = NULL;
}

void vflagd_offload_flush(struct vflagd *d)
{
	if (d->flows)
		flow_table_flush(d->flows);
	vflagd_bridge_reset(d);
}

void vflagd_offload_changed(struct vflagd *d)
{
	vflagd_flows_refresh(d);
	vflagd_bridge_sync(d);
}

struct flow_table *vflagd_flows(const struct vflagd *d)
{
	return d->flows;
}

void vflagd_flows_refresh(struct vflagd *d)
{
	if (d->flows && flow_table_rules(d->flows))
		flow_table_reoffload(d->flows);
}
