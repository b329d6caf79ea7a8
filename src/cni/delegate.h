/* Delegating to another CNI plugin (the IPAM plugin named by ipam.type),
 * as SPEC.md "Delegated plugins" describes: the executable is looked up
 * in CNI_PATH, run with this process's environment (CNI_COMMAND and the
 * attachment's variables overridden), the configuration on stdin; its
 * stdout is its result or its error. */
#ifndef VFLAG_CNI_DELEGATE_H
#define VFLAG_CNI_DELEGATE_H

#include <jansson.h>

#include "cni/result.h"

struct cni_delegate {
	const char *type;	  /* plugin name, e.g. "host-local" */
	const char *cni_path;	  /* CNI_PATH (':'-separated) */
	const char *container_id; /* CNI_CONTAINERID to give it, or NULL */
	const char *ifname;	  /* CNI_IFNAME to give it, or NULL */
	const char *netns;	  /* CNI_NETNS to give it, or NULL */
};

/* Finds d->type in d->cni_path; 0 with the path in buf, or -ENOENT. */
int cni_delegate_find(const struct cni_delegate *d, char *buf, size_t len);

/* Asks the plugin (VERSION) which spec versions it speaks and chooses the
 * one to talk to it in: `want` if it speaks it, else the newest it speaks
 * that is not newer than `want` and at least 0.3.0 (whose results
 * cni_result_build() can read). Copies it into version[16]. 0, or -1 with
 * *err. */
int cni_delegate_version(const struct cni_delegate *d, const char *want,
			 char version[16], struct cni_err *err);

/* Runs the plugin with CNI_COMMAND=command and `conf` (its "cniVersion"
 * replaced by `version` when not NULL) on stdin. 0 with *result its
 * parsed stdout (NULL if it printed nothing), or -1 with *err: the
 * plugin's own error object (msg prefixed with the plugin's name) or
 * why it could not be run. */
int cni_delegate_run(const struct cni_delegate *d, const char *command,
		     const json_t *conf, const char *version, json_t **result,
		     struct cni_err *err);

#endif
