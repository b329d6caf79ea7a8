/* vflagctl's printers: the `data` of a vflagd reply (doc/ctl.md) turned
 * into text for people, or written back as JSON for -j.
 *
 * A printer trusts nothing in the data: a field that is missing or of an
 * unexpected type prints as '-' (or its line is skipped), entries that are
 * not objects are skipped, and a reply whose top-level shape is not the one
 * the printer knows gets -EINVAL with nothing printed, so that the caller
 * can fall back to JSON. Strings are printed with control characters
 * replaced by '?', so a reply cannot drive the terminal.
 *
 * No state; no I/O but the FILE given. The data is never modified (it is
 * passed as json_t * only because jansson's object iterator wants one). */
#ifndef VFLAG_VFLAGCTL_PRINT_H
#define VFLAG_VFLAGCTL_PRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Prints `data` for people; 0, or -EINVAL (nothing printed) if its shape
 * is not the one this printer knows. */
typedef int (*vflagctl_print_fn)(FILE *out, json_t *data);

/* `show`, `pf show`: {"pfs": [...], "bonds": [...]} as a table. */
int vflagctl_print_pfs(FILE *out, json_t *data);
/* `vf show`: {"vfs": [...]} as a table. */
int vflagctl_print_vfs(FILE *out, json_t *data);
/* `map-rep`: {"reps": [...]} as the table map_rep.py prints. */
int vflagctl_print_map_rep(FILE *out, json_t *data);
/* `eswitch show`: one row per PF, its LAG's mode, and why not. */
int vflagctl_print_eswitch(FILE *out, json_t *data);
/* `bond show`: {"bonds": [...]} as /proc/net/bonding/BOND does. */
int vflagctl_print_bonds(FILE *out, json_t *data);
/* `stats`: {"ports": [...]} as ethtool -S does, one block per port. */
int vflagctl_print_stats(FILE *out, json_t *data);
/* `bond xmit-member`: one line, "flow -> pf1 (hash 0x..., ...)". */
int vflagctl_print_xmit_member(FILE *out, json_t *data);

/* `flow show`: {"rules": [...], "masks", "max_masks"} as a table (with
 * PACKETS, BYTES and USED when the rules carry stats: -s). */
int vflagctl_print_flows(FILE *out, json_t *data);
/* `flow add`: {"handle", "rule"}: the rule's row with its state. */
int vflagctl_print_flow_add(FILE *out, json_t *data);

/* Writes any JSON value and a newline: compact, or indented if pretty. */
void vflagctl_print_json(FILE *out, const json_t *data, bool pretty);

/* Copies s into buf (len > 0), control characters replaced by '?',
 * truncated to fit; returns buf. */
char *vflagctl_sanitize(const char *s, char *buf, size_t len);

#endif
