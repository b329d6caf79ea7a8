/* vflag-cni's inputs: the CNI_* environment and the network configuration
 * on stdin (CNI SPEC.md, versions 1.0.0 and 1.1.0), checked and turned
 * into plain C values. No I/O but what the caller hands in, so the unit
 * tests (tests/unit/cni) drive it with strings.
 *
 * Errors are reported as a CNI error (struct cni_err, result.h) carrying
 * one of the spec's well-known codes. */
#ifndef VFLAG_CNI_CONFIG_H
#define VFLAG_CNI_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cni/result.h"
#include "cni/version.h"

#define CNI_DEFAULT_DATA_DIR "/var/lib/cni/vflag"
#define CNI_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
/* The record's file name is CONTAINERID:IFNAME, at most NAME_MAX (255). */
#define CNI_CONTAINER_ID_MAX (255 - 1 - CNI_IFNAME_MAX)

enum cni_cmd {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_VERSION,
	CNI_CMD_STATUS,
	CNI_CMD_GC,
};

/* The CNI_* variables (SPEC.md "Parameters"); pointers into the
 * environment given to cni_env_parse(). */
struct cni_env {
	enum cni_cmd cmd;
	const char *container_id; /* CNI_CONTAINERID, NULL for the verbs
				     that take none */
	const char *netns;	  /* CNI_NETNS, NULL when unset or empty */
	const char *ifname;	  /* CNI_IFNAME */
	const char *args;	  /* CNI_ARGS or NULL */
	const char *path;	  /* CNI_PATH or NULL */
};

/* vflagd's bound on `vf set ... max_tx_rate` (doc/ctl.md): a larger value
 * is a bad configuration here rather than a refusal from vflagd later. */
#define CNI_MAX_TX_RATE 1000000 /* Mbit/s */

/* sriov-cni's per-VF keys, as given ("unset" values are -1 / NULL). */
struct cni_vf_opts {
	bool have_mac;
	uint8_t mac[6]; /* "mac", or runtimeConfig.mac, or CNI_ARGS MAC= */
	int vlan;	/* "vlan" 0..4094, -1 unset */
	int vlan_qos;	/* "vlanQoS" 0..7, -1 unset */
	const char *vlan_proto; /* "vlanProto" as vflagd spells it, "802.1Q"
				   or "802.1ad" (a static string); NULL unset */
	int spoofchk;		/* "spoofchk" "on" 1 / "off" 0, -1 unset */
	int trust;		/* "trust" "on" 1 / "off" 0, -1 unset */
	const char *link_state; /* "link_state" auto|enable|disable or NULL */
	long long min_tx_rate;	/* Mbps, -1 unset */
	long long max_tx_rate;	/* Mbps 0..CNI_MAX_TX_RATE, -1 unset */
};

/* An attachment the runtime still holds ("cni.dev/valid-attachments"). */
struct cni_attachment {
	const char *container_id;
	const char *ifname;
};

struct cni_config {
	json_t *root;		 /* the whole document; owns the strings */
	const char *cni_version; /* "cniVersion" */
	const char *name;	 /* "name" */
	const char *type;	 /* "type" */
	const char *socket;   /* "socket", else $VFLAG_SOCKET, else default */
	const char *pf;	      /* "pf" or NULL */
	const char *bond;     /* "bond" or NULL (exactly one of pf, bond) */
	const char *data_dir; /* "dataDir" or CNI_DEFAULT_DATA_DIR */
	bool require_distributing; /* "requireDistributing": STATUS fails
				      while the bond carries nothing */
	struct cni_vf_opts vf;
	json_t *ipam;		      /* "ipam" object or NULL (borrowed) */
	const char *ipam_type;	      /* ipam.type or NULL */
	json_t *prev_result;	      /* "prevResult" or NULL (borrowed) */
	struct cni_attachment *valid; /* GC's valid attachments (malloc'd) */
	size_t nvalid;
};

/* Reads the CNI_* variables through `get` (getenv in the plugin) and checks
 * what `cmd` needs: CNI_CONTAINERID and CNI_IFNAME for ADD/DEL/CHECK,
 * CNI_NETNS for ADD/CHECK. Returns 0 or fills *err (code 4). */
int cni_env_parse(const char *(*get)(const char *name), struct cni_env *env,
		  struct cni_err *err);

/* Parses the configuration `text` (len bytes) for `env`. `socket_env` is
 * $VFLAG_SOCKET or NULL. Takes no ownership; free with cni_config_free().
 * Returns 0, or fills *err: 6 (not JSON), 1 (cniVersion), 7 (a bad or
 * missing value, or vlanQoS without a vlan), 2 (a key this plugin cannot
 * honour yet: a non-zero min_tx_rate, on ADD only). */
int cni_config_parse(const char *text, size_t len, const struct cni_env *env,
		     const char *socket_env, struct cni_config *cfg,
		     struct cni_err *err);
void cni_config_free(struct cni_config *cfg);

/* Whether (container_id, ifname) is in GC's valid attachments. */
bool cni_config_attachment_valid(const struct cni_config *cfg,
				 const char *container_id, const char *ifname);

/* Parses "aa:bb:cc:dd:ee:ff"; 0 or -EINVAL. */
int cni_mac_parse(const char *s, uint8_t mac[6]);
/* Formats into buf (at least 18 bytes); returns buf. */
char *cni_mac_format(const uint8_t mac[6], char *buf);

#endif
