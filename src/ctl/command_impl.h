/* Inside the ctl commands only: the result every handler fills and the
 * helpers command.c gives the other command files (command_switchdev.c).
 * Not for other modules. */
#ifndef VFLAG_CTL_COMMAND_IMPL_H
#define VFLAG_CTL_COMMAND_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "daemon/daemon.h"

/* A handler's result: reply data, or an error (errno, usage, message). */
struct cmd_res {
	int error;
	bool usage;
	char *err;
	size_t errlen;
	struct ctl_call *call; /* NULL: run long operations to their end */
};

/* Sets r's error (fmt NULL: r->err is written already); returns NULL. */
json_t *cmd_fail(struct cmd_res *r, int error, bool usage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Turns a -errno from a module (which wrote r->err) into a result. */
json_t *cmd_check(struct cmd_res *r, int ret);
/* A usage error quoting the synopsis table's lines for object [verb]. */
json_t *cmd_usage(struct cmd_res *r, const char *object, const char *verb);
/* The PF or bond named so, or NULL with r's error set. */
struct pf *cmd_pf(struct vflagd *d, const char *name, struct cmd_res *r);
struct vflagd_bond *cmd_bond(struct vflagd *d, const char *name,
			     struct cmd_res *r);

/* command_switchdev.c: `eswitch set|show`, `pf set PF hw-tc-offload`,
 * and what `bond show` says of the LAG's eswitch mode. */
json_t *cmd_eswitch_set(struct vflagd *d, int argc, char **argv,
			struct cmd_res *r);
json_t *cmd_eswitch_show(struct vflagd *d, int argc, char **argv,
			 struct cmd_res *r);
json_t *cmd_pf_hw_tc_offload(struct vflagd *d, struct pf *pf, const char *value,
			     struct cmd_res *r);
/* Appends "eswitch_mode", "representor" and "eswitch_reason" to a
 * bond's `bond show` object. */
void cmd_bond_switchdev(struct vflagd *d, const struct vflagd_bond *b,
			json_t *obj);

#endif
