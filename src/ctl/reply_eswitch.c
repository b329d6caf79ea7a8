/* JSON replies of the eswitch's show commands (doc/ctl.md). Key order and
 * types are the protocol's: vflagctl and the tests read them. */
#include "ctl/reply_eswitch.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

static json_t *json_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *pf_json(const struct eswitch_pf_status *st, const char *bond)
{
	char mac[MAC_STR_LEN];

	return json_pack(
	    "{s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:o, s:I}",
	    "name", st->name, "dev", st->dev, "ifindex", st->ifindex, "mac",
	    mac_format(st->mac, mac), "pci", st->pci, "link",
	    st->gone	  ? "gone"
	    : st->carrier ? "up"
			  : "down",
	    "numvfs", (int)st->numvfs, "vf_type", vf_type_name(st->vf_type),
	    "eswitch_mode", eswitch_mode_name(st->switchdev), "spoofchk",
	    st->spoofchk, "bond", json_str_or_null(bond), "mtu",
	    (json_int_t)st->mtu);
}

static void no_pf(const char *name, char *err, size_t errlen)
{
	snprintf(err, errlen, "no PF named %s (see `vflagctl show`)", name);
}

json_t *reply_eswitch_pfs(struct eswitch *sw, const char *name,
			  reply_eswitch_lag_name_fn lag_name, void *arg,
			  char *err, size_t errlen)
{
	json_t *pfs = json_array();
	struct pf *pf;

	for (unsigned i = 0; (pf = eswitch_pf_at(sw, i)); i++) {
		struct eswitch_pf_status st;
		const char *bond = NULL;

		if (name && strcmp(name, pf_name(pf)))
			continue;
		eswitch_pf_status(sw, pf, &st);
		if (st.lag_slot >= 0 && lag_name)
			bond = lag_name(arg, (unsigned)st.lag_slot);
		json_t *j = pf_json(&st, bond);

		/* switchdev: appended, existing readers see the same keys. */
		json_object_set_new(j, "hw_tc_offload",
				    json_boolean(st.hw_tc_offload));
		json_object_set_new(
		    j, "eswitch_mode_set",
		    json_string(eswitch_mode_name(st.mode_switchdev)));
		json_array_append_new(pfs, j);
	}
	if (name && json_array_size(pfs) == 0) {
		json_decref(pfs);
		no_pf(name, err, errlen);
		return NULL;
	}
	return json_pack("{s:o}", "pfs", pfs);
}

typedef json_t *(*vf_row_fn)(const struct eswitch_vf_status *st);

/* {"KEY": [row, ...]} over the VFs of one PF (name) or of all (NULL). */
static json_t *vf_rows(struct eswitch *sw, const char *name, const char *key,
		       vf_row_fn row, char *err, size_t errlen)
{
	json_t *rows;
	struct pf *pf;

	if (name && !eswitch_pf_find(sw, name)) {
		no_pf(name, err, errlen);
		return NULL;
	}
	rows = json_array();
	for (unsigned i = 0; (pf = eswitch_pf_at(sw, i)); i++) {
		struct eswitch_vf_status st;

		if (name && strcmp(name, pf_name(pf)))
			continue;
		for (unsigned v = 0; !eswitch_vf_status(sw, pf, v, &st); v++)
			json_array_append_new(rows, row(&st));
	}
	return json_pack("{s:o}", key, rows);
}

static json_t *vf_row(const struct eswitch_vf_status *st)
{
	const struct eswitch_vf_policy *p = &st->policy;
	char mac[MAC_STR_LEN];

	/* From "vlan" on: tenant isolation (issue 8), as ip link shows it;
	 * then the link state (issue 7). */
	return json_pack(
	    "{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:b,"
	    " s:i, s:i, s:s, s:b, s:b, s:I, s:I, s:I, s:s, s:b}",
	    "pf", st->pf, "vf", (int)st->index, "ifname", st->ifname, "rep",
	    st->rep, "type", vf_type_name(st->type), "mac",
	    mac_format(st->mac, mac), "pci", st->pci, "netns",
	    json_str_or_null(st->netns), "in_use", st->in_use, "gone", st->gone,
	    "vlan", (int)p->vlan, "qos", (int)p->qos, "vlan_proto",
	    p->vlan_proto == 0x88a8 ? "802.1ad" : "802.1Q", "spoofchk",
	    p->spoofchk, "trust", p->trust, "max_tx_rate",
	    (json_int_t)p->max_tx_rate, "storm_pps", (json_int_t)p->storm_pps,
	    "storm_burst", (json_int_t)p->storm_burst, "state",
	    vf_link_state_name(st->link_state), "link_up", st->link_up);
}

