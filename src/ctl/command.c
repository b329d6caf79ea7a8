/* Command dispatch: a table of object/verb pairs, each with its handler. */
#include "ctl/command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "ctl/reply_eswitch.h"
#include "lag/flow_spec.h"
#include "vflag/ctl.h"

#define TAG "cmd"

/* A handler's result: reply data, or an error (errno, usage, message). */
struct cmd_res {
	int error;
	bool usage;
	char *err;
	size_t errlen;
};

static json_t *cmd_fail(struct cmd_res *r, int error, bool usage, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static json_t *cmd_fail(struct cmd_res *r, int error, bool usage, const char *fmt, ...)
{
	va_list ap;

	r->error = error < 0 ? -error : error;
	r->usage = usage;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* Turns a -errno from a module (which wrote r->err) into a result. */
static json_t *cmd_check(struct cmd_res *r, int ret)
{
	if (ret)
		return cmd_fail(r, ret, ret == -EINVAL, NULL);
	return NULL;
}

static struct pf *cmd_pf(struct command_ctx *ctx, const char *name, struct cmd_res *r)
{
	struct pf *pf = eswitch_pf_find(ctx->sw, name);

	if (!pf)
		cmd_fail(r, ENOENT, false, "no PF named %s (see `vflagctl show`)", name);
	return pf;
}

/* The bond whose LAG slot pf is in, or NULL: the daemon, not the eswitch,
 * knows which bond owns a slot. */
static struct bond *cmd_pf_bond(struct command_ctx *ctx, const struct pf *pf)
{
	int slot = pf_lag_slot(pf);

	return slot >= 0 && slot < VFLAG_MAX_LAGS ? ctx->bonds[slot] : NULL;
}

static const char *cmd_lag_name(void *arg, unsigned slot)
{
	struct command_ctx *ctx = arg;

	return slot < VFLAG_MAX_LAGS && ctx->bonds[slot] ? bond_name(ctx->bonds[slot]) : NULL;
}

static struct bond *cmd_bond(struct command_ctx *ctx, const char *name, struct cmd_res *r)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (ctx->bonds[i] && !strcmp(bond_name(ctx->bonds[i]), name))
			return ctx->bonds[i];
	cmd_fail(r, ENOENT, false, "no bond named %s (see `vflagctl bond show`)", name);
	return NULL;
}

/* Strips a trailing --force; says whether it was there. */
static bool take_force(int *argc, char **argv)
{
	if (*argc > 0 && !strcmp(argv[*argc - 1], "--force")) {
		(*argc)--;
		return true;
	}
	return false;
}

static json_t *pf_show(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	json_t *data, *bonds;

	if (argc > 1)
		return cmd_fail(r, EINVAL, true, "usage: pf show [NAME]");
	data = reply_eswitch_pfs(ctx->sw, argc ? argv[0] : NULL, cmd_lag_name, ctx, r->err, r->errlen);
	if (!data)
		return cmd_fail(r, ENOENT, false, NULL);
	bonds = json_array();
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (ctx->bonds[i])
			json_array_append_new(bonds, json_string(bond_name(ctx->bonds[i])));
	json_object_set_new(data, "bonds", bonds);
	return data;
}

static json_t *pf_add(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	const char *pci = NULL;

	if ((argc != 3 && argc != 5) || strcmp(argv[1], "dev") || (argc == 5 && strcmp(argv[3], "pci")))
		return cmd_fail(r, EINVAL, true, "usage: pf add NAME dev IFNAME [pci DDDD:BB:SS.F]");
	if (argc == 5)
		pci = argv[4];
	return cmd_check(r, eswitch_pf_add(ctx->sw, argv[0], argv[2], pci, r->err, r->errlen));
}

static json_t *pf_set(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	bool force = take_force(&argc, argv);
	struct pf *pf;
	uint32_t n;
	bool on;

	if (argc < 3)
		return cmd_fail(r, EINVAL, true, "usage: pf set NAME numvfs N [type veth|tap] | pf set NAME spoofchk on|off");
	pf = cmd_pf(ctx, argv[0], r);
	if (!pf)
		return NULL;
	if (!strcmp(argv[1], "numvfs")) {
		enum vf_type type = VF_TYPE_VETH;

		if (parse_u32(argv[2], 0, ESWITCH_MAX_VFS, &n))
			return cmd_fail(r, EINVAL, true, "numvfs is 0..%d, not '%s'", ESWITCH_MAX_VFS, argv[2]);
		if (argc == 5 && !strcmp(argv[3], "type") && !strcmp(argv[4], "tap"))
			type = VF_TYPE_TAP;
		else if (!(argc == 3 || (argc == 5 && !strcmp(argv[3], "type") && !strcmp(argv[4], "veth"))))
			return cmd_fail(r, EINVAL, true, "usage: pf set NAME numvfs N [type veth|tap]");
		return cmd_check(r, eswitch_pf_set_numvfs(ctx->sw, pf, n, type, force, r->err, r->errlen));
	}
	if (!strcmp(argv[1], "spoofchk") && argc == 3) {
		if (parse_bool(argv[2], &on))
			return cmd_fail(r, EINVAL, true, "spoofchk is on or off, not '%s'", argv[2]);
		return cmd_check(r, eswitch_pf_set_spoofchk(ctx->sw, pf, on));
	}
	return cmd_fail(r, EINVAL, true, "unknown PF setting '%s': numvfs or spoofchk", argv[1]);
}

static json_t *pf_del(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	bool force = take_force(&argc, argv);
	struct bond *bond;
	struct pf *pf;

	if (argc != 1)
		return cmd_fail(r, EINVAL, true, "usage: pf del NAME [--force]");
	pf = cmd_pf(ctx, argv[0], r);
	if (!pf)
		return NULL;
	bond = cmd_pf_bond(ctx, pf);
	if (bond)
		return cmd_fail(r, EBUSY, false,
				"%s is a member of bond %s: remove it from the bond first (bond member del %s %s)",
				pf_name(pf), bond_name(bond), bond_name(bond), pf_name(pf));
	return cmd_check(r, eswitch_pf_del(ctx->sw, pf, force, r->err, r->errlen));
}

static json_t *vf_set(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	const char *netns = NULL;
	uint8_t mac[6];
	bool have_mac = false;
	struct pf *pf;
	uint32_t n;

	if (argc < 5 || strcmp(argv[1], "vf") || (argc % 2) == 0)
		return cmd_fail(r, EINVAL, true, "usage: vf set PF vf N [mac MAC] [netns NS|-]");
	if (parse_u32(argv[2], 0, ESWITCH_MAX_VFS - 1, &n))
		return cmd_fail(r, EINVAL, true, "VF number is 0..%d, not '%s'", ESWITCH_MAX_VFS - 1, argv[2]);
	for (int i = 3; i < argc; i += 2) {
		if (!strcmp(argv[i], "mac")) {
			if (mac_parse(argv[i + 1], mac))
				return cmd_fail(r, EINVAL, true, "bad MAC '%s': expected xx:xx:xx:xx:xx:xx", argv[i + 1]);
			have_mac = true;
		} else if (!strcmp(argv[i], "netns")) {
			netns = argv[i + 1];
		} else {
			return cmd_fail(r, EINVAL, true, "unknown VF setting '%s': mac or netns", argv[i]);
		}
	}
	pf = cmd_pf(ctx, argv[0], r);
	if (!pf)
		return NULL;
	return cmd_check(r, eswitch_vf_set(ctx->sw, pf, n, have_mac ? mac : NULL, netns, r->err, r->errlen));
}

static json_t *vf_show(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_fail(r, EINVAL, true, "usage: vf show [PF]");
	data = reply_eswitch_vfs(ctx->sw, argc ? argv[0] : NULL, r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

static json_t *bond_add(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	struct bond_config cfg;
	bool mode_seen = false;
	struct bond *bond;
	unsigned slot;
	int used, ret;
	uint64_t now = clock_now_ms();

	if (argc < 1)
		return cmd_fail(r, EINVAL, true, "usage: bond add NAME mode MODE [OPTIONS] [members PF...]");
	if (!eswitch_name_valid(argv[0]))
		return cmd_fail(r, EINVAL, true, "bad bond name '%s': 1 to %d characters a-z, 0-9, starting with a letter",
				argv[0], ESWITCH_PF_NAME_MAX);
	for (slot = 0; slot < VFLAG_MAX_LAGS; slot++)
		if (ctx->bonds[slot] && !strcmp(bond_name(ctx->bonds[slot]), argv[0]))
			return cmd_fail(r, EEXIST, false, "bond %s exists already", argv[0]);
	bond_config_init(&cfg);
	used = bond_config_parse(&cfg, argc - 1, argv + 1, &mode_seen, r->err, r->errlen);
	if (used < 0)
		return cmd_fail(r, EINVAL, true, NULL);
	if (!mode_seen)
		return cmd_fail(r, EINVAL, true, "bond add needs a mode: active-backup, balance-xor or 802.3ad");
	/* Check every member before creating anything. */
	for (int i = 2 + used; i < argc; i++) {
		struct pf *pf = cmd_pf(ctx, argv[i], r);

		if (!pf)
			return NULL;
		if (cmd_pf_bond(ctx, pf))
			return cmd_fail(r, EBUSY, false, "%s is already a member of bond %s", argv[i],
					bond_name(cmd_pf_bond(ctx, pf)));
	}
	if (1 + used < argc && argc == 2 + used)
		return cmd_fail(r, EINVAL, true, "members needs at least one PF");
	for (slot = 0; slot < VFLAG_MAX_LAGS && ctx->bonds[slot]; slot++)
		;
	if (slot == VFLAG_MAX_LAGS)
		return cmd_fail(r, ENOSPC, false, "too many bonds (at most %d)", VFLAG_MAX_LAGS);
	bond = bond_create(ctx->sw, ctx->loop, argv[0], slot, &cfg, r->err, r->errlen);
	if (!bond)
		return cmd_fail(r, ENOMEM, false, NULL);
	for (int i = 2 + used; i < argc; i++) {
		ret = bond_member_add(bond, eswitch_pf_find(ctx->sw, argv[i]), now, r->err, r->errlen);
		if (ret) {
			bond_destroy(bond, now);
			return cmd_fail(r, ret, false, NULL);
		}
	}
	ctx->bonds[slot] = bond;
	return NULL;
}

static json_t *bond_set(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	struct bond_config cfg;
	struct bond *bond;
	int used;

	if (argc < 3)
		return cmd_fail(r, EINVAL, true, "usage: bond set NAME OPTION VALUE [OPTION VALUE...]");
	bond = cmd_bond(ctx, argv[0], r);
	if (!bond)
		return NULL;
	bond_get_config(bond, &cfg);
	used = bond_config_parse(&cfg, argc - 1, argv + 1, NULL, r->err, r->errlen);
	if (used < 0)
		return cmd_fail(r, EINVAL, true, NULL);
	if (used != argc - 1)
		return cmd_fail(r, EINVAL, true, "bond set takes options only; use `bond member add|del` for members");
	return cmd_check(r, bond_reconfigure(bond, &cfg, clock_now_ms(), r->err, r->errlen));
}

static json_t *bond_member(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	struct bond *bond;
	struct pf *pf;

	if (argc != 3 || (strcmp(argv[0], "add") && strcmp(argv[0], "del")))
		return cmd_fail(r, EINVAL, true, "usage: bond member add|del NAME PF");
	bond = cmd_bond(ctx, argv[1], r);
	pf = bond ? cmd_pf(ctx, argv[2], r) : NULL;
	if (!pf)
		return NULL;
	if (!strcmp(argv[0], "add")) {
		struct bond *other = cmd_pf_bond(ctx, pf);

		if (other)
			return cmd_fail(r, EBUSY, false, "%s is already a member of bond %s",
					pf_name(pf), bond_name(other));
		return cmd_check(r, bond_member_add(bond, pf, clock_now_ms(), r->err, r->errlen));
	}
	return cmd_check(r, bond_member_del(bond, pf, clock_now_ms(), r->err, r->errlen));
}

static json_t *bond_del(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	bool force = take_force(&argc, argv);
	struct bond *bond;
	char why[160];

	if (argc != 1)
		return cmd_fail(r, EINVAL, true, "usage: bond del NAME [--force]");
	bond = cmd_bond(ctx, argv[0], r);
	if (!bond)
		return NULL;
	for (unsigned i = 0; !force && eswitch_pf_at(ctx->sw, i); i++) {
		struct pf *pf = eswitch_pf_at(ctx->sw, i);

		if (cmd_pf_bond(ctx, pf) == bond && eswitch_pf_vfs_in_use(ctx->sw, pf, why, sizeof(why)))
			return cmd_fail(r, EBUSY, false,
					"%s and would lose the bond: detach the VFs first (vf set PF vf N netns -), or add --force",
					why);
	}
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (ctx->bonds[i] == bond)
			ctx->bonds[i] = NULL;
	bond_destroy(bond, clock_now_ms());
	return NULL;
}

static json_t *bond_show(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	json_t *bonds;

	if (argc > 1)
		return cmd_fail(r, EINVAL, true, "usage: bond show [NAME]");
	if (argc && !cmd_bond(ctx, argv[0], r))
		return NULL;
	bonds = json_array();
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (ctx->bonds[i] && (!argc || !strcmp(argv[0], bond_name(ctx->bonds[i]))))
			json_array_append_new(bonds, bond_json(ctx->bonds[i]));
	return json_pack("{s:o}", "bonds", bonds);
}

static json_t *bond_xmit(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	uint8_t frame[1600];
	size_t len;
	struct bond *bond;

	if (argc < 2)
		return cmd_fail(r, EINVAL, true, "usage: bond xmit-member NAME FLOW (see `vflagctl bond help`)");
	bond = cmd_bond(ctx, argv[0], r);
	if (!bond)
		return NULL;
	if (flow_spec_parse(argc - 1, argv + 1, frame, sizeof(frame), &len, r->err, r->errlen))
		return cmd_fail(r, EINVAL, true, NULL);
	return bond_xmit_member_json(bond, frame, len);
}

static json_t *stats(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_fail(r, EINVAL, true, "usage: stats [PORT]");
	data = reply_eswitch_stats(ctx->sw, argc ? argv[0] : NULL, r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

static json_t *map_rep(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_fail(r, EINVAL, true, "usage: map-rep [PF]");
	data = reply_eswitch_map_rep(ctx->sw, argc ? argv[0] : NULL, r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

int command_teardown(struct command_ctx *ctx, bool force, char *err, size_t errlen)
{
	uint64_t now = clock_now_ms();
	struct pf *pf;
	char why[160];
	int ret;

	if (!ctx->sw)
		return 0;
	/* Refuse before touching anything, so a refusal changes nothing. */
	for (unsigned i = 0; !force && (pf = eswitch_pf_at(ctx->sw, i)); i++)
		if (eswitch_pf_vfs_in_use(ctx->sw, pf, why, sizeof(why))) {
			snprintf(err, errlen, "%s: detach VFs from their VMs first (vf set PF vf N netns -), or add --force",
				 why);
			return -EBUSY;
		}
	/* 1. VFs, 2. bonds, 3. PFs: the seed's order. */
	for (unsigned i = 0; (pf = eswitch_pf_at(ctx->sw, i)); i++) {
		ret = eswitch_pf_set_numvfs(ctx->sw, pf, 0, VF_TYPE_VETH, true, err, errlen);
		if (ret)
			return ret;
	}
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++) {
		bond_destroy(ctx->bonds[i], now);
		ctx->bonds[i] = NULL;
	}
	while ((pf = eswitch_pf_at(ctx->sw, 0))) {
		ret = eswitch_pf_del(ctx->sw, pf, true, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static json_t *teardown(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	bool force = take_force(&argc, argv);

	if (argc)
		return cmd_fail(r, EINVAL, true, "usage: teardown [--force]");
	return cmd_check(r, command_teardown(ctx, force, r->err, r->errlen));
}

static json_t *log_cmd(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r)
{
	enum log_level level;

	if (argc != 2 || strcmp(argv[0], "level") || log_level_parse(argv[1], &level))
		return cmd_fail(r, EINVAL, true, "usage: log level err|warn|info|debug");
	log_set_level(level);
	return NULL;
}

typedef json_t *(*cmd_fn)(struct command_ctx *ctx, int argc, char **argv, struct cmd_res *r);

static const struct {
	const char *object;
	const char *verb; /* NULL: the object takes no verb */
	cmd_fn fn;
} commands[] = {
	{ "show", NULL, pf_show },
	{ "pf", "add", pf_add },
	{ "pf", "set", pf_set },
	{ "pf", "del", pf_del },
	{ "pf", "show", pf_show },
	{ "vf", "set", vf_set },
	{ "vf", "show", vf_show },
	{ "bond", "add", bond_add },
	{ "bond", "set", bond_set },
	{ "bond", "member", bond_member },
	{ "bond", "del", bond_del },
	{ "bond", "show", bond_show },
	{ "bond", "xmit-member", bond_xmit },
	{ "stats", NULL, stats },
	{ "map-rep", NULL, map_rep },
	{ "teardown", NULL, teardown },
	{ "log", NULL, log_cmd },
};

json_t *command_run(void *vctx, int argc, char **argv, int *error, bool *usage,
		    char *err, size_t errlen)
{
	struct cmd_res r = { .err = err, .errlen = errlen };
	bool object_known = false;
	json_t *data = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].object))
			continue;
		object_known = true;
		if (!commands[i].verb) {
			data = commands[i].fn(vctx, argc - 1, argv + 1, &r);
			break;
		}
		if (argc > 1 && !strcmp(argv[1], commands[i].verb)) {
			data = commands[i].fn(vctx, argc - 2, argv + 2, &r);
			break;
		}
	}
	if (i == ARRAY_SIZE(commands)) {
		if (object_known)
			cmd_fail(&r, EINVAL, true, "unknown command '%s %s': see `vflagctl %s help`",
				 argv[0], argc > 1 ? argv[1] : "", argv[0]);
		else
			cmd_fail(&r, EINVAL, true, "unknown object '%s': see `vflagctl help`", argv[0]);
	}
	*error = r.error;
	*usage = r.usage;
	if (r.error)
		LOG_DBG(TAG, "%s: %s", argv[0], err);
	return data;
}

int command_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -E2BIG;
		if (*p == '"') {
			char *end = strchr(++p, '"');

			if (!end)
				return -EINVAL;
			*end = 0;
			argv[argc++] = p;
			p = end + 1;
			continue;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = 0;
	}
}

int command_config_load(struct command_ctx *ctx, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[VFLAG_CTL_MAX_LINE];
	char msg[1024];
	unsigned lineno = 0;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		char *argv[VFLAG_CTL_MAX_ARGS + 1];
		int argc, error = 0;
		bool usage = false;
		json_t *data;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			ret = -E2BIG;
			break;
		}
		argc = command_split(line, argv, VFLAG_CTL_MAX_ARGS);
		if (argc < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
				 argc == -E2BIG ? "too many words" : "unterminated quote");
			ret = argc;
			break;
		}
		if (argc == 0)
			continue;
		argv[argc] = NULL;
		msg[0] = 0;
		data = command_run(ctx, argc, argv, &error, &usage, msg, sizeof(msg));
		json_decref(data);
		if (error) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			ret = -error;
			break;
		}
	}
	fclose(f);
	if (ret) {
		/* All or nothing: what the lines before did is undone. */
		command_teardown(ctx, true, msg, sizeof(msg));
	}
	return ret;
}

void command_link_event(struct command_ctx *ctx, const struct nl_link_event *ev)
{
	struct pf *pf = eswitch_link_event(ctx->sw, ev);
	struct bond *bond = pf ? cmd_pf_bond(ctx, pf) : NULL;

	if (bond)
		bond_link_changed(bond, pf, clock_now_ms());
}

void command_tick(struct command_ctx *ctx, uint64_t now)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (ctx->bonds[i])
			bond_run(ctx->bonds[i], now);
}
