/* Command dispatch: a table of object/verb pairs, each with its handler,
 * turning the words of doc/ctl.md into calls of the daemon's API
 * (daemon/daemon.h) and its replies (reply_eswitch, reply_bond). Usage
 * errors quote the shared synopsis table (synopsis.h). */
#include "ctl/command.h"
#include "ctl/command_impl.h"
#include "eswitch/eswitch_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "ctl/command_flow.h"
#include "ctl/command_job.h"
#include "ctl/reply_bond.h"
#include "ctl/reply_eswitch.h"
#include "ctl/synopsis.h"
#include "lag/flow_spec.h"
#include "vflag/ctl.h"

#define TAG "cmd"

json_t *cmd_fail(struct cmd_res *r, int error, bool usage, const char *fmt, ...)
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
json_t *cmd_check(struct cmd_res *r, int ret)
{
	if (ret)
		return cmd_fail(r, ret, ret == -EINVAL, NULL);
	return NULL;
}

struct pf *cmd_pf(struct vflagd *d, const char *name, struct cmd_res *r)
{
	struct pf *pf =
	    vflagd_eswitch(d) ? eswitch_pf_find(vflagd_eswitch(d), name) : NULL;

	if (!pf)
		cmd_fail(r, ENOENT, false,
			 "no PF named %s (see `vflagctl show`)", name);
	return pf;
}

struct vflagd_bond *cmd_bond(struct vflagd *d, const char *name,
			     struct cmd_res *r)
{
	struct vflagd_bond *b = vflagd_bond_find(d, name);

	if (!b)
		cmd_fail(r, ENOENT, false,
			 "no bond named %s (see `vflagctl bond show`)", name);
	return b;
}

