/* A bond's settings and their words: the option table behind
 * `bond add|set NAME OPTION VALUE...`, and one name <-> value table per
 * enum (mode, xmit_hash_policy, lacp_rate, ad_select, port_select) that
 * both parsing
 * and printing use.
 *
 * Pure: no I/O, no state; safe from any thread. */
#ifndef VFLAG_LAG_BOND_CONFIG_H
#define VFLAG_LAG_BOND_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lacp/lacp.h"

/* PF and bond names: 1..8 of [a-z0-9], a letter first (eswitch's rule). */
#define BOND_NAME_MAX 8

enum bond_mode {
	BOND_MODE_ACTIVE_BACKUP = 1,
	BOND_MODE_XOR = 2,
	BOND_MODE_8023AD = 4,
};

struct bond_config {
	enum bond_mode mode;
	uint32_t miimon;    /* ms between carrier polls; 0 = events only */
	uint32_t updelay;   /* ms a returning link waits before use */
	uint32_t downdelay; /* ms a failing link is kept before dropped */
	char primary[BOND_NAME_MAX + 1]; /* "" = none */
	uint32_t hash_policy;		 /* enum vflag_hash_policy */
	enum lacp_rate lacp_rate;
	bool lacp_active;
	enum lacp_ad_select ad_select;
	uint32_t min_links;
	uint32_t sys_prio;
	uint32_t lacp_wait_ms;	 /* Aggregate_Wait_Time, when some port that
				    is up has not heard its partner */
	bool lacp_wait_shortcut; /* Ready at once when no port can join */
	uint32_t port_select;	 /* enum vflag_port_select */
};

/* One word of an enum and its value. Several words may share a value
 * (aliases); the first one listed is the one printed. */
struct bond_enum_word {
	const char *word;
	uint32_t value;
};

/* An enum's table. Like Linux's bonding sysfs files, parsing also takes
 * the value as a decimal number ("4" for 802.3ad). A table kept elsewhere
 * (xmit_hash.h's, shared with the datapath and flow_spec) is reached
 * through .name and .parse instead of .words. */
struct bond_enum {
	const char *what; /* the option's key */
	const struct bond_enum_word *words;
	size_t nwords;
	const char *(*name)(uint32_t value);
	int (*parse)(const char *word, uint32_t *value);
};

extern const struct bond_enum bond_mode_enum;
extern const struct bond_enum bond_hash_policy_enum; /* Linux's numbering */
extern const struct bond_enum bond_lacp_rate_enum;
extern const struct bond_enum bond_ad_select_enum;
extern const struct bond_enum bond_port_select_enum;

/* The value of `word` (a listed word or a listed value in decimal):
 * 0 or -EINVAL. */
int bond_enum_parse(const struct bond_enum *e, const char *word,
		    uint32_t *value);
/* The printed word of `value`, or NULL if it has none. */
const char *bond_enum_name(const struct bond_enum *e, uint32_t value);

/* How an option's value is read. */
enum bond_option_kind {
	BOND_OPTION_ENUM, /* a word of .names */
	BOND_OPTION_MS,	  /* milliseconds, .min...max */
	BOND_OPTION_U32,  /* a number, .min...max */
	BOND_OPTION_BOOL, /* on/off (util.h's parse_bool) */
	BOND_OPTION_NAME, /* a PF name or "none" (= "") */
};

/* One row of the option table. */
struct bond_option {
	const char *key;
	enum bond_option_kind kind;
	size_t field;		       /* offsetof(struct bond_config, ...) */
	const struct bond_enum *names; /* BOND_OPTION_ENUM */
	uint32_t min, max;	       /* BOND_OPTION_MS, BOND_OPTION_U32 */
	const char *bad; /* ENUM, NAME: error for a bad value (one %s) */
};

extern const struct bond_option bond_options[];
extern const size_t bond_options_count;

/* The option named `key`, or NULL. */
const struct bond_option *bond_option_find(const char *key);

/* Linux's defaults, but miimon 100 (the seed's); lacp_wait_ms 2000
 * with the shortcut on, port_select queue_affinity (doc/ctl.md says
 * why). */
void bond_config_init(struct bond_config *cfg);
/* Sets one option from its value word; -EINVAL with err set. */
int bond_config_set(struct bond_config *cfg, const char *key, const char *value,
		    char *err, size_t errlen);
/* Parses option words ("miimon 100 lacp_rate fast ...") into cfg, from
 * argv[0] until the end or the word "members"; returns the number of
 * words used, or -EINVAL with err set. mode_seen tells if "mode" was. */
int bond_config_parse(struct bond_config *cfg, int argc, char **argv,
		      bool *mode_seen, char *err, size_t errlen);

/* "active-backup", "balance-xor", "802.3ad", or "?". */
const char *bond_mode_name(enum bond_mode mode);
/* The eswitch's name rule (1..8 of [a-z0-9], a letter first). */
bool bond_name_valid(const char *name);

#endif
