/* What vflag-cni remembers between invocations: one record per
 * attachment (network name, CNI_CONTAINERID, CNI_IFNAME), the key SPEC.md
 * asks plugins that store state to use, as a JSON file
 * DATADIR/NETWORK/CONTAINERID:IFNAME; and the lock that serializes every
 * plugin talking to one vflagd, so two ADDs never pick the same VF. */
#ifndef VFLAG_CNI_STATE_H
#define VFLAG_CNI_STATE_H

#include <stdbool.h>

#include "cni/netns.h"
#include "cni/vfpool.h"

#define CNI_LOCK_NAME "cni.lock"

struct cni_record {
	char container_id[256];
	char ifname[IF_NAMESIZE];    /* CNI_IFNAME */
	char netns[1024];	     /* CNI_NETNS at ADD */
	char pin[CNI_PIN_NAME_MAX];  /* the namespace's name for vflagd */
	char pf[64];		     /* the VF's PF */
	unsigned vf;		     /* the VF's number */
	char vf_ifname[IF_NAMESIZE]; /* its name outside (pf0vf0) */
	char orig_mac[18];	     /* its MAC before ADD set one, or "" */
	int ifindex;		     /* its ifindex in the container */
	struct cni_vf_settings orig; /* what ADD changed, as it was before:
					DEL puts it back, as sriov-cni
					resets a VF (none in records of
					older plugins) */
};

/* Takes the lock of the vflagd at `socket` (an flock on cni.lock in the
 * socket's directory, created if missing); returns the fd holding it
 * (close it to release) or -errno. Blocks until the lock is free. */
int cni_lock(const char *socket);

/* Writes the record atomically (a temporary file renamed over). 0 or
 * -errno. */
int cni_record_save(const char *data_dir, const char *network,
		    const struct cni_record *r);
/* Reads the record of (container_id, ifname): 0, -ENOENT, or -errno
 * (-EBADMSG when the file is not a record). */
int cni_record_load(const char *data_dir, const char *network,
		    const char *container_id, const char *ifname,
		    struct cni_record *r);
/* Removes it; 0 if it was not there. */
int cni_record_remove(const char *data_dir, const char *network,
		      const char *container_id, const char *ifname);

/* Calls cb for every record of `network` (the order of the directory).
 * A cb returning non-zero stops the walk with that value. */
int cni_record_foreach(const char *data_dir, const char *network,
		       int (*cb)(const struct cni_record *r, void *ctx),
		       void *ctx);

#endif
