/* The bond's option table and enum tables (see bond_config.h). */
#include "lag/bond_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpf/vflag_dp.h"
#include "common/util.h"
#include "lag/xmit_hash.h"

static const struct bond_enum_word bond_mode_words[] = {
    {"active-backup", BOND_MODE_ACTIVE_BACKUP},
    {"balance-xor", BOND_MODE_XOR},
    {"802.3ad", BOND_MODE_8023AD},
    {"lacp", BOND_MODE_8023AD},
};

const struct bond_enum bond_mode_enum = {
    .what = "mode",
    .words = bond_mode_words,
    .nwords = ARRAY_SIZE(bond_mode_words),
};

static const char *hash_policy_name(uint32_t value)
{
	return vflag_hash_policy_name(value);
}

static int hash_policy_parse(const char *word, uint32_t *value)
{
	return vflag_hash_policy_parse(word, value);
}

/* xmit_hash.h holds the one table: the datapath and flow_spec use it. */
const struct bond_enum bond_hash_policy_enum = {
    .what = "xmit_hash_policy",
    .name = hash_policy_name,
    .parse = hash_policy_parse,
};

static const struct bond_enum_word bond_lacp_rate_words[] = {
    {"slow", LACP_RATE_SLOW},
    {"fast", LACP_RATE_FAST},
};

const struct bond_enum bond_lacp_rate_enum = {
    .what = "lacp_rate",
    .words = bond_lacp_rate_words,
    .nwords = ARRAY_SIZE(bond_lacp_rate_words),
};

/* Linux's numbering (BOND_AD_STABLE 0, _BANDWIDTH 1, _COUNT 2). */
static const struct bond_enum_word bond_ad_select_words[] = {
    {"stable", LACP_SELECT_STABLE},
    {"bandwidth", LACP_SELECT_BANDWIDTH},
    {"count", LACP_SELECT_COUNT},
};

const struct bond_enum bond_ad_select_enum = {
    .what = "ad_select",
    .words = bond_ad_select_words,
    .nwords = ARRAY_SIZE(bond_ad_select_words),
};

/* devlink's words for lag_port_select_mode. */
static const struct bond_enum_word bond_port_select_words[] = {
    {"queue_affinity", VFLAG_PORT_SELECT_QUEUE_AFFINITY},
    {"hash", VFLAG_PORT_SELECT_HASH},
};

const struct bond_enum bond_port_select_enum = {
    .what = "port_select",
    .words = bond_port_select_words,
    .nwords = ARRAY_SIZE(bond_port_select_words),
};

