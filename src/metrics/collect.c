/* The exposition of vflagd's state (see collect.h). Family names, types
 * and labels are doc/metrics.md's; each family's samples stay together,
 * as the format requires, so the collector walks the model once per
 * family from a snapshot taken first. */
#include "metrics/collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/failover.h"

/* One port's labels and counters, read once per scrape. */
struct port_sample {
	char name[IF_NAMESIZE]; /* PF name, or VF port name */
	char pf[ESWITCH_PF_NAME_MAX + 1];
	const char *kind; /* "uplink" or "vf" */
	struct vflag_port_stats st;
};

/* O(PFs * VFs), at most 64 * 65 ports: the scrape's cost, not the
 * datapath's. NULL (and *n 0) on out of memory. */
static struct port_sample *ports_read(struct eswitch *sw, size_t *n)
{
	struct port_sample *ports = NULL;
	size_t cap = 0;
	struct pf *pf;

	*n = 0;
	for (unsigned i = 0; sw && (pf = eswitch_pf_at(sw, i)); i++) {
		struct eswitch_pf_status ps;
		struct eswitch_vf_status vs;
		struct port_sample *p;

		eswitch_pf_status(sw, pf, &ps);
		if (*n + 1 + ps.numvfs > cap) {
			cap = (*n + 1 + ps.numvfs) * 2;
			p = realloc(ports, cap * sizeof(*ports));
			if (!p) {
				free(ports);
				*n = 0;
				return NULL;
			}
			ports = p;
		}
		p = &ports[(*n)++];
		snprintf(p->name, sizeof(p->name), "%s", ps.name);
		snprintf(p->pf, sizeof(p->pf), "%s", ps.name);
		p->kind = "uplink";
		eswitch_port_stats(sw, ps.port_id, &p->st);
		for (unsigned v = 0;
		     *n < cap && !eswitch_vf_status(sw, pf, v, &vs); v++) {
			p = &ports[(*n)++];
			snprintf(p->name, sizeof(p->name), "%s", vs.ifname);
			snprintf(p->pf, sizeof(p->pf), "%s", ps.name);
			p->kind = "vf";
			eswitch_port_stats(sw, vs.port_id, &p->st);
		}
	}
	return ports;
}

#define STAT(field) offsetof(struct vflag_port_stats, field)

static uint64_t stat_at(const struct vflag_port_stats *st, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)st + off, sizeof(v));
	return v;
}

static const struct {
	const char *name;
	const char *help;
	size_t off;
} port_counters[] = {
    {"vflag_port_rx_packets_total",
     "Frames received: on an uplink from the wire (ethtool rx_packets_phy), "
     "on a VF given to it.",
     STAT(rx_packets)},
    {"vflag_port_rx_bytes_total", "Bytes of vflag_port_rx_packets_total.",
     STAT(rx_bytes)},
    {"vflag_port_tx_packets_total",
     "Frames sent: on an uplink to the wire (ethtool tx_packets_phy), on a "
     "VF sent by it.",
     STAT(tx_packets)},
    {"vflag_port_tx_bytes_total", "Bytes of vflag_port_tx_packets_total.",
     STAT(tx_bytes)},
    {"vflag_port_lag_tx_packets_total",
     "Uplink: frames the LAG hashed onto this member.", STAT(lag_tx_packets)},
    {"vflag_port_lag_tx_bytes_total",
     "Bytes of vflag_port_lag_tx_packets_total.", STAT(lag_tx_bytes)},
    {"vflag_port_to_host_packets_total",
     "Uplink: frames for no VF, passed to the host stack.",
     STAT(to_host_packets)},
    {"vflag_port_slow_proto_packets_total",
     "Uplink: slow-protocol frames (LACP, marker) passed to vflagd.",
     STAT(slow_proto_packets)},
    {"vflag_port_flood_packets_total",
     "Copies of broadcast and multicast frames made for this port.",
     STAT(flood_packets)},
};

