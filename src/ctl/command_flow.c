/* `flow add|del|show`: tc-flower's words (flow/flower.h) into the
 * daemon's offload table (flow/flow_table.h), and its rules back into
 * replies (reply_flow.h). */
#include "ctl/command_flow.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bridge/bridge_offload.h"
#include "common/util.h"
#include "ctl/reply_flow.h"
#include "ctl/synopsis.h"
#include "flow/flow_table.h"
#include "flow/flower.h"

struct res {
	int *error;
	bool *usage;
	char *err;
	size_t errlen;
};

static json_t *fail(struct res *r, int error, bool usage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static json_t *fail(struct res *r, int error, bool usage, const char *fmt, ...)
{
	va_list ap;

	*r->error = error < 0 ? -error : error;
	*r->usage = usage;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

static struct flow_table *table(struct vflagd *d, struct res *r)
{
	struct flow_table *ft = vflagd_flows(d);

	if (!ft)
		fail(r, ENODEV, false, "no datapath: no offload table");
	return ft;
}

json_t *command_flow_add(struct vflagd *d, int argc, char **argv, int *error,
			 bool *usage, char *err, size_t errlen)
{
	struct res r = {error, usage, err, errlen};
	struct flow_table *ft = table(d, &r);
	struct flower_rule rule;
	int h;

	if (!ft)
		return NULL;
	if (flower_parse(argc, argv, &rule, err, errlen))
		return fail(&r, EINVAL, false, NULL);
	h = flow_table_add(ft, &rule, err, errlen);
	if (h < 0)
		return fail(&r, h, false, NULL);
	/* The rule as the table has it: in_hw or why not. */
	{
		json_t *data = json_object();
		struct flow_table_entry e;

		if (!data)
			return fail(&r, ENOMEM, false, "out of memory");
		if (flow_table_get(ft, (uint32_t)h, &e) == 0)
			json_object_set_new(data, "rule",
					    reply_flow_json(&e, false, 0));
		json_object_set_new(data, "handle", json_integer(h));
		return data;
	}
}

/* flow del dev PORT [prio N] [handle H] */
json_t *command_flow_del(struct vflagd *d, int argc, char **argv, int *error,
			 bool *usage, char *err, size_t errlen)
{
	struct res r = {error, usage, err, errlen};
	struct flow_table *ft = table(d, &r);
	uint32_t prio = 0, handle = 0;
	int n;

	if (!ft)
		return NULL;
	if (argc < 2 || strcmp(argv[0], "dev"))
		goto usage;
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(argv[i], "prio")) {
			if (parse_u32(argv[i + 1], 1, FLOWER_PRIO_MAX, &prio))
				return fail(&r, EINVAL, false,
					    "prio \"%s\": expected 1..65535",
					    argv[i + 1]);
		} else if (!strcmp(argv[i], "handle")) {
			if (parse_u32(argv[i + 1], 1, 0x7fffffff, &handle))
				return fail(&r, EINVAL, false,
					    "handle \"%s\": expected a number",
					    argv[i + 1]);
		} else {
			goto usage;
		}
	}
	n = flow_table_del(ft, argv[1], prio, handle, err, errlen);
	if (n < 0)
		return fail(&r, n, false, NULL);
	return json_pack("{s:i}", "deleted", n);
usage:
	ctl_synopsis_usage("flow", "del", err, errlen);
	return fail(&r, EINVAL, true, NULL);
}

/* Rules one reply lists: a million would be a reply of hundreds of MB
 * built on the daemon's one thread. "total" says how many there are. */
#define FLOW_SHOW_MAX 10000

struct show {
	json_t *rules;
	bool stats;
	uint64_t now_ns;
};

static void show_one(void *arg, const struct flow_table_entry *e)
{
	struct show *s = arg;

	json_array_append_new(s->rules,
			      reply_flow_json(e, s->stats, s->now_ns));
}

/* What the bridge offload holds (doc/bridge-offload.md). */
static json_t *bridge_json(struct vflagd *d)
{
	struct bridge_offload_status st;

	vflagd_bridge_status(d, &st);
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I}", "bridges",
			 (int)st.bridges, "entries", (int)st.entries, "rules",
			 (int)st.rules, "rules_in_hw", (int)st.rules_hw,
			 "extern_learn", (int)st.marked, "aged",
			 (json_int_t)st.aged, "moves", (json_int_t)st.moves,
			 "over_limit", (json_int_t)st.over_limit);
}

/* flow show [dev PORT] [-s] */
json_t *command_flow_show(struct vflagd *d, int argc, char **argv, int *error,
			  bool *usage, char *err, size_t errlen)
{
	struct res r = {error, usage, err, errlen};
	struct flow_table *ft = table(d, &r);
	struct show s = {0};
	const char *dev = NULL;
	struct timespec ts;
	json_t *data;
	int n;

	if (!ft)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "stats")) {
			s.stats = true;
		} else if (!strcmp(argv[i], "dev") && i + 1 < argc && !dev) {
			dev = argv[++i];
		} else {
			ctl_synopsis_usage("flow", "show", err, errlen);
			return fail(&r, EINVAL, true, NULL);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	s.rules = json_array();
	data = json_object();
	if (!s.rules || !data) {
		json_decref(s.rules);
		json_decref(data);
		return fail(&r, ENOMEM, false, "out of memory");
	}
	n = flow_table_walk_first(ft, dev, FLOW_SHOW_MAX, s.stats, show_one,
				  &s);
	json_object_set_new(data, "rules", s.rules);
	json_object_set_new(data, "total", json_integer(n < 0 ? 0 : n));
	json_object_set_new(data, "masks", json_integer(flow_table_masks(ft)));
	json_object_set_new(data, "bridge", bridge_json(d));
	json_object_set_new(data, "max_masks",
			    json_integer(VFLAG_FLOW_MAX_MASKS));
	return data;
}
