/* The CNI verbs of vflag-cni (ADD, DEL, CHECK, VERSION, STATUS, GC) on top
 * of config, vfpool, netns, state and delegate. One call per process: the
 * plugin is run once per verb by the runtime. */
#ifndef VFLAG_CNI_PLUGIN_H
#define VFLAG_CNI_PLUGIN_H

#include <jansson.h>
#include <stddef.h>

#include "cni/config.h"
#include "cni/result.h"

/* Runs env->cmd on the configuration `conf` (len bytes, stdin).
 * Returns 0 with *out what to print (NULL: nothing), or -1 with *err
 * (the caller prints its error object). `socket_env` is $VFLAG_SOCKET. */
int cni_plugin_run(const struct cni_env *env, const char *conf, size_t len,
		   const char *socket_env, json_t **out, struct cni_err *err);

#endif
