/* The eswitch model: PFs (adopted uplink interfaces), their VFs (veth
 * pairs or TAP devices with stable names, MACs and pseudo PCI addresses)
 * and the switching domains they form, programmed into the datapath (dp).
 *
 * A lone PF is a domain of its own: its VFs and its uplink. A PF that
 * joins a bond moves, with its VFs, into the bond's domain, so all VFs of
 * every bonded PF share the LAG ("the bond mode is reflected to all VFs").
 *
 * Single-threaded: vflagd's event loop owns it. Every mutating call either
 * succeeds or leaves things as they were, and explains a refusal in err. */
#ifndef VFLAG_ESWITCH_H
#define VFLAG_ESWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "eswitch/dp.h"
#include "nl/nl.h"

#define ESWITCH_MAX_PFS 64
#define ESWITCH_MAX_VFS 64      /* per PF */
#define ESWITCH_PF_NAME_MAX 8
#define ESWITCH_DOMAIN_LAG_BASE 128 /* domains >= this are bonds' */

struct eswitch;
struct pf;
struct bond;

enum vf_type { VF_TYPE_VETH, VF_TYPE_TAP };

struct eswitch *eswitch_create(struct dp *dp, struct nl *nl);
/* The rule for PF and bond names: 1..8 of [a-z0-9], a letter first, so
 * the VF devices named after them fit in IFNAMSIZ. */
bool eswitch_name_valid(const char *name);
/* Removes every VF and releases every PF, whatever uses them. NULL ok. */
void eswitch_destroy(struct eswitch *sw);

int eswitch_pf_add(struct eswitch *sw, const char *name, const char *ifname,
		   const char *pci, char *err, size_t errlen);
/* Refuses a PF in a bond, or with VFs in use unless force. */
int eswitch_pf_del(struct eswitch *sw, struct pf *pf, bool force,
		   char *err, size_t errlen);
int eswitch_pf_set_numvfs(struct eswitch *sw, struct pf *pf, unsigned numvfs,
			  enum vf_type type, bool force, char *err, size_t errlen);
int eswitch_pf_set_spoofchk(struct eswitch *sw, struct pf *pf, bool on);
/* mac: NULL = unchanged. netns: NULL = unchanged, "-" = back to ours. */
int eswitch_vf_set(struct eswitch *sw, struct pf *pf, unsigned vf,
		   const uint8_t *mac, const char *netns, char *err, size_t errlen);
/* True if some VF of pf is in use (in another namespace, or its TAP opened). */
bool eswitch_pf_vfs_in_use(struct eswitch *sw, struct pf *pf, char *why, size_t whylen);

struct pf *eswitch_pf_find(struct eswitch *sw, const char *name);
struct pf *eswitch_pf_by_ifindex(struct eswitch *sw, int ifindex);
/* PFs in the order they were added; NULL past the end. */
struct pf *eswitch_pf_at(struct eswitch *sw, unsigned i);

/* A link event for one of our ports; returns the PF whose uplink carrier
 * it reports, or NULL. */
struct pf *eswitch_link_event(struct eswitch *sw, const struct nl_link_event *ev);
/* Reads the uplink's carrier now (miimon); -errno if it is gone. */
int eswitch_pf_poll_carrier(struct eswitch *sw, struct pf *pf, bool *carrier);

/* For the bond. */
struct dp *eswitch_dp(struct eswitch *sw);
const char *pf_name(const struct pf *pf);
const char *pf_dev(const struct pf *pf);
int pf_ifindex(const struct pf *pf);
const uint8_t *pf_mac(const struct pf *pf);
bool pf_carrier(const struct pf *pf);
uint32_t pf_port_id(const struct pf *pf);
struct bond *pf_bond(const struct pf *pf);
/* Moves pf and its VFs into the LAG's domain; member_index is its bit in
 * vflag_lag.rx_mask. */
int eswitch_pf_join_lag(struct eswitch *sw, struct pf *pf, struct bond *bond,
			uint32_t lag_slot, uint32_t member_index);
/* Back to a domain of its own. */
void eswitch_pf_leave_lag(struct eswitch *sw, struct pf *pf);
/* The MACs of every VF in the domain of pf (for failover announcements);
 * returns how many were written. */
unsigned eswitch_domain_vf_macs(struct eswitch *sw, const struct pf *pf,
				uint8_t (*macs)[6], unsigned cap);

/* Replies of the show commands (doc/ctl.md). name NULL = all. On a bad
 * name return NULL with err set. */
json_t *eswitch_pf_json(struct eswitch *sw, const char *name, char *err, size_t errlen);
json_t *eswitch_vf_json(struct eswitch *sw, const char *pf, char *err, size_t errlen);
json_t *eswitch_map_rep_json(struct eswitch *sw, const char *pf, char *err, size_t errlen);
json_t *eswitch_stats_json(struct eswitch *sw, const char *port, char *err, size_t errlen);

/* "layer3+4" etc. for names of pf kinds, used by the JSON of bonds too. */
const char *vf_type_name(enum vf_type type);

#endif
