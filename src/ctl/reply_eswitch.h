/* The replies of `pf show`, `vf show`, `map-rep` and `stats` (doc/ctl.md),
 * built from the eswitch's status structs. The eswitch knows a PF's LAG
 * slot, not its bond: the caller names it.
 *
 * Single-threaded (vflagd's loop). */
#ifndef VFLAG_CTL_REPLY_ESWITCH_H
#define VFLAG_CTL_REPLY_ESWITCH_H

#include <stddef.h>

#include <jansson.h>

#include "eswitch/eswitch.h"

/* The name of the bond in LAG slot, or NULL if none. */
typedef const char *(*reply_eswitch_lag_name_fn)(void *arg, unsigned slot);

/* {"pfs": [...]} of one PF (name) or all (NULL). On a bad name NULL with
 * err set ("no PF named ..."). */
json_t *reply_eswitch_pfs(struct eswitch *sw, const char *name,
			  reply_eswitch_lag_name_fn lag_name, void *arg,
			  char *err, size_t errlen);
/* {"vfs": [...]} of the VFs of one PF or of all. */
json_t *reply_eswitch_vfs(struct eswitch *sw, const char *pf, char *err,
			  size_t errlen);
/* {"reps": [...]}: map_rep.py's columns. */
json_t *reply_eswitch_map_rep(struct eswitch *sw, const char *pf, char *err,
			      size_t errlen);
/* {"ports": [...]}: counters of one port (a PF's name or device, a VF's
 * port or eswitch end) or of all. */
json_t *reply_eswitch_stats(struct eswitch *sw, const char *port, char *err,
			    size_t errlen);

/* {"eswitch": [...]}: `eswitch show [PF]`, each PF's mode (in effect
 * and as set), hw-tc-offload, and its LAG's mode and why it is not the
 * members'. */
json_t *reply_eswitch_modes(struct eswitch *sw, const char *name,
			    reply_eswitch_lag_name_fn lag_name, void *arg,
			    char *err, size_t errlen);

#endif
