/* The eswitch model across a vflagd restart (doc/architecture.md,
 * "Survivability"): what the state file keeps of the PFs and VFs, and the
 * model rebuilt from it over devices and datapath entries that stayed in
 * place while no vflagd ran.
 *
 * Restoring touches nothing in the world: it only reads links (that a
 * PF's uplink and a VF's eswitch end still exist under the same ifindex
 * and name), because the datapath's maps survived with the entries the
 * previous vflagd wrote. Hooks are the daemon's (dp_port_adopt). */
#ifndef VFLAG_ESWITCH_STATE_H
#define VFLAG_ESWITCH_STATE_H

#include <jansson.h>
#include <stddef.h>

#include "eswitch/eswitch.h"

/* The PFs and their VFs as a JSON array (doc/architecture.md has the
 * fields). NULL on out of memory. */
json_t *eswitch_state_save(struct eswitch *sw);
/* Rebuilds the PFs of a saved array into an empty eswitch. A PF whose
 * uplink is gone or renamed is skipped (logged); a VF whose eswitch end
 * is gone is kept as gone, as a live vflagd would. Counts what was
 * adopted. 0, or -errno with err set (a malformed file). */
int eswitch_state_restore(struct eswitch *sw, const json_t *pfs, unsigned *npfs,
			  unsigned *nvfs, char *err, size_t errlen);
/* The LAGs' modes in effect and their representors (switchdev.c), as a
 * JSON array; and back, after eswitch_state_restore (lags NULL: a file
 * from before switchdev, nothing to do). A representor whose devices
 * are gone is forgotten, for the bond's adoption to make again. */
json_t *eswitch_state_save_lags(struct eswitch *sw);
int eswitch_state_restore_lags(struct eswitch *sw, const json_t *lags,
			       char *err, size_t errlen);
/* Frees the model without touching the world: VFs, hooks and datapath
 * entries stay (vflagd stopping without teardown). NULL ok. */
void eswitch_forget(struct eswitch *sw);
/* True if pf was restored from the state file (for `show`). */
bool eswitch_pf_adopted(const struct pf *pf);

#endif
