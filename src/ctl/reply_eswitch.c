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
	    "eswitch_mode", "legacy", "spoofchk", st->spoofchk, "bond",
	    json_str_or_null(bond), "mtu", (json_int_t)st->mtu);
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
		json_array_append_new(pfs, pf_json(&st, bond));
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
	 * switchdev makes it one. */
	return json_pack("{s:i, s:o, s:s, s:s, s:s, s:s, s:o}", "vf",
			 (int)st->index, "representor", json_null(), "vf_port",
			 st->ifname, "vf_pci", st->pci, "pf", st->pf, "pf_dev",
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
	return json_pack("{s:s, s:s, s:s, s:o}", "name", name, "kind",
			 uplink ? "uplink" : "vf", "dev", dev, "counters",
			 counters);
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
	if (port && json_array_size(ports) == 0) {
		json_decref(ports);
		snprintf(err, errlen,
			 "no port named %s: give a PF name or a VF port name "
			 "(see `vflagctl vf show`)",
			 port);
		return NULL;
	}
	return json_pack("{s:o}", "ports", ports);
}
