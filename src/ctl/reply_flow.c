/* The JSON of the offload table's rules (reply_flow.h). */
#include "ctl/reply_flow.h"

#include "flow/flower.h"

json_t *reply_flow_json(const struct flow_table_entry *e, bool stats,
			uint64_t now_ns)
{
	char match[512], acts[256];
	json_t *j;

	flower_format_match(&e->rule.key, &e->rule.mask, match, sizeof(match));
	flower_format_actions(&e->rule, acts, sizeof(acts));
	j = json_object();
	if (!j)
		return NULL;
	json_object_set_new(j, "dev", json_string(e->rule.dev));
	json_object_set_new(j, "prio", json_integer(e->rule.prio));
	json_object_set_new(j, "chain", json_integer(e->rule.chain));
	json_object_set_new(j, "handle", json_integer(e->rule.handle));
	json_object_set_new(j, "match", json_string(match));
	json_object_set_new(j, "actions", json_string(acts));
	json_object_set_new(j, "in_hw", json_boolean(e->in_hw));
	json_object_set_new(j, "origin",
			    json_string(e->from_bridge ? "bridge" : "user"));
	if (!e->in_hw)
		json_object_set_new(j, "reason", json_string(e->reason));
	if (stats) {
		const struct vflag_flow_stats *s = &e->stats;
		json_t *st =
		    json_pack("{s:I, s:I}", "packets", (json_int_t)s->packets,
			      "bytes", (json_int_t)s->bytes);

		if (s->last_used_ns && now_ns >= s->last_used_ns)
			json_object_set_new(
			    st, "last_used",
			    json_real((double)(now_ns - s->last_used_ns) /
				      1e9));
		else
			json_object_set_new(st, "last_used", json_null());
		json_object_set_new(j, "stats", st);
	}
	return j;
}
