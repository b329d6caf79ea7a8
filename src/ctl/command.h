/* The commands of doc/ctl.md, run against the eswitch and its bonds: the
 * one parser behind the control socket and the config file, so a config
 * is a replayable script of vflagctl command lines.
 *
 * Single-threaded (vflagd's loop). */
#ifndef VFLAG_CTL_COMMAND_H
#define VFLAG_CTL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bpf/vflag_dp.h"
#include "common/loop.h"
#include "eswitch/eswitch.h"
#include "ctl/bond_glue.h"

/* What the daemon wires together. */
struct command_ctx {
	struct loop *loop;
	struct eswitch *sw;
	struct bond_glue *bonds[VFLAG_MAX_LAGS]; /* by LAG slot; NULL = free */
};

/* Runs one command (a ctl_handler). */
json_t *command_run(void *ctx, int argc, char **argv, int *error, bool *usage,
		    char *err, size_t errlen);
/* Applies a config file line by line; on an error undoes everything (a
 * forced teardown) and reports "PATH:LINE: message". */
int command_config_load(struct command_ctx *ctx, const char *path, char *err, size_t errlen);
/* Everything down, in the seed's order: VFs, bonds, PFs. */
int command_teardown(struct command_ctx *ctx, bool force, char *err, size_t errlen);
/* A link event from rtnetlink. */
void command_link_event(struct command_ctx *ctx, const struct nl_link_event *ev);
/* Timers of every bond. */
void command_tick(struct command_ctx *ctx, uint64_t now_ms);
/* When command_tick() next has something to do (absolute ms; 0 = now,
 * UINT64_MAX = only after an event). */
uint64_t command_next_deadline(const struct command_ctx *ctx);

/* Splits a config line into words (whitespace; "double quotes" group;
 * '#' outside quotes starts a comment). Returns the word count or -EINVAL
 * (unterminated quote) or -E2BIG. Words point into line, modified. */
int command_split(char *line, char **argv, int max);

#endif
