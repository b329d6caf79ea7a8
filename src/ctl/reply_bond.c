/* `bond show` and `bond xmit-member` replies (see reply_bond.h); the keys
 * and their order are doc/ctl.md's, which vflagctl and the tests read. */
#include "ctl/reply_bond.h"

#include "common/util.h"

static json_t *lacp_info_json(const struct lacp_info *info)
{
	const char *names[8];
	unsigned n = lacp_state_names(info->state, names);
	json_t *state = json_array();
	char mac[MAC_STR_LEN];

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(state, json_string(names[i]));
	return json_pack("{s:i, s:s, s:i, s:i, s:i, s:o, s:i}",
			 "system_priority", info->sys_priority, "system",
			 mac_format(info->sys_mac, mac), "key", info->key,
			 "port_priority", info->port_priority, "port",
			 info->port, "state", state, "state_raw", info->state);
}

static json_t *lacp_counters_json(const struct lacp_port_counters *c)
{
#define C(field) #field, (json_int_t)c->field
	return json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I}",
	    C(lacpdu_rx), C(lacpdu_tx), C(lacpdu_tx_err), C(lacpdu_tx_limited),
	    C(marker_rx), C(marker_resp_tx), C(marker_resp_rx), C(unknown_rx),
	    C(illegal_rx), C(rx_truncated), C(rx_bad_version), C(rx_bad_tlv),
	    C(rx_bad_system), C(rx_not_slow), C(rx_looped), C(partner_changes));
#undef C
}

static json_t *member_lacp_json(const struct bond_member_status *ms)
{
	const struct lacp_port_status *st = &ms->lacp;

	if (!ms->has_lacp)
		return json_null();
	return json_pack(
	    "{s:i, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:b, s:o}",
	    "aggregator_id", st->aggregator_id, "selected",
	    st->selected  ? "SELECTED"
	    : st->standby ? "STANDBY"
			  : "UNSELECTED",
	    "actor", lacp_info_json(&st->actor), "partner",
	    lacp_info_json(&st->partner), "rx_state", st->rx_state, "mux_state",
	    st->mux_state, "periodic_state", st->periodic_state, "actor_churn",
	    st->actor_churn, "partner_churn", st->partner_churn, "looped",
	    st->looped, "counters", lacp_counters_json(&st->counters));
}

static json_t *member_json(const struct bond_status *st,
			   const struct bond_member_status *ms)
{
	char mac[MAC_STR_LEN];
	json_t *mj;

	mj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:I, s:I}",
		       "name", ms->port.name, "dev", ms->port.dev, "link",
		       ms->link, "mac", mac_format(ms->port.mac, mac), "state",
		       ms->state, "tx", ms->tx, "rx", ms->rx, "link_failures",
		       (int)ms->link_failures, "tx_errors",
		       (json_int_t)ms->tx_errors, "slow_rx_ignored",
		       (json_int_t)ms->slow_rx_ignored);
	if (st->cfg.mode == BOND_MODE_8023AD)
		json_object_set_new(mj, "lacp", member_lacp_json(ms));
	return mj;
}

json_t *reply_bond_json(const struct bond_status *st)
{
	const struct bond_config *cfg = &st->cfg;
	json_t *members = json_array();
	json_t *obj;

	for (unsigned i = 0; i < st->nmembers; i++)
		json_array_append_new(members,
				      member_json(st, &st->members[i]));
	obj =
	    json_pack("{s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:i, s:o, s:b, s:o}",
		      "name", st->name, "mode", bond_mode_name(cfg->mode),
		      "mode_num", (int)cfg->mode, "xmit_hash_policy",
		      bond_enum_name(&bond_hash_policy_enum, cfg->hash_policy),
		      "port_select",
		      bond_enum_name(&bond_port_select_enum, cfg->port_select),
		      "miimon", (int)cfg->miimon, "updelay", (int)cfg->updelay,
		      "downdelay", (int)cfg->downdelay, "primary",
		      cfg->primary[0] ? json_string(cfg->primary) : json_null(),
		      "carrier", st->carrier, "members", members);
	if (cfg->mode == BOND_MODE_ACTIVE_BACKUP)
		json_object_set_new(obj, "active",
				    st->active ? json_string(st->active)
					       : json_null());
	if (cfg->mode == BOND_MODE_8023AD) {
		const struct lacp_status *ls = &st->lacp;
		char mac[MAC_STR_LEN], pmac[MAC_STR_LEN];

		json_object_set_new(
		    obj, "lacp",
		    json_pack(
			"{s:s, s:b, s:s, s:i, s:i, s:s, s:i, s:i, s:b, s:s, "
			"s:i, s:i}",
			"rate",
			bond_enum_name(&bond_lacp_rate_enum, cfg->lacp_rate),
			"active", cfg->lacp_active, "ad_select",
			bond_enum_name(&bond_ad_select_enum, cfg->ad_select),
			"min_links", (int)cfg->min_links, "sys_priority",
			(int)cfg->sys_prio, "sys_mac",
			mac_format(st->sys_mac, mac), "aggregator_id",
			ls->active_aggregator_id, "num_ports", ls->num_ports,
			"ready", ls->ready, "partner_mac",
			mac_format(ls->partner_mac, pmac), "partner_key",
			ls->partner_key, "actor_key", ls->actor_key));
		/* appended, so existing readers see the same keys first */
		json_object_set_new(json_object_get(obj, "lacp"), "wait_ms",
				    json_integer(cfg->lacp_wait_ms));
		json_object_set_new(json_object_get(obj, "lacp"),
				    "wait_shortcut",
				    json_boolean(cfg->lacp_wait_shortcut));
	}
	return obj;
}

json_t *reply_bond_xmit_json(const char *bond, const struct bond_xmit *x)
{
	json_t *usable = json_array();

	for (unsigned t = 0; t < x->nusable; t++)
		json_array_append_new(usable, json_string(x->usable[t]));
	/* hashed_by: the policy the datapath uses, which port_select
	 * queue_affinity makes layer3+4 whatever xmit_hash_policy says. */
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "bond", bond,
	    "xmit_hash_policy",
	    bond_enum_name(&bond_hash_policy_enum, x->hash_policy),
	    "port_select",
	    bond_enum_name(&bond_port_select_enum, x->port_select), "hashed_by",
	    bond_enum_name(&bond_hash_policy_enum, x->hashed_by), "hash",
	    (json_int_t)x->hash, "member",
	    x->member ? json_string(x->member) : json_null(), "usable", usable);
}
