/* vflag-cni's use of vflagd, over its control socket only (doc/ctl.md,
 * through vflagctl's client): which VFs a PF or bond has, which are free,
 * giving one to a namespace and taking it back.
 *
 * Not thread-safe and not atomic by itself: callers hold cni_lock()
 * (state.h) across pick and move, so two plugins never pick one VF. */
#ifndef VFLAG_CNI_VFPOOL_H
#define VFLAG_CNI_VFPOOL_H

#include <net/if.h>
#include <stdbool.h>

#include "cni/config.h"
#include "cni/result.h"

/* One row of `vf show` that matters here. */
struct cni_vf {
	char pf[64];
	unsigned vf;
	char ifname[IF_NAMESIZE]; /* "pf0vf0" */
	char mac[18];
	char pci[32];
	char netns[64]; /* "" while in vflagd's namespace */
	bool in_use;
	bool gone;
	bool pf_spoofchk; /* the PF's spoof check */
};

/* Runs one vflagd command; 0 with *data (a new reference, NULL for a
 * null reply), or -1 with *err: code 11 (try again) when vflagd cannot be
 * reached, 101 when it refused (*refused_errno is its errno then). */
int cni_vflagd(const char *socket, int argc, char *const argv[], json_t **data,
	       int *refused_errno, struct cni_err *err);

/* Chooses a free VF of cfg->pf, or of any PF in cfg->bond: a veth VF in
 * vflagd's namespace and not gone. 0, or -1 with *err: 7 when the PF or
 * bond does not exist, 100 when every VF is taken. */
int cni_vf_pick(const struct cni_config *cfg, struct cni_vf *out,
		struct cni_err *err);

/* The row of VF `vf` of `pf`: 0, -ENOENT when vflagd has no such VF, or
 * -1 with *err when vflagd could not tell. */
int cni_vf_get(const char *socket, const char *pf, unsigned vf,
	       struct cni_vf *out, struct cni_err *err);

/* `vf set PF vf N [mac MAC] [netns NS|-]`. 0 or -1 with *err. */
int cni_vf_set(const char *socket, const char *pf, unsigned vf, const char *mac,
	       const char *netns, int *refused_errno, struct cni_err *err);

/* STATUS: vflagd answers, cfg->pf / cfg->bond exist, and with
 * cfg->require_distributing the bond has a member that transmits.
 * 0, or -1 with *err (50, or 51 for a bond that carries nothing). */
int cni_vflagd_status(const struct cni_config *cfg, struct cni_err *err);

#endif