/* Drops by reason; the reason label is the counter's name without drop_. */
static const struct {
	const char *reason;
	size_t off;
} drop_reasons[] = {
    {"not_collecting", STAT(drop_not_collecting)},
    {"no_member", STAT(drop_no_member)},
    {"malformed", STAT(drop_malformed)},
    {"spoof", STAT(drop_spoof)},
    {"hairpin", STAT(drop_hairpin)},
    {"flood_full", STAT(drop_flood_full)},
    {"link_local", STAT(drop_link_local)},
    {"slow_proto", STAT(drop_slow_proto)},
    {"mac_control", STAT(drop_mac_control)},
    {"bad_src", STAT(drop_bad_src)},
    {"vlan", STAT(drop_vlan)},
    {"runt", STAT(drop_runt)},
    {"oversize", STAT(drop_oversize)},
    {"rate", STAT(drop_rate)},
    {"storm", STAT(drop_storm)},
};

static void collect_ports(struct vflagd *d, struct expo *e)
{
	size_t n;
	struct port_sample *ports = ports_read(vflagd_eswitch(d), &n);

	for (size_t c = 0; c < ARRAY_SIZE(port_counters); c++) {
		expo_family(e, port_counters[c].name, "counter",
			    port_counters[c].help);
		for (size_t i = 0; i < n; i++)
			expo_u64(e, port_counters[c].name,
				 (const char *[]){"port", ports[i].name, "pf",
						  ports[i].pf, "kind",
						  ports[i].kind, NULL},
				 stat_at(&ports[i].st, port_counters[c].off));
	}
	expo_family(
	    e, "vflag_port_drops_total", "counter",
	    "Frames the datapath dropped, by reason (doc/ctl.md, stats).");
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < ARRAY_SIZE(drop_reasons); r++)
			expo_u64(e, "vflag_port_drops_total",
				 (const char *[]){"port", ports[i].name, "pf",
						  ports[i].pf, "kind",
						  ports[i].kind, "reason",
						  drop_reasons[r].reason, NULL},
				 stat_at(&ports[i].st, drop_reasons[r].off));
	free(ports);
}

/* The bonds' status, read once (struct bond_status is a few KB each). */
static struct bond_status *bonds_read(struct vflagd *d, unsigned *n)
{
	struct bond_status *st = calloc(VFLAG_MAX_LAGS, sizeof(*st));
	struct vflagd_bond *b;

	*n = 0;
	if (!st)
		return NULL;
	while (*n < VFLAG_MAX_LAGS && (b = vflagd_bond_at(d, *n))) {
		bond_get_status(vflagd_bond_bond(b), &st[*n]);
		(*n)++;
	}
	return st;
}

typedef uint64_t (*member_value_fn)(const struct bond_member_status *ms,
				    const void *arg);

/* One family with a sample per member of every bond (LACP families:
 * members with LACP only). */
static void member_family(struct expo *e, const struct bond_status *bonds,
			  unsigned n, const char *name, const char *type,
			  const char *help, bool lacp, member_value_fn value,
			  const void *arg)
{
	expo_family(e, name, type, help);
	for (unsigned b = 0; b < n; b++)
		for (unsigned m = 0; m < bonds[b].nmembers; m++) {
			const struct bond_member_status *ms =
			    &bonds[b].members[m];

			if (lacp && !ms->has_lacp)
				continue;
			expo_u64(e, name,
				 (const char *[]){"bond", bonds[b].name,
						  "member", ms->port.name,
						  NULL},
				 value(ms, arg));
		}
}

#define MEMBER_FN(fn, expr)                                                    \
	static uint64_t fn(const struct bond_member_status *ms,                \
			   const void *arg)                                    \
	{                                                                      \
		(void)arg;                                                     \
		return (expr);                                                 \
	}