int bond_enum_parse(const struct bond_enum *e, const char *word,
		    uint32_t *value)
{
	char num[12];

	if (e->parse)
		return e->parse(word, value);
	for (size_t i = 0; i < e->nwords; i++) {
		if (!strcmp(word, e->words[i].word)) {
			*value = e->words[i].value;
			return 0;
		}
	}
	/* Only the canonical spelling of a listed value: "4", not "04". */
	for (size_t i = 0; i < e->nwords; i++) {
		snprintf(num, sizeof(num), "%u", e->words[i].value);
		if (!strcmp(word, num)) {
			*value = e->words[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

const char *bond_enum_name(const struct bond_enum *e, uint32_t value)
{
	if (e->name)
		return e->name(value);
	for (size_t i = 0; i < e->nwords; i++)
		if (e->words[i].value == value)
			return e->words[i].word;
	return NULL;
}

const char *bond_mode_name(enum bond_mode mode)
{
	const char *name = bond_enum_name(&bond_mode_enum, mode);

	return name ? name : "?";
}

bool bond_name_valid(const char *name)
{
	return util_short_name_valid(name, BOND_NAME_MAX);
}

/* Enum fields are written as uint32_t: they must be that size. */
_Static_assert(sizeof(enum bond_mode) == sizeof(uint32_t), "bond_mode size");
_Static_assert(sizeof(enum lacp_rate) == sizeof(uint32_t), "lacp_rate size");
_Static_assert(sizeof(enum lacp_ad_select) == sizeof(uint32_t),
	       "ad_select size");

#define FIELD(f) offsetof(struct bond_config, f)
#define MS_MAX 3600000

/* The words (and errors) are those of doc/ctl.md; tests assert them. */
const struct bond_option bond_options[] = {
    {"mode", BOND_OPTION_ENUM, FIELD(mode), &bond_mode_enum, 0, 0,
     "unknown bond mode '%s': use active-backup (1), balance-xor (2) or "
     "802.3ad (4)"},
    {"miimon", BOND_OPTION_MS, FIELD(miimon), NULL, 0, MS_MAX, NULL},
    {"updelay", BOND_OPTION_MS, FIELD(updelay), NULL, 0, MS_MAX, NULL},
    {"downdelay", BOND_OPTION_MS, FIELD(downdelay), NULL, 0, MS_MAX, NULL},
    {"primary", BOND_OPTION_NAME, FIELD(primary), NULL, 0, 0,
     "primary '%s' is not a PF name (or none)"},
    {"xmit_hash_policy", BOND_OPTION_ENUM, FIELD(hash_policy),
     &bond_hash_policy_enum, 0, 0,
     "unknown xmit_hash_policy '%s': use layer2, layer2+3, layer3+4, encap2+3 "
     "or encap3+4"},
    {"lacp_rate", BOND_OPTION_ENUM, FIELD(lacp_rate), &bond_lacp_rate_enum, 0,
     0, "lacp_rate is slow or fast, not '%s'"},
    {"lacp_active", BOND_OPTION_BOOL, FIELD(lacp_active), NULL, 0, 0, NULL},
    {"ad_select", BOND_OPTION_ENUM, FIELD(ad_select), &bond_ad_select_enum, 0,
     0, "ad_select is stable, bandwidth or count, not '%s'"},
    {"min_links", BOND_OPTION_U32, FIELD(min_links), NULL, 0,
     VFLAG_MAX_LAG_MEMBERS, NULL},
    {"sys_prio", BOND_OPTION_U32, FIELD(sys_prio), NULL, 1, 65535, NULL},
    {"lacp_wait_ms", BOND_OPTION_MS, FIELD(lacp_wait_ms), NULL, 0, 60000, NULL},
    {"lacp_wait_shortcut", BOND_OPTION_BOOL, FIELD(lacp_wait_shortcut), NULL, 0,
     0, NULL},
    {"port_select", BOND_OPTION_ENUM, FIELD(port_select),
     &bond_port_select_enum, 0, 0,
     "port_select is queue_affinity or hash, not '%s'"},
};

const size_t bond_options_count = ARRAY_SIZE(bond_options);

const struct bond_option *bond_option_find(const char *key)
{
	for (size_t i = 0; i < bond_options_count; i++)
		if (!strcmp(key, bond_options[i].key))
			return &bond_options[i];
	return NULL;
}

void bond_config_init(struct bond_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = BOND_MODE_ACTIVE_BACKUP;
	cfg->miimon = 100;
	cfg->hash_policy = VFLAG_HASH_LAYER2;
	cfg->lacp_rate = LACP_RATE_SLOW;
	cfg->lacp_active = true;
	cfg->ad_select = LACP_SELECT_STABLE;
	cfg->sys_prio = 65535;
	/* 802.1AX's Aggregate_Wait_Time; with the shortcut it is spent only
	 * when a port that is up has not heard its partner yet. */
	cfg->lacp_wait_ms = 2000;
	cfg->lacp_wait_shortcut = true;
	/* A NIC's default (devlink lag_port_select_mode queue_affinity): the
	 * seed's options (no xmit_hash_policy, so layer2) still spread a
	 * VF's flows to one peer over both members. */
	cfg->port_select = VFLAG_PORT_SELECT_QUEUE_AFFINITY;
}

int bond_config_set(struct bond_config *cfg, const char *key, const char *v,
		    char *err, size_t errlen)
{
	const struct bond_option *o = bond_option_find(key);
	char *field = (char *)cfg + (o ? o->field : 0);
	uint32_t u;
	bool b;

	if (!o) {
		snprintf(err, errlen,
			 "unknown bond option '%s': see `vflagctl bond help`",
			 key);
		return -EINVAL;
	}
	switch (o->kind) {
	case BOND_OPTION_ENUM:
		if (bond_enum_parse(o->names, v, &u))
			goto bad;
		memcpy(field, &u, sizeof(u));
		return 0;
	case BOND_OPTION_MS:
		if (parse_u32(v, o->min, o->max, &u)) {
			snprintf(err, errlen,
				 "%s wants milliseconds (%u..%u), not '%s'",
				 key, o->min, o->max, v);
			return -EINVAL;
		}
		memcpy(field, &u, sizeof(u));
		return 0;
	case BOND_OPTION_U32:
		if (parse_u32(v, o->min, o->max, &u)) {
			snprintf(err, errlen, "%s is %u..%u, not '%s'", key,
				 o->min, o->max, v);
			return -EINVAL;
		}
		memcpy(field, &u, sizeof(u));
		return 0;
	case BOND_OPTION_BOOL:
		if (parse_bool(v, &b)) {
			snprintf(err, errlen, "%s is on or off, not '%s'", key,
				 v);
			return -EINVAL;
		}
		memcpy(field, &b, sizeof(b));
		return 0;
	case BOND_OPTION_NAME:
		if (strcmp(v, "none") && !bond_name_valid(v))
			goto bad;
		snprintf(field, BOND_NAME_MAX + 1, "%s",
			 strcmp(v, "none") ? v : "");
		return 0;
	}
bad:
	snprintf(err, errlen, o->bad, v);
	return -EINVAL;
}

int bond_config_parse(struct bond_config *cfg, int argc, char **argv,
		      bool *mode_seen, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "members"); i += 2) {
		if (i + 1 >= argc) {
			snprintf(err, errlen, "%s needs a value", argv[i]);
			return -EINVAL;
		}
		if (bond_config_set(cfg, argv[i], argv[i + 1], err, errlen))
			return -EINVAL;
		if (mode_seen && !strcmp(argv[i], "mode"))
			*mode_seen = true;
	}
	return i;
}
