/* Unit tests of the bond's option table and enum tables
 * (src/lag/bond_config.c): every documented word, every refusal, and the
 * round trip name <-> value of each enum. No privileges needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/vflag_dp.h"
#include "lacp/lacp.h"
#include "lag/bond_config.h"
#include "lag/xmit_hash.h"

/* Splits the words of `line` (at most 32) into argv, in buf. */
static int split(const char *line, char *buf, size_t cap, char **argv)
{
	int argc = 0;

	snprintf(buf, cap, "%s", line);
	for (char *w = strtok(buf, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	return argc;
}

/* ---- bond_config_parse ---- */

static int parse_line(const char *line, struct bond_config *cfg,
		      bool *mode_seen, char *err, size_t errlen)
{
	char buf[512], *argv[32];
	int argc = split(line, buf, sizeof(buf), argv);

	bond_config_init(cfg);
	*mode_seen = false;
	err[0] = 0;
	return bond_config_parse(cfg, argc, argv, mode_seen, err, errlen);
}

/* Every option doc/ctl.md lists, with every spelled value. */
static void test_config_parse_accepts_documented(void **state)
{
	static const struct {
		const char *word;
		enum bond_mode mode;
	} modes[] = {
	    {"active-backup", BOND_MODE_ACTIVE_BACKUP},
	    {"1", BOND_MODE_ACTIVE_BACKUP},
	    {"balance-xor", BOND_MODE_XOR},
	    {"2", BOND_MODE_XOR},
	    {"802.3ad", BOND_MODE_8023AD},
	    {"4", BOND_MODE_8023AD},
	};
	static const struct {
		const char *word;
		uint32_t policy;
	} policies[] = {
	    {"layer2", VFLAG_HASH_LAYER2},    {"layer2+3", VFLAG_HASH_LAYER23},
	    {"layer3+4", VFLAG_HASH_LAYER34}, {"encap2+3", VFLAG_HASH_ENCAP23},
	    {"encap3+4", VFLAG_HASH_ENCAP34},
	};
	struct bond_config cfg, def;
	char line[128], err[256];
	bool seen;

	(void)state;
	/* all of them at once, up to "members" */
	assert_int_equal(
	    parse_line("mode balance-xor miimon 50 updelay 200 downdelay 300 "
		       "primary pfb xmit_hash_policy layer3+4 lacp_rate fast "
		       "lacp_active off ad_select bandwidth min_links 2 "
		       "sys_prio 100 members pfa pfb",
		       &cfg, &seen, err, sizeof(err)),
	    22);
	assert_true(seen);
	assert_int_equal(cfg.mode, BOND_MODE_XOR);
	assert_int_equal(cfg.miimon, 50);
	assert_int_equal(cfg.updelay, 200);
	assert_int_equal(cfg.downdelay, 300);
	assert_string_equal(cfg.primary, "pfb");
	assert_int_equal(cfg.hash_policy, VFLAG_HASH_LAYER34);
	assert_int_equal(cfg.lacp_rate, LACP_RATE_FAST);
	assert_false(cfg.lacp_active);
	assert_int_equal(cfg.ad_select, LACP_SELECT_BANDWIDTH);
	assert_int_equal(cfg.min_links, 2);
	assert_int_equal(cfg.sys_prio, 100);

	/* no mode word: mode_seen stays false, the default stays */
	bond_config_init(&def);
	assert_int_equal(parse_line("miimon 0", &cfg, &seen, err, sizeof(err)),
			 2);
	assert_false(seen);
	assert_int_equal(cfg.mode, def.mode);
	assert_int_equal(cfg.miimon, 0);
	assert_int_equal(parse_line("", &cfg, &seen, err, sizeof(err)), 0);

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(line, sizeof(line), "mode %s", modes[i].word);
		assert_int_equal(
		    parse_line(line, &cfg, &seen, err, sizeof(err)), 2);
		assert_true(seen);
		assert_int_equal(cfg.mode, modes[i].mode);
	}
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(line, sizeof(line), "xmit_hash_policy %s",
			 policies[i].word);
		assert_int_equal(
		    parse_line(line, &cfg, &seen, err, sizeof(err)), 2);
		assert_int_equal(cfg.hash_policy, policies[i].policy);
	}
	assert_int_equal(parse_line("lacp_rate fast lacp_rate slow", &cfg,
				    &seen, err, sizeof(err)),
			 4);
	assert_int_equal(cfg.lacp_rate, LACP_RATE_SLOW);
	assert_int_equal(parse_line("lacp_active off lacp_active on", &cfg,
				    &seen, err, sizeof(err)),
			 4);
	assert_true(cfg.lacp_active);
	assert_int_equal(
	    parse_line("ad_select count", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.ad_select, LACP_SELECT_COUNT);
	assert_int_equal(parse_line("ad_select bandwidth ad_select stable",
				    &cfg, &seen, err, sizeof(err)),
			 4);
	assert_int_equal(cfg.ad_select, LACP_SELECT_STABLE);
	/* primary none clears it */
	assert_int_equal(parse_line("primary pfa primary none", &cfg, &seen,
				    err, sizeof(err)),
			 4);
	assert_string_equal(cfg.primary, "");
	/* the edges of every range */
	assert_int_equal(parse_line("miimon 3600000 updelay 0 downdelay "
				    "3600000 min_links 0 sys_prio 1",
				    &cfg, &seen, err, sizeof(err)),
			 10);
	assert_int_equal(cfg.miimon, 3600000);
	assert_int_equal(cfg.downdelay, 3600000);
	assert_int_equal(cfg.sys_prio, 1);
	snprintf(line, sizeof(line), "min_links %d sys_prio 65535",
		 VFLAG_MAX_LAG_MEMBERS);
	assert_int_equal(parse_line(line, &cfg, &seen, err, sizeof(err)), 4);
	assert_int_equal(cfg.min_links, VFLAG_MAX_LAG_MEMBERS);
	assert_int_equal(cfg.sys_prio, 65535);
	/* a primary of the longest PF name */
	assert_int_equal(
	    parse_line("primary abcdefgh", &cfg, &seen, err, sizeof(err)), 2);
	assert_string_equal(cfg.primary, "abcdefgh");
}

/* A bad value is refused with a message that names the option. */
static void test_config_parse_refuses(void **state)
{
	static const struct {
		const char *line;
		const char *named; /* the message must contain it */
	} bad[] = {
	    {"mode 3", "mode"},
	    {"mode balance-rr", "mode"},
	    {"mode", "mode"},
	    {"miimon -1", "miimon"},
	    {"miimon 3600001", "miimon"},
	    {"miimon 10ms", "miimon"},
	    {"miimon", "miimon"},
	    {"updelay x", "updelay"},
	    {"downdelay 99999999999999999999", "downdelay"},
	    {"primary pfaaaaaaa", "primary"},
	    {"xmit_hash_policy layer4", "xmit_hash_policy"},
	    {"xmit_hash_policy", "xmit_hash_policy"},
	    {"lacp_rate medium", "lacp_rate"},
	    {"lacp_active maybe", "lacp_active"},
	    {"ad_select random", "ad_select"},
	    {"min_links 9", "min_links"},
	    {"min_links -1", "min_links"},
	    {"sys_prio 0", "sys_prio"},
	    {"sys_prio 65536", "sys_prio"},
	    {"speed 10", "speed"},
	    {"miimon 100 lacp_rate sometimes", "lacp_rate"},
	};
	struct bond_config cfg;
	char err[256];
	bool seen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret =
		    parse_line(bad[i].line, &cfg, &seen, err, sizeof(err));

		if (ret != -EINVAL)
			fail_msg("'%s': returned %d, expected -EINVAL",
				 bad[i].line, ret);
		if (!strstr(err, bad[i].named))
			fail_msg("'%s': message \"%s\" does not name %s",
				 bad[i].line, err, bad[i].named);
	}
}

