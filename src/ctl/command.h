/* The commands of doc/ctl.md, run against the daemon (daemon/daemon.h): the
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

#include "ctl/ctl_request.h"
#include "daemon/daemon.h"

/* Runs one command (a ctl_handler; ctx is the struct vflagd). With a
 * call, `pf set numvfs` and `teardown` defer it and run in steps
 * (command_job.h); without one they run to their end. */
json_t *command_run(void *ctx, struct ctl_call *call, int argc, char **argv,
		    int *error, bool *usage, char *err, size_t errlen);
/* Applies a config file line by line; on an error undoes everything (a
 * forced teardown) and reports "PATH:LINE: message". */
int command_config_load(struct vflagd *d, const char *path, char *err,
			size_t errlen);
/* Splits a config line into words (whitespace; "double quotes" group;
 * '#' outside quotes starts a comment). Returns the word count or -EINVAL
 * (unterminated quote) or -E2BIG. Words point into line, modified. */
int command_split(char *line, char **argv, int max);

#endif
