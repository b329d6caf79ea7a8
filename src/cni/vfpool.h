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

/* A VF's isolation settings, as the words of `vf set` (doc/ctl.md "Tenant
 * isolation"). In a request, -1 and "" leave a setting as it is. */
struct cni_vf_settings {
	int vlan;	       /* 0..4094; qos and proto go with it */
	int qos;	       /* 0..7 */
	char proto[16];	       /* "802.1Q" or "802.1ad"; "": vflagd's default */
	int spoofchk;	       /* 1 on, 0 off */
	int trust;	       /* 1 on, 0 off */
	long long max_tx_rate; /* Mbit/s, 0 no limit */
	char state[16];	       /* "auto", "enable" or "disable" */
};

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
	bool link_up;			 /* carrier now */
	struct cni_vf_settings settings; /* every one of them, as shown */
};

/* A request that changes nothing. */
void cni_vf_settings_none(struct cni_vf_settings *s);
/* What the sriov-cni keys of `o` ask for (sriov-cni semantics: a key
 * left out leaves the VF's setting alone; "vlan" sets the priority too,
 * to "vlanQoS" or 0). */
void cni_vf_settings_from_opts(const struct cni_vf_opts *o,
			       struct cni_vf_settings *s);
/* The values in `cur` of the settings `want` changes, the others left
 * alone: what puts the VF back as it was (a changed vlan brings its qos
 * and proto back too). */
void cni_vf_settings_undo(const struct cni_vf_settings *want,
			  const struct cni_vf_settings *cur,
			  struct cni_vf_settings *undo);
/* Whether `cur` has every setting `want` asks for; if not, says which in
 * why (why_len bytes). */
bool cni_vf_settings_match(const struct cni_vf_settings *want,
			   const struct cni_vf_settings *cur, char *why,
			   size_t why_len);
/* Whether `s` asks for anything. */
bool cni_vf_settings_any(const struct cni_vf_settings *s);

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

/* `vf set PF vf N [mac MAC] [netns NS|-]` and the settings `set` asks
 * for (NULL: none), in one command: vflagd applies them all or none (but
 * a link state, which stays). 0 or -1 with *err. */
int cni_vf_set(const char *socket, const char *pf, unsigned vf, const char *mac,
	       const char *netns, const struct cni_vf_settings *set,
	       int *refused_errno, struct cni_err *err);

/* STATUS: vflagd answers, cfg->pf / cfg->bond exist, and with
 * cfg->require_distributing the bond has a member that transmits.
 * 0, or -1 with *err (50, or 51 for a bond that carries nothing). */
int cni_vflagd_status(const struct cni_config *cfg, struct cni_err *err);

#endif