/* The exact messages tests/unit/ctl and doc/ctl.md give. */
static void test_config_parse_messages(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
	    {"mode balance-rr",
	     "unknown bond mode 'balance-rr': use active-backup (1), "
	     "balance-xor (2) or 802.3ad (4)"},
	    {"mode", "mode needs a value"},
	    {"miimon x", "miimon wants milliseconds (0..3600000), not 'x'"},
	    {"primary P", "primary 'P' is not a PF name (or none)"},
	    {"xmit_hash_policy layer5",
	     "unknown xmit_hash_policy 'layer5': use layer2, layer2+3, "
	     "layer3+4, encap2+3 or encap3+4"},
	    {"lacp_rate medium", "lacp_rate is slow or fast, not 'medium'"},
	    {"lacp_active maybe", "lacp_active is on or off, not 'maybe'"},
	    {"ad_select random",
	     "ad_select is stable, bandwidth or count, not 'random'"},
	    {"min_links 9", "min_links is 0..8, not '9'"},
	    {"sys_prio 0", "sys_prio is 1..65535, not '0'"},
	    {"speed 10",
	     "unknown bond option 'speed': see `vflagctl bond help`"},
	};
	struct bond_config cfg;
	char err[256];
	bool seen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    parse_line(bad[i].line, &cfg, &seen, err, sizeof(err)),
		    -EINVAL);
		assert_string_equal(err, bad[i].msg);
	}
}

