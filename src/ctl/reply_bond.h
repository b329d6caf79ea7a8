/* The JSON of `bond show` and `bond xmit-member` (doc/ctl.md), written
 * from the bond's plain status structs. */
#ifndef VFLAG_CTL_REPLY_BOND_H
#define VFLAG_CTL_REPLY_BOND_H

#include <jansson.h>

#include "lag/bond.h"

/* One element of `bond show`'s "bonds". */
json_t *reply_bond_json(const struct bond_status *st);
/* `bond xmit-member`'s reply. */
json_t *reply_bond_xmit_json(const char *bond, const struct bond_xmit *x);

#endif