static json_t *map_rep_row(const struct eswitch_vf_status *st)
{
	/* Legacy mode has no representors: the eswitch end is internal until
	 * switchdev makes it one (map_rep.py finds them only then). */
	return json_pack(
	    "{s:i, s:o, s:s, s:s, s:s, s:s, s:o}", "vf", (int)st->index,
	    "representor", st->switchdev ? json_string(st->rep) : json_null(),
	    "vf_port", st->ifname, "vf_pci", st->pci, "pf", st->pf, "pf_dev",
	    st->pf_dev, "machine", json_str_or_null(st->netns));
}

json_t *reply_eswitch_vfs(struct eswitch *sw, const char *pf, char *err,
			  size_t errlen)
{
	return vf_rows(sw, pf, "vfs", vf_row, err, errlen);
}

json_t *reply_eswitch_map_rep(struct eswitch *sw, const char *pf, char *err,
			      size_t errlen)
{
	return vf_rows(sw, pf, "reps", map_rep_row, err, errlen);
}

/* Counter names as ethtool -S shows them; which kinds of port have them. */
static const struct {
	const char *uplink_name;
	const char *vf_name;
	size_t offset;
} stat_fields[] = {
#define F(u, v, field)                                                         \
	{                                                                      \
		u, v, offsetof(struct vflag_port_stats, field)                 \
	}
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
    /* Tenant isolation (issue 8): all counted on the VF's port. */
    F(NULL, "tx_drop_slow_proto", drop_slow_proto),
    F(NULL, "tx_drop_mac_control", drop_mac_control),
    F(NULL, "tx_drop_bad_src", drop_bad_src),
    F(NULL, "drop_vlan", drop_vlan),
    F(NULL, "tx_drop_runt", drop_runt),
    F(NULL, "tx_drop_oversize", drop_oversize),
    F(NULL, "tx_drop_rate", drop_rate),
    F(NULL, "tx_drop_storm", drop_storm),
    F(NULL, "tx_runt_padded", runt_padded),
    F(NULL, "tx_vlan_pushed", vlan_pushed),
    F(NULL, "rx_vlan_popped", vlan_popped),
    /* switchdev: slow path (representors) against offloaded (rules). A
     * VF's slow_rx is computed: rx_packets - offload_rx_packets. */
    F("slow_rx_packets", "slow_tx_packets", slow_packets),
    F("slow_rx_bytes", "slow_tx_bytes", slow_bytes),
    F("offload_rx_packets", "offload_tx_packets", offload_packets),
    F("offload_rx_bytes", "offload_tx_bytes", offload_bytes),
    F("offload_tx_packets", "offload_rx_packets", offload_rx_packets),
    F("offload_tx_bytes", "offload_rx_bytes", offload_rx_bytes),
    F("flow_drop", "flow_drop", flow_drop),
    F("flow_act_fail", "flow_act_fail", flow_act_fail),
#undef F
};

static json_t *stats_json(struct eswitch *sw, const char *name, bool uplink,
			  const char *dev, uint32_t port_id)
{
	struct vflag_port_stats st;
	json_t *counters = json_object();

	/* A port whose counters cannot be read shows zeroes. */
	eswitch_port_stats(sw, port_id, &st);
	for (size_t i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		const char *n = uplink ? stat_fields[i].uplink_name
				       : stat_fields[i].vf_name;
		uint64_t v;

		if (!n)
			continue;
		memcpy(&v, (const char *)&st + stat_fields[i].offset,
		       sizeof(v));
		json_object_set_new(counters, n, json_integer((json_int_t)v));
	}
	if (!uplink) {
		uint64_t slow_rx = st.rx_packets > st.offload_rx_packets
				       ? st.rx_packets - st.offload_rx_packets
				       : 0;
		uint64_t slow_rxb = st.rx_bytes > st.offload_rx_bytes
					? st.rx_bytes - st.offload_rx_bytes
					: 0;

		json_object_set_new(counters, "slow_rx_packets",
				    json_integer((json_int_t)slow_rx));
		json_object_set_new(counters, "slow_rx_bytes",
				    json_integer((json_int_t)slow_rxb));
	}
	return json_pack("{s:s, s:s, s:s, s:o}", "name", name, "kind",
			 uplink ? "uplink" : "vf", "dev", dev, "counters",
			 counters);
}

