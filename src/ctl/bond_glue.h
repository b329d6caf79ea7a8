/* BOND GLUE: the one place where a pure bond (src/lag/bond.h) meets the
 * eswitch, the datapath and the members' packet sockets (bond_io). It
 * implements struct bond_ops over them, translates PFs to member indexes,
 * and moves PFs into and out of the LAG's domain.
 *
 * Meant to move whole into the daemon object (src/vflagd/daemon.c).
 *
 * Single-threaded (vflagd's loop). */
#ifndef VFLAG_CTL_BOND_GLUE_H
#define VFLAG_CTL_BOND_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "eswitch/eswitch.h"
#include "lag/bond.h"

struct bond_glue;

/* A bond in LAG slot `slot` over sw. NULL with err set. */
struct bond_glue *bond_glue_create(struct eswitch *sw, struct loop *loop,
				   const char *name, uint32_t slot,
				   const struct bond_config *cfg, char *err,
				   size_t errlen);
/* Releases every member, removes the LAG. NULL ok. */
void bond_glue_destroy(struct bond_glue *g, uint64_t now_ms);
struct bond *bond_glue_bond(const struct bond_glue *g);

/* Enslaves pf: packet socket, LAG domain, bond. 0 or -errno, err set. */
int bond_glue_member_add(struct bond_glue *g, struct pf *pf, uint64_t now_ms,
			 char *err, size_t errlen);
int bond_glue_member_del(struct bond_glue *g, struct pf *pf, uint64_t now_ms,
			 char *err, size_t errlen);
/* pf's carrier changed (pf_carrier() tells the new one). */
void bond_glue_link_changed(struct bond_glue *g, struct pf *pf,
			    uint64_t now_ms);
void bond_glue_run(struct bond_glue *g, uint64_t now_ms);

#endif
