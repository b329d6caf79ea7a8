/* A bond: PFs aggregated in active-backup (1), balance-xor (2) or 802.3ad
 * (4) mode, with link monitoring (rtnetlink events at once, miimon polls,
 * updelay/downdelay), an LACP instance in mode 4, and the member arrays it
 * publishes to the datapath as one struct vflag_lag.
 *
 * The datapath never sees the mode: this module reduces every mode to
 * "who may transmit, in enslave order" and "who may receive".
 *
 * Single-threaded (vflagd's loop). Time is passed in as now_ms. */
#ifndef VFLAG_LAG_BOND_H
#define VFLAG_LAG_BOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/loop.h"
#include "eswitch/eswitch.h"
#include "lacp/lacp.h"

enum bond_mode {
	BOND_MODE_ACTIVE_BACKUP = 1,
	BOND_MODE_XOR = 2,
	BOND_MODE_8023AD = 4,
};

struct bond_config {
	enum bond_mode mode;
	uint32_t miimon;      /* ms between carrier polls; 0 = events only */
	uint32_t updelay;     /* ms a returning link waits before use */
	uint32_t downdelay;   /* ms a failing link is kept before dropped */
	char primary[ESWITCH_PF_NAME_MAX + 1]; /* "" = none */
	uint32_t hash_policy; /* enum vflag_hash_policy */
	enum lacp_rate lacp_rate;
	bool lacp_active;
	enum lacp_ad_select ad_select;
	uint32_t min_links;
	uint32_t sys_prio;
};

struct bond;

/* Linux's defaults, but miimon 100 (the seed's). */
void bond_config_init(struct bond_config *cfg);
/* Parses option words ("miimon 100 lacp_rate fast ...") into cfg, from
 * argv[0] until the end or the word "members"; returns the number of
 * words used, or -EINVAL with err set. mode_seen tells if "mode" was. */
int bond_config_parse(struct bond_config *cfg, int argc, char **argv, bool *mode_seen,
		      char *err, size_t errlen);

struct bond *bond_create(struct eswitch *sw, struct loop *loop, const char *name,
			 uint32_t slot, const struct bond_config *cfg, char *err, size_t errlen);
/* Releases every member. NULL ok. */
void bond_destroy(struct bond *bond, uint64_t now_ms);
int bond_reconfigure(struct bond *bond, const struct bond_config *cfg, uint64_t now_ms,
		     char *err, size_t errlen);
void bond_get_config(const struct bond *bond, struct bond_config *cfg);

int bond_member_add(struct bond *bond, struct pf *pf, uint64_t now_ms, char *err, size_t errlen);
int bond_member_del(struct bond *bond, struct pf *pf, uint64_t now_ms, char *err, size_t errlen);
unsigned bond_member_count(const struct bond *bond);

/* The carrier of a member changed (rtnetlink): act on it at once. */
void bond_link_changed(struct bond *bond, struct pf *pf, uint64_t now_ms);
/* Timers: miimon, delays, LACP. Call every few ms. */
void bond_run(struct bond *bond, uint64_t now_ms);

const char *bond_name(const struct bond *bond);
json_t *bond_json(struct bond *bond);
/* Which member a frame would leave by, as `bond xmit-member` says it. */
json_t *bond_xmit_member_json(struct bond *bond, const uint8_t *frame, size_t len);

const char *bond_mode_name(enum bond_mode mode);

#endif