/* A LAG representor's port: what the host sent on the bond's netdev
 * (into the LAG: slow_tx) and what reached it from the uplinks' misses
 * (slow_rx). */
static json_t *lag_rep_stats_json(struct eswitch *sw,
				  const struct eswitch_lag_rep_status *ls)
{
	struct vflag_port_stats st;

	eswitch_port_stats(sw, ls->port_id, &st);
	return json_pack(
	    "{s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I}}", "name", ls->name,
	    "kind", "lag_rep", "dev", ls->esw, "counters", "slow_rx_packets",
	    (json_int_t)st.rx_packets, "slow_rx_bytes", (json_int_t)st.rx_bytes,
	    "slow_tx_packets", (json_int_t)st.tx_packets, "slow_tx_bytes",
	    (json_int_t)st.tx_bytes, "tx_drop_no_member",
	    (json_int_t)st.drop_no_member);
}

json_t *reply_eswitch_stats(struct eswitch *sw, const char *port, char *err,
			    size_t errlen)
{
	json_t *ports = json_array();
	struct pf *pf;

	for (unsigned i = 0; (pf = eswitch_pf_at(sw, i)); i++) {
		struct eswitch_pf_status ps;
		struct eswitch_vf_status st;

		eswitch_pf_status(sw, pf, &ps);
		if (!port || !strcmp(port, ps.name) || !strcmp(port, ps.dev))
			json_array_append_new(
			    ports,
			    stats_json(sw, ps.name, true, ps.dev, ps.port_id));
		for (unsigned v = 0; !eswitch_vf_status(sw, pf, v, &st); v++)
			if (!port || !strcmp(port, st.ifname) ||
			    !strcmp(port, st.rep))
				json_array_append_new(
				    ports, stats_json(sw, st.ifname, false,
						      st.rep, st.port_id));
	}
	for (uint32_t s = 0; s < VFLAG_MAX_LAGS; s++) {
		struct eswitch_lag_rep_status ls;

		if (eswitch_lag_rep_status(sw, s, &ls) ||
		    (port && strcmp(port, ls.name) && strcmp(port, ls.esw)))
			continue;
		json_array_append_new(ports, lag_rep_stats_json(sw, &ls));
	}
	if (port && json_array_size(ports) == 0) {
		json_decref(ports);
		snprintf(err, errlen,
			 "no port named %s: give a PF name, a VF port name "
			 "(see `vflagctl vf show`) or a bond's",
			 port);
		return NULL;
	}
	return json_pack("{s:o}", "ports", ports);
}

json_t *reply_eswitch_modes(struct eswitch *sw, const char *name,
			    reply_eswitch_lag_name_fn lag_name, void *arg,
			    char *err, size_t errlen)
{
	json_t *rows = json_array();
	struct pf *pf;

	for (unsigned i = 0; (pf = eswitch_pf_at(sw, i)); i++) {
		struct eswitch_pf_status st;
		struct eswitch_lag_rep_status ls;
		json_t *row, *lag = json_null();
		char why[160];

		if (name && strcmp(name, pf_name(pf)))
			continue;
		eswitch_pf_status(sw, pf, &st);
		if (st.lag_slot >= 0) {
			unsigned slot = (unsigned)st.lag_slot;
			bool mode =
			    eswitch_lag_mode(sw, slot, why, sizeof(why));
			const char *bond =
			    lag_name ? lag_name(arg, slot) : NULL;

			lag = json_pack("{s:o, s:o, s:s, s:b, s:o}", "bond",
					json_str_or_null(bond), "representor",
					eswitch_lag_rep_status(sw, slot, &ls)
					    ? json_null()
					    : json_string(ls.name),
					"mode", eswitch_mode_name(mode),
					"modes_agree", !why[0], "reason",
					json_str_or_null(why));
		}
		row = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "pf", st.name,
				"dev", st.dev, "mode",
				eswitch_mode_name(st.switchdev), "mode_set",
				eswitch_mode_name(st.mode_switchdev),
				"hw_tc_offload", st.hw_tc_offload, "lag", lag);
		json_array_append_new(rows, row);
	}
	if (name && json_array_size(rows) == 0) {
		json_decref(rows);
		no_pf(name, err, errlen);
		return NULL;
	}
	return json_pack("{s:o}", "eswitch", rows);
}