MEMBER_FN(m_up, !strcmp(ms->link, "up"))
MEMBER_FN(m_active, !strcmp(ms->state, "active"))
MEMBER_FN(m_tx, ms->tx)
MEMBER_FN(m_rx, ms->rx)
MEMBER_FN(m_link_failures, ms->link_failures)
MEMBER_FN(m_tx_errors, ms->tx_errors)
MEMBER_FN(m_lacpdu_rx, ms->lacp.counters.lacpdu_rx)
MEMBER_FN(m_lacpdu_tx, ms->lacp.counters.lacpdu_tx)
MEMBER_FN(m_lacpdu_illegal, ms->lacp.counters.illegal_rx)
MEMBER_FN(m_lacpdu_tx_err, ms->lacp.counters.lacpdu_tx_err)
MEMBER_FN(m_partner_changes, ms->lacp.counters.partner_changes)
MEMBER_FN(m_actor_churn, strcmp(ms->lacp.actor_churn, "ACTOR_CHURN") == 0)
MEMBER_FN(m_partner_churn, strcmp(ms->lacp.partner_churn, "PARTNER_CHURN") == 0)
MEMBER_FN(m_actor_state, ms->lacp.actor.state)
MEMBER_FN(m_partner_state, ms->lacp.partner.state)
MEMBER_FN(m_selected, ms->lacp.selected)

static void collect_bonds(struct vflagd *d, struct expo *e)
{
	unsigned n;
	struct bond_status *bonds = bonds_read(d, &n);

	expo_family(e, "vflag_bond_members", "gauge",
		    "Members enslaved (node_exporter: node_bonding_slaves).");
	for (unsigned b = 0; b < n; b++)
		expo_u64(e, "vflag_bond_members",
			 (const char *[]){"bond", bonds[b].name, NULL},
			 bonds[b].nmembers);
	expo_family(e, "vflag_bond_active_members", "gauge",
		    "Members whose link is up (node_exporter: "
		    "node_bonding_active, mii_status up).");
	for (unsigned b = 0; b < n; b++) {
		uint64_t up = 0;

		for (unsigned m = 0; m < bonds[b].nmembers; m++)
			up += m_up(&bonds[b].members[m], NULL);
		expo_u64(e, "vflag_bond_active_members",
			 (const char *[]){"bond", bonds[b].name, NULL}, up);
	}
	expo_family(e, "vflag_bond_carrier", "gauge",
		    "1 if some member may transmit.");
	for (unsigned b = 0; b < n; b++)
		expo_u64(e, "vflag_bond_carrier",
			 (const char *[]){"bond", bonds[b].name, NULL},
			 bonds[b].carrier);

	member_family(e, bonds, n, "vflag_bond_member_up", "gauge",
		      "1 if the member's link is up.", false, m_up, NULL);
	member_family(e, bonds, n, "vflag_bond_member_active", "gauge",
		      "1 if the member carries traffic (mode 1: the active "
		      "member).",
		      false, m_active, NULL);
	member_family(e, bonds, n, "vflag_bond_member_tx", "gauge",
		      "1 if the member is in the datapath's transmit array.",
		      false, m_tx, NULL);
	member_family(e, bonds, n, "vflag_bond_member_rx", "gauge",
		      "1 if the datapath collects frames from the member.",
		      false, m_rx, NULL);
	member_family(e, bonds, n, "vflag_bond_member_link_failures_total",
		      "counter", "Transitions from usable to down.", false,
		      m_link_failures, NULL);
	member_family(e, bonds, n, "vflag_bond_member_tx_errors_total",
		      "counter", "Control frames the member failed to send.",
		      false, m_tx_errors, NULL);

	member_family(e, bonds, n, "vflag_lacp_pdus_rx_total", "counter",
		      "Valid LACPDUs received.", true, m_lacpdu_rx, NULL);
	member_family(e, bonds, n, "vflag_lacp_pdus_tx_total", "counter",
		      "LACPDUs sent.", true, m_lacpdu_tx, NULL);
	member_family(e, bonds, n, "vflag_lacp_pdus_tx_errors_total", "counter",
		      "LACPDUs the member failed to send.", true,
		      m_lacpdu_tx_err, NULL);
	member_family(e, bonds, n, "vflag_lacp_pdus_illegal_total", "counter",
		      "Malformed slow-protocol frames received (802.1AX "
		      "illegal).",
		      true, m_lacpdu_illegal, NULL);
	member_family(e, bonds, n, "vflag_lacp_partner_changes_total",
		      "counter",
		      "Times the partner's system, key or port changed.", true,
		      m_partner_changes, NULL);
	member_family(e, bonds, n, "vflag_lacp_actor_churn", "gauge",
		      "1 while the actor churn machine is in ACTOR_CHURN.",
		      true, m_actor_churn, NULL);
	member_family(e, bonds, n, "vflag_lacp_partner_churn", "gauge",
		      "1 while the partner churn machine is in PARTNER_CHURN.",
		      true, m_partner_churn, NULL);
	member_family(e, bonds, n, "vflag_lacp_actor_state", "gauge",
		      "The actor's state octet (bit 0 activity .. bit 7 "
		      "expired).",
		      true, m_actor_state, NULL);
	member_family(e, bonds, n, "vflag_lacp_partner_state", "gauge",
		      "The partner's state octet, as last received.", true,
		      m_partner_state, NULL);
	member_family(e, bonds, n, "vflag_lacp_selected", "gauge",
		      "1 if the member is SELECTED for an aggregator.", true,
		      m_selected, NULL);
	free(bonds);
}