/* Numbers as Linux's sysfs takes them, for every enum option. */
static void test_config_parse_numbers(void **state)
{
	struct bond_config cfg;
	char err[256];
	bool seen;

	(void)state;
	assert_int_equal(
	    parse_line("xmit_hash_policy 1", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.hash_policy, VFLAG_HASH_LAYER34);
	assert_int_equal(
	    parse_line("xmit_hash_policy 2", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.hash_policy, VFLAG_HASH_LAYER23);
	assert_int_equal(
	    parse_line("xmit_hash_policy 4", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.hash_policy, VFLAG_HASH_ENCAP34);
	assert_int_equal(
	    parse_line("lacp_rate 1", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.lacp_rate, LACP_RATE_FAST);
	assert_int_equal(
	    parse_line("ad_select 2", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.ad_select, LACP_SELECT_COUNT);
	assert_int_equal(parse_line("mode lacp", &cfg, &seen, err, sizeof(err)),
			 2);
	assert_int_equal(cfg.mode, BOND_MODE_8023AD);
	/* only the canonical spelling of a listed number */
	assert_int_equal(parse_line("mode 04", &cfg, &seen, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
	    parse_line("xmit_hash_policy 5", &cfg, &seen, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(
	    parse_line("lacp_rate 2", &cfg, &seen, err, sizeof(err)), -EINVAL);
	assert_int_equal(
	    parse_line("ad_select 3", &cfg, &seen, err, sizeof(err)), -EINVAL);
	assert_int_equal(
	    parse_line("ad_select -1", &cfg, &seen, err, sizeof(err)), -EINVAL);
}

/* Every value's printed word parses back to it, and so does its number. */
static void round_trip(const struct bond_enum *e, const uint32_t *values,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = bond_enum_name(e, values[i]);
		char num[12];
		uint32_t v = 99;

		assert_non_null(name);
		assert_int_equal(bond_enum_parse(e, name, &v), 0);
		assert_int_equal(v, values[i]);
		snprintf(num, sizeof(num), "%u", values[i]);
		v = 99;
		assert_int_equal(bond_enum_parse(e, num, &v), 0);
		assert_int_equal(v, values[i]);
	}
	assert_int_equal(bond_enum_parse(e, "", &(uint32_t){0}), -EINVAL);
	assert_int_equal(bond_enum_parse(e, "bogus", &(uint32_t){0}), -EINVAL);
}

static void test_enum_round_trip(void **state)
{
	static const uint32_t modes[] = {1, 2, 4};
	static const uint32_t policies[] = {0, 1, 2, 3, 4};
	static const uint32_t rates[] = {LACP_RATE_SLOW, LACP_RATE_FAST};
	static const uint32_t selects[] = {
	    LACP_SELECT_STABLE, LACP_SELECT_BANDWIDTH, LACP_SELECT_COUNT};
	static const uint32_t port_selects[] = {
	    VFLAG_PORT_SELECT_HASH, VFLAG_PORT_SELECT_QUEUE_AFFINITY};

	(void)state;
	round_trip(&bond_mode_enum, modes, 3);
	round_trip(&bond_hash_policy_enum, policies, 5);
	round_trip(&bond_lacp_rate_enum, rates, 2);
	round_trip(&bond_ad_select_enum, selects, 3);
	round_trip(&bond_port_select_enum, port_selects, 2);
	assert_string_equal(bond_enum_name(&bond_port_select_enum,
					   VFLAG_PORT_SELECT_QUEUE_AFFINITY),
			    "queue_affinity");
	assert_string_equal(
	    bond_enum_name(&bond_port_select_enum, VFLAG_PORT_SELECT_HASH),
	    "hash");
	/* the printed words */
	assert_string_equal(bond_mode_name(BOND_MODE_ACTIVE_BACKUP),
			    "active-backup");
	assert_string_equal(bond_mode_name(BOND_MODE_XOR), "balance-xor");
	assert_string_equal(bond_mode_name(BOND_MODE_8023AD), "802.3ad");
	assert_string_equal(bond_mode_name((enum bond_mode)3), "?");
	assert_string_equal(bond_enum_name(&bond_hash_policy_enum, 1),
			    "layer3+4");
	assert_string_equal(bond_enum_name(&bond_hash_policy_enum, 2),
			    "layer2+3");
	assert_null(bond_enum_name(&bond_hash_policy_enum, 5));
	assert_string_equal(
	    bond_enum_name(&bond_lacp_rate_enum, LACP_RATE_FAST), "fast");
	assert_string_equal(
	    bond_enum_name(&bond_ad_select_enum, LACP_SELECT_COUNT), "count");
	/* the alias parses, the canonical word prints */
	uint32_t v = 0;
	assert_int_equal(bond_enum_parse(&bond_mode_enum, "lacp", &v), 0);
	assert_string_equal(bond_enum_name(&bond_mode_enum, v), "802.3ad");
}

/* The option table: every key once, findable, each enum with a table. */
static void test_option_table(void **state)
{
	static const char *const keys[] = {
	    "mode",
	    "miimon",
	    "updelay",
	    "downdelay",
	    "primary",
	    "xmit_hash_policy",
	    "lacp_rate",
	    "lacp_active",
	    "ad_select",
	    "min_links",
	    "sys_prio",
	    "lacp_wait_ms",
	    "lacp_wait_shortcut",
	    "port_select",
	};

	(void)state;
	assert_int_equal(bond_options_count, sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < bond_options_count; i++) {
		const struct bond_option *o = bond_option_find(keys[i]);

		assert_non_null(o);
		assert_string_equal(o->key, keys[i]);
		if (o->kind == BOND_OPTION_ENUM)
			assert_non_null(o->names);
	}
	assert_null(bond_option_find("speed"));
}

/* The convergence and port-selection options (issue 10): their
 * defaults, and what they take and refuse. */
static void test_convergence_options(void **state)
{
	struct bond_config cfg;
	char err[256];

	(void)state;
	bond_config_init(&cfg);
	assert_int_equal(cfg.lacp_wait_ms, 2000);
	assert_true(cfg.lacp_wait_shortcut);
	assert_int_equal(cfg.port_select, VFLAG_PORT_SELECT_QUEUE_AFFINITY);

	assert_int_equal(
	    bond_config_set(&cfg, "lacp_wait_ms", "0", err, sizeof(err)), 0);
	assert_int_equal(cfg.lacp_wait_ms, 0);
	assert_int_equal(
	    bond_config_set(&cfg, "lacp_wait_ms", "60001", err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(bond_config_set(&cfg, "lacp_wait_shortcut", "off", err,
					 sizeof(err)),
			 0);
	assert_false(cfg.lacp_wait_shortcut);
	assert_int_equal(
	    bond_config_set(&cfg, "port_select", "hash", err, sizeof(err)), 0);
	assert_int_equal(cfg.port_select, VFLAG_PORT_SELECT_HASH);
	assert_int_equal(
	    bond_config_set(&cfg, "port_select", "multiport", err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "port_select is queue_affinity or hash, not "
				 "'multiport'");
}

/* The LACP state-bit table, shared by vflagd and vflagctl. */
static void test_lacp_state_bits(void **state)
{
	const char *names[8];

	(void)state;
	assert_string_equal(lacp_state_bit_names[0], "activity");
	assert_string_equal(lacp_state_bit_names[3], "in_sync");
	assert_string_equal(lacp_state_bit_names[7], "expired");
	assert_int_equal(
	    lacp_state_names(LACP_STATE_TIMEOUT | LACP_STATE_DEFAULTED, names),
	    2);
	assert_string_equal(names[0], "short_timeout");
	assert_string_equal(names[1], "defaulted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_parse_accepts_documented),
	    cmocka_unit_test(test_config_parse_refuses),
	    cmocka_unit_test(test_config_parse_messages),
	    cmocka_unit_test(test_config_parse_numbers),
	    cmocka_unit_test(test_enum_round_trip),
	    cmocka_unit_test(test_option_table),
	    cmocka_unit_test(test_convergence_options),
	    cmocka_unit_test(test_lacp_state_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