/* A usage error quoting the synopsis table's lines for object [verb]. */
json_t *cmd_usage(struct cmd_res *r, const char *object, const char *verb)
{
	ctl_synopsis_usage(object, verb, r->err, r->errlen);
	return cmd_fail(r, EINVAL, true, NULL);
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

/* What a restarted vflagd took over from its predecessor (doc/ctl.md). */
static void add_adopted(struct vflagd *d, json_t *data)
{
	unsigned pfs, vfs, bonds;
	bool adopted = vflagd_adopted(d, &pfs, &vfs, &bonds);

	json_object_set_new(data, "adopted", json_boolean(adopted));
	json_object_set_new(data, "adopted_counts",
			    json_pack("{s:i, s:i, s:i}", "pfs", (int)pfs, "vfs",
				      (int)vfs, "bonds", (int)bonds));
}

static json_t *pf_show(struct vflagd *d, int argc, char **argv,
		       struct cmd_res *r)
{
	json_t *data, *bonds;
	struct vflagd_bond *b;

	if (argc > 1)
		return cmd_usage(r, "pf", "show");
	if (!vflagd_eswitch(d))
		return cmd_fail(r, ENODEV, false, "no eswitch");
	data = reply_eswitch_pfs(vflagd_eswitch(d), argc ? argv[0] : NULL,
				 vflagd_lag_name, d, r->err, r->errlen);
	if (!data)
		return cmd_fail(r, ENOENT, false, NULL);
	bonds = json_array();
	for (unsigned i = 0; (b = vflagd_bond_at(d, i)); i++)
		json_array_append_new(bonds, json_string(vflagd_bond_name(b)));
	json_object_set_new(data, "bonds", bonds);
	add_adopted(d, data);
	return data;
}

/* A config replayed over what a restarted vflagd adopted: the line that
 * made an adopted PF, word for word, is done already (no flap). */
static bool pf_add_adopted(struct vflagd *d, const char *name, const char *dev,
			   const char *pci)
{
	struct pf *pf =
	    vflagd_eswitch(d) ? eswitch_pf_find(vflagd_eswitch(d), name) : NULL;
	struct eswitch_pf_status st;

	if (!pf || !eswitch_pf_adopted(pf))
		return false;
	eswitch_pf_status(vflagd_eswitch(d), pf, &st);
	return !strcmp(st.dev, dev) && (!pci || !strcmp(st.pci, pci));
}

static bool bond_config_equal(const struct bond_config *a,
			      const struct bond_config *b)
{
	return a->mode == b->mode && a->miimon == b->miimon &&
	       a->updelay == b->updelay && a->downdelay == b->downdelay &&
	       !strcmp(a->primary, b->primary) &&
	       a->hash_policy == b->hash_policy &&
	       a->lacp_rate == b->lacp_rate &&
	       a->lacp_active == b->lacp_active &&
	       a->ad_select == b->ad_select && a->min_links == b->min_links &&
	       a->sys_prio == b->sys_prio;
}

/* `bond add` of a bond a restarted vflagd adopted: the config wins, but
 * only what differs is changed; an identical line changes nothing. */
static json_t *bond_add_adopted(struct vflagd *d, struct vflagd_bond *b,
				const struct bond_config *cfg, int nmembers,
				char **members, struct cmd_res *r)
{
	struct bond *bond = vflagd_bond_bond(b);
	struct bond_status *st = malloc(sizeof(*st));
	struct bond_config now;
	int ret = 0;

	if (!st)
		return cmd_fail(r, ENOMEM, false, "out of memory");
	bond_get_config(bond, &now);
	if (!bond_config_equal(&now, cfg))
		ret = vflagd_bond_reconfigure(d, b, cfg, r->err, r->errlen);
	bond_get_status(bond, st);
	for (unsigned i = 0; !ret && i < st->nmembers; i++) {
		bool listed = false;

		for (int m = 0; m < nmembers; m++)
			listed |= !strcmp(members[m], st->members[i].port.name);
		if (!listed)
			ret = vflagd_bond_member_del(
			    d, b,
			    eswitch_pf_find(vflagd_eswitch(d),
					    st->members[i].port.name),
			    r->err, r->errlen);
	}
	for (int m = 0; !ret && m < nmembers; m++)
		if (bond_member_find(bond, members[m]) < 0)
			ret = vflagd_bond_member_add(
			    d, b,
			    eswitch_pf_find(vflagd_eswitch(d), members[m]),
			    r->err, r->errlen);
	free(st);
	return cmd_check(r, ret);
}

static json_t *pf_add(struct vflagd *d, int argc, char **argv,
		      struct cmd_res *r)
{
	const char *pci = NULL;

	if ((argc != 3 && argc != 5) || strcmp(argv[1], "dev") ||
	    (argc == 5 && strcmp(argv[3], "pci")))
		return cmd_usage(r, "pf", "add");
	if (argc == 5)
		pci = argv[4];
	if (pf_add_adopted(d, argv[0], argv[2], pci))
		return NULL;
	return cmd_check(r, eswitch_pf_add(vflagd_eswitch(d), argv[0], argv[2],
					   pci, r->err, r->errlen));
}

static json_t *pf_set(struct vflagd *d, int argc, char **argv,
		      struct cmd_res *r)
{
	bool force = take_force(&argc, argv);
	struct pf *pf;
	uint32_t n;
	bool on;

	if (argc < 3)
		return cmd_usage(r, "pf", "set");
	pf = cmd_pf(d, argv[0], r);
	if (!pf)
		return NULL;
	if (!strcmp(argv[1], "numvfs")) {
		enum vf_type type = VF_TYPE_VETH;

		if (parse_u32(argv[2], 0, ESWITCH_MAX_VFS, &n))
			return cmd_fail(r, EINVAL, true,
					"numvfs is 0..%d, not '%s'",
					ESWITCH_MAX_VFS, argv[2]);
		if (argc == 5 && !strcmp(argv[3], "type") &&
		    !strcmp(argv[4], "tap"))
			type = VF_TYPE_TAP;
		else if (!(argc == 3 ||
			   (argc == 5 && !strcmp(argv[3], "type") &&
			    !strcmp(argv[4], "veth"))))
			return cmd_usage(r, "pf", "set");
		return cmd_check(r,
				 command_job_numvfs(d, r->call, pf, n, type,
						    force, r->err, r->errlen));
	}
	if (!strcmp(argv[1], "spoofchk") && argc == 3) {
		if (parse_bool(argv[2], &on))
			return cmd_fail(r, EINVAL, true,
					"spoofchk is on or off, not '%s'",
					argv[2]);
		return cmd_check(
		    r, eswitch_pf_set_spoofchk(vflagd_eswitch(d), pf, on));
	}
	if (!strcmp(argv[1], "hw-tc-offload") && argc == 3)
		return cmd_pf_hw_tc_offload(d, pf, argv[2], r);
	return cmd_fail(r, EINVAL, true,
			"unknown PF setting '%s': numvfs, spoofchk or "
			"hw-tc-offload",
			argv[1]);
}

static json_t *pf_del(struct vflagd *d, int argc, char **argv,
		      struct cmd_res *r)
{
	bool force = take_force(&argc, argv);
	struct pf *pf;

	if (argc != 1)
		return cmd_usage(r, "pf", "del");
	pf = cmd_pf(d, argv[0], r);
	if (!pf)
		return NULL;
	return cmd_check(r, vflagd_pf_del(d, pf, force, r->err, r->errlen));
}

static bool word_bad(struct cmd_res *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A usage error on a bad word; false, for the word parsers to return. */
static bool word_bad(struct cmd_res *r, const char *fmt, ...)
{
	va_list ap;

	r->error = EINVAL;
	r->usage = true;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* The isolation words of `vf set` (as `ip link set DEV vf N` has them),
 * applied to *pol; returns true if word i (with its value) was one,
 * false with r failed on a bad value or an unknown word. *have says
 * whether any was given, vlan_seen whether qos/proto may follow. */
static bool vf_policy_word(char **argv, int i, struct eswitch_vf_policy *pol,
			   bool *have, bool *vlan_seen, struct cmd_res *r)
{
	const char *w = argv[i], *v = argv[i + 1];
	uint32_t n;
	bool on;

	if (!strcmp(w, "vlan")) {
		if (parse_u32(v, 0, 4094, &n))
			return word_bad(
			    r, "vlan is 1..4094, or 0 for none, not '%s'", v);
		/* As ip link: a vlan without qos or proto resets them. */
		pol->vlan = (uint16_t)n;
		pol->qos = 0;
		pol->vlan_proto = 0x8100;
		*vlan_seen = true;
	} else if (!strcmp(w, "qos") || !strcmp(w, "proto")) {
		if (!*vlan_seen)
			return word_bad(r,
					"%s follows a vlan: vlan VID [qos PCP] "
					"[proto 802.1Q|802.1ad]",
					w);
		if (!strcmp(w, "qos")) {
			if (parse_u32(v, 0, 7, &n))
				return word_bad(
				    r, "qos is a PCP, 0..7, not '%s'", v);
			pol->qos = (uint8_t)n;
		} else if (!strcasecmp(v, "802.1Q")) {
			pol->vlan_proto = 0x8100;
		} else if (!strcasecmp(v, "802.1ad")) {
			pol->vlan_proto = 0x88a8;
		} else {
			return word_bad(
			    r, "proto is 802.1Q or 802.1ad, not '%s'", v);
		}
	} else if (!strcmp(w, "spoofchk") || !strcmp(w, "trust")) {
		if (parse_bool(v, &on))
			return word_bad(r, "%s is on or off, not '%s'", w, v);
		*(w[0] == 's' ? &pol->spoofchk : &pol->trust) = on;
	} else if (!strcmp(w, "max_tx_rate")) {
		if (parse_u32(v, 0, ESWITCH_MAX_TX_RATE, &n))
			return word_bad(r,
					"max_tx_rate is 0 (unlimited) to %u "
					"Mbit/s, not '%s'",
					ESWITCH_MAX_TX_RATE, v);
		pol->max_tx_rate = n;
	} else if (!strcmp(w, "storm_pps") || !strcmp(w, "storm_burst")) {
		if (parse_u32(v, 0, ESWITCH_MAX_STORM_PPS, &n))
			return word_bad(
			    r, "%s is 0..%u packets%s, not '%s'", w,
			    ESWITCH_MAX_STORM_PPS,
			    w[6] == 'p' ? " per second (0: no limit)" : "", v);
		*(w[6] == 'p' ? &pol->storm_pps : &pol->storm_burst) = n;
	} else {
		return cmd_fail(r, EINVAL, true,
				"unknown VF setting '%s': mac, netns, vlan, "
				"qos, proto, spoofchk, trust, "
				"max_tx_rate, storm_pps, storm_burst or state",
				w),
		       false;
	}
	*have = true;
	return true;
}

static json_t *vf_set(struct vflagd *d, int argc, char **argv,
		      struct cmd_res *r)
{
	struct eswitch_vf_policy pol = {0}, old = {0};
	bool have_mac = false, have_pol = false, vlan_seen = false;
	const char *netns = NULL;
	uint8_t mac[6];
	enum vf_link_state state = VF_LINK_AUTO;
	bool have_state = false;
	struct pf *pf;
	uint32_t n;
	int ret;

	if (argc < 5 || strcmp(argv[1], "vf") || (argc % 2) == 0)
		return cmd_usage(r, "vf", "set");
	if (parse_u32(argv[2], 0, ESWITCH_MAX_VFS - 1, &n))
		return cmd_fail(r, EINVAL, true, "VF number is 0..%d, not '%s'",
				ESWITCH_MAX_VFS - 1, argv[2]);
	/* The words are checked once before the PF is looked up (so a bad
	 * word is a usage error whatever exists), then applied to the VF's
	 * current settings. */
	for (int pass = 0; pass < 2; pass++) {
		vlan_seen = false;
		for (int i = 3; i < argc; i += 2) {
			if (!strcmp(argv[i], "mac")) {
				if (mac_parse(argv[i + 1], mac))
					return cmd_fail(
					    r, EINVAL, true,
					    "bad MAC '%s': expected "
					    "xx:xx:xx:xx:xx:xx",
					    argv[i + 1]);
				have_mac = true;
			} else if (!strcmp(argv[i], "netns")) {
				netns = argv[i + 1];
			} else if (!strcmp(argv[i], "state")) {
				if (vf_link_state_parse(argv[i + 1], &state))
					return cmd_fail(r, EINVAL, true,
							"bad state '%s': auto, "
							"enable or disable",
							argv[i + 1]);
				have_state = true;
			} else if (!vf_policy_word(argv, i, &pol, &have_pol,
						   &vlan_seen, r)) {
				return NULL;
			}
		}
		if (pass)
			break;
		pf = cmd_pf(d, argv[0], r);
		if (!pf)
			return NULL;
		if (!have_pol)
			break;
		ret = eswitch_vf_get_policy(vflagd_eswitch(d), pf, n, &pol);
		if (ret)
			return cmd_fail(
			    r, ret, false,
			    "%s has no VF %u (see `vflagctl vf show %s`)",
			    argv[0], n, argv[0]);
		old = pol;
	}
	if (have_pol) {
		ret = eswitch_vf_set_policy(vflagd_eswitch(d), pf, n, &pol,
					    r->err, r->errlen);
		if (ret)
			return cmd_check(r, ret);
	}
	if (have_state) {
		ret = eswitch_vf_set_state(vflagd_eswitch(d), pf, n, state,
					   r->err, r->errlen);
		if (ret)
			goto restore_policy;
	}
	ret = eswitch_vf_set(vflagd_eswitch(d), pf, n, have_mac ? mac : NULL,
			     netns, r->err, r->errlen);
	if (!ret)
		return NULL;
restore_policy:
	/* All or nothing: the settings go back if what followed failed (a
	 * link state set stays: it changes nothing a retry could not). */
	if (have_pol)
		eswitch_vf_set_policy(vflagd_eswitch(d), pf, n, &old, NULL, 0);
	return cmd_check(r, ret);
}

static json_t *vf_show(struct vflagd *d, int argc, char **argv,
		       struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_usage(r, "vf", "show");
	data = reply_eswitch_vfs(vflagd_eswitch(d), argc ? argv[0] : NULL,
				 r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

static json_t *bond_add(struct vflagd *d, int argc, char **argv,
			struct cmd_res *r)
{
	struct bond_config cfg;
	bool mode_seen = false;
	struct vflagd_bond *b, *other;
	int used, ret;

	if (argc < 1)
		return cmd_usage(r, "bond", "add");
	if (!eswitch_name_valid(argv[0]))
		return cmd_fail(r, EINVAL, true,
				"bad bond name '%s': 1 to %d characters a-z, "
				"0-9, starting with a letter",
				argv[0], ESWITCH_PF_NAME_MAX);
	b = vflagd_bond_find(d, argv[0]);
	if (b &&
	    !vflagd_adopted(d, &(unsigned){0}, &(unsigned){0}, &(unsigned){0}))
		return cmd_fail(r, EEXIST, false, "bond %s exists already",
				argv[0]);
	bond_config_init(&cfg);
	used = bond_config_parse(&cfg, argc - 1, argv + 1, &mode_seen, r->err,
				 r->errlen);
	if (used < 0)
		return cmd_fail(r, EINVAL, true, NULL);
	if (!mode_seen)
		return cmd_fail(r, EINVAL, true,
				"bond add needs a mode: active-backup, "
				"balance-xor or 802.3ad");
	/* Check every member before creating anything. */
	for (int i = 2 + used; i < argc; i++) {
		struct pf *pf = cmd_pf(d, argv[i], r);

		if (!pf)
			return NULL;
		other = vflagd_pf_bond(d, pf);
		if (other && other != b)
			return cmd_fail(r, EBUSY, false,
					"%s is already a member of bond %s",
					argv[i], vflagd_bond_name(other));
	}
	if (1 + used < argc && argc == 2 + used)
		return cmd_fail(r, EINVAL, true,
				"members needs at least one PF");
	if (b)
		return bond_add_adopted(
		    d, b, &cfg, argc - 2 - used > 0 ? argc - 2 - used : 0,
		    argv + 2 + used, r);
	ret = vflagd_bond_add(d, argv[0], &cfg, &b, r->err, r->errlen);
	if (ret)
		return cmd_fail(r, ret, false, NULL);
	for (int i = 2 + used; i < argc; i++) {
		ret = vflagd_bond_member_add(
		    d, b, eswitch_pf_find(vflagd_eswitch(d), argv[i]), r->err,
		    r->errlen);
		if (ret) {
			vflagd_bond_del(d, b, true, NULL, 0);
			return cmd_fail(r, ret, false, NULL);
		}
	}
	return NULL;
}

static json_t *bond_set(struct vflagd *d, int argc, char **argv,
			struct cmd_res *r)
{
	struct bond_config cfg;
	struct vflagd_bond *b;
	int used;

	if (argc < 3)
		return cmd_usage(r, "bond", "set");
	b = cmd_bond(d, argv[0], r);
	if (!b)
		return NULL;
	bond_get_config(vflagd_bond_bond(b), &cfg);
	used = bond_config_parse(&cfg, argc - 1, argv + 1, NULL, r->err,
				 r->errlen);
	if (used < 0)
		return cmd_fail(r, EINVAL, true, NULL);
	if (used != argc - 1)
		return cmd_fail(r, EINVAL, true,
				"bond set takes options only; use `bond member "
				"add|del` for members");
	return cmd_check(
	    r, vflagd_bond_reconfigure(d, b, &cfg, r->err, r->errlen));
}

static json_t *bond_member(struct vflagd *d, int argc, char **argv,
			   struct cmd_res *r)
{
	struct vflagd_bond *b;
	struct pf *pf;

	if (argc != 3 || (strcmp(argv[0], "add") && strcmp(argv[0], "del")))
		return cmd_usage(r, "bond", "member");
	b = cmd_bond(d, argv[1], r);
	pf = b ? cmd_pf(d, argv[2], r) : NULL;
	if (!pf)
		return NULL;
	if (!strcmp(argv[0], "add"))
		return cmd_check(
		    r, vflagd_bond_member_add(d, b, pf, r->err, r->errlen));
	return cmd_check(r,
			 vflagd_bond_member_del(d, b, pf, r->err, r->errlen));
}

static json_t *bond_del(struct vflagd *d, int argc, char **argv,
			struct cmd_res *r)
{
	bool force = take_force(&argc, argv);
	struct vflagd_bond *b;

	if (argc != 1)
		return cmd_usage(r, "bond", "del");
	b = cmd_bond(d, argv[0], r);
	if (!b)
		return NULL;
	return cmd_check(r, vflagd_bond_del(d, b, force, r->err, r->errlen));
}

static json_t *bond_show(struct vflagd *d, int argc, char **argv,
			 struct cmd_res *r)
{
	struct vflagd_bond *b;
	json_t *bonds;

	if (argc > 1)
		return cmd_usage(r, "bond", "show");
	if (argc && !cmd_bond(d, argv[0], r))
		return NULL;
	bonds = json_array();
	for (unsigned i = 0; (b = vflagd_bond_at(d, i)); i++)
		if (!argc || !strcmp(argv[0], vflagd_bond_name(b))) {
			struct bond_status st;

			json_t *j;

			bond_get_status(vflagd_bond_bond(b), &st);
			j = reply_bond_json(&st);
			cmd_bond_switchdev(d, b, j);
			json_array_append_new(bonds, j);
		}
	return json_pack("{s:o}", "bonds", bonds);
}

static json_t *bond_xmit(struct vflagd *d, int argc, char **argv,
			 struct cmd_res *r)
{
	uint8_t frame[1600];
	size_t len;
	struct vflagd_bond *b;
	struct bond_xmit x;

	if (argc < 2)
		return cmd_usage(r, "bond", "xmit-member");
	b = cmd_bond(d, argv[0], r);
	if (!b)
		return NULL;
	if (flow_spec_parse(argc - 1, argv + 1, frame, sizeof(frame), &len,
			    r->err, r->errlen))
		return cmd_fail(r, EINVAL, true, NULL);
	bond_xmit_member(vflagd_bond_bond(b), frame, len, &x);
	return reply_bond_xmit_json(vflagd_bond_name(b), &x);
}

static json_t *stats(struct vflagd *d, int argc, char **argv, struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_usage(r, "stats", NULL);
	data = reply_eswitch_stats(vflagd_eswitch(d), argc ? argv[0] : NULL,
				   r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

static json_t *map_rep(struct vflagd *d, int argc, char **argv,
		       struct cmd_res *r)
{
	json_t *data;

	if (argc > 1)
		return cmd_usage(r, "map-rep", NULL);
	data = reply_eswitch_map_rep(vflagd_eswitch(d), argc ? argv[0] : NULL,
				     r->err, r->errlen);
	return data ? data : cmd_fail(r, ENOENT, false, NULL);
}

static json_t *teardown(struct vflagd *d, int argc, char **argv,
			struct cmd_res *r)
{
	bool force = take_force(&argc, argv);

	if (argc)
		return cmd_usage(r, "teardown", NULL);
	return cmd_check(
	    r, command_job_teardown(d, r->call, force, r->err, r->errlen));
}

static json_t *log_cmd(struct vflagd *d, int argc, char **argv,
		       struct cmd_res *r)
{
	enum log_level level;

	if (argc != 2 || strcmp(argv[0], "level") ||
	    log_level_parse(argv[1], &level))
		return cmd_usage(r, "log", NULL);
	log_set_level(level);
	return NULL;
}

/* The offload table's commands live in command_flow.c. */
#define FLOW_CMD(name)                                                         \
	static json_t *flow_##name(struct vflagd *d, int argc, char **argv,    \
				   struct cmd_res *r)                          \
	{                                                                      \
		return command_flow_##name(d, argc, argv, &r->error,           \
					   &r->usage, r->err, r->errlen);      \
	}
FLOW_CMD(add)
FLOW_CMD(del)
FLOW_CMD(show)

typedef json_t *(*cmd_fn)(struct vflagd *d, int argc, char **argv,
			  struct cmd_res *r);

static const struct {
	const char *object;
	const char *verb; /* NULL: the object takes no verb */
	cmd_fn fn;
} commands[] = {
    {"show", NULL, pf_show},
    {"pf", "add", pf_add},
    {"pf", "set", pf_set},
    {"pf", "del", pf_del},
    {"pf", "show", pf_show},
    {"vf", "set", vf_set},
    {"vf", "show", vf_show},
    {"bond", "add", bond_add},
    {"bond", "set", bond_set},
    {"bond", "member", bond_member},
    {"bond", "del", bond_del},
    {"bond", "show", bond_show},
    {"bond", "xmit-member", bond_xmit},
    {"flow", "add", flow_add},
    {"flow", "del", flow_del},
    {"flow", "show", flow_show},
    {"stats", NULL, stats},
    {"map-rep", NULL, map_rep},
    {"eswitch", "set", cmd_eswitch_set},
    {"eswitch", "show", cmd_eswitch_show},
    {"teardown", NULL, teardown},
    {"log", NULL, log_cmd},
};

json_t *command_run(void *vctx, struct ctl_call *call, int argc, char **argv,
		    int *error, bool *usage, char *err, size_t errlen)
{
	struct cmd_res r = {.err = err, .errlen = errlen, .call = call};
	bool object_known = false;
	json_t *data = NULL;
	size_t i;
	int ret;

	/* A long operation holds its PF (every PF, a teardown) until it
	 * ends; whatever would change it meanwhile is refused. */
	ret = command_job_busy(vctx, argc, argv, err, errlen);
	if (ret) {
		*error = -ret;
		*usage = false;
		return NULL;
	}
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
			cmd_fail(
			    &r, EINVAL, true,
			    "unknown command '%s %s': see `vflagctl %s help`",
			    argv[0], argc > 1 ? argv[1] : "", argv[0]);
		else
			cmd_fail(&r, EINVAL, true,
				 "unknown object '%s': see `vflagctl help`",
				 argv[0]);
	}
	/* Ports may have come or gone, modes changed: rules follow their
	 * names, the bridge's rules the ports. */
	if (!r.error && i < ARRAY_SIZE(commands) && commands[i].verb &&
	    strcmp(commands[i].verb, "show") &&
	    strcmp(commands[i].verb, "xmit-member")) {
		if (!strcmp(argv[0], "pf") || !strcmp(argv[0], "bond") ||
		    !strcmp(argv[0], "eswitch"))
			vflagd_offload_changed(vctx);
		else
			vflagd_bridge_sync(vctx);
	}
	/* The state file follows every change, so a vflagd killed right
	 * after a command is restarted with it (no-op if nothing changed). */
	vflagd_state_save(vctx);
	*error = r.error;
	*usage = r.usage;
	if (r.error)
		LOG_DBG(TAG, "%s: %s", argv[0], err);
	return data;
}