static void collect_failover(struct vflagd *d, struct expo *e)
{
	struct vflagd_bond *b;
	struct failover_stats st;

	expo_family(e, "vflag_failover_events_total", "counter",
		    "Carrier changes of members, by who saw them first "
		    "(rtnetlink, or the miimon poll).");
	for (unsigned i = 0; (b = vflagd_bond_at(d, i)); i++) {
		failover_stats(vflagd_bond_failover(b), &st);
		for (unsigned src = 0; src < FAILOVER_SOURCES; src++)
			expo_u64(e, "vflag_failover_events_total",
				 (const char *[]){
				     "bond", vflagd_bond_name(b), "source",
				     failover_source_name(src), NULL},
				 st.events[src]);
	}
	expo_family(e, "vflag_failover_publish_seconds", "histogram",
		    "From a member's carrier change (rtnetlink or miimon) to "
		    "the bond's next LAG in the datapath.");
	for (unsigned i = 0; (b = vflagd_bond_at(d, i)); i++) {
		failover_stats(vflagd_bond_failover(b), &st);
		expo_histogram(
		    e, "vflag_failover_publish_seconds",
		    (const char *[]){"bond", vflagd_bond_name(b), NULL},
		    st.publish);
	}
	expo_family(e, "vflag_failover_outage_seconds", "histogram",
		    "From the carrier loss of a transmitting member to the "
		    "first frame the datapath sent on a survivor.");
	for (unsigned i = 0; (b = vflagd_bond_at(d, i)); i++) {
		failover_stats(vflagd_bond_failover(b), &st);
		expo_histogram(
		    e, "vflag_failover_outage_seconds",
		    (const char *[]){"bond", vflagd_bond_name(b), NULL},
		    st.outage);
	}
	expo_family(e, "vflag_failover_outage_unmeasured_total", "counter",
		    "Outages that saw no frame on a survivor within 10 s.");
	for (unsigned i = 0; (b = vflagd_bond_at(d, i)); i++) {
		failover_stats(vflagd_bond_failover(b), &st);
		expo_u64(e, "vflag_failover_outage_unmeasured_total",
			 (const char *[]){"bond", vflagd_bond_name(b), NULL},
			 st.outage_unmeasured);
	}
}

void metrics_collect(struct vflagd *d, struct expo *e)
{
	collect_ports(d, e);
	collect_bonds(d, e);
	collect_failover(d, e);
}
