/* The offload table's commands (doc/ctl.md "Offload table"), called from
 * command.c's dispatch table: `flow add|del|show`. Each returns its
 * reply's data, or NULL with *error (an errno), *usage and err set on
 * failure (NULL with *error 0: no data). Single-threaded (vflagd's
 * loop). */
#ifndef VFLAG_CTL_COMMAND_FLOW_H
#define VFLAG_CTL_COMMAND_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/daemon.h"

json_t *command_flow_add(struct vflagd *d, int argc, char **argv, int *error,
			 bool *usage, char *err, size_t errlen);
json_t *command_flow_del(struct vflagd *d, int argc, char **argv, int *error,
			 bool *usage, char *err, size_t errlen);
json_t *command_flow_show(struct vflagd *d, int argc, char **argv, int *error,
			  bool *usage, char *err, size_t errlen);

#endif
