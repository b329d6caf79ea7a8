/* Parsing and checking the CNI environment and network configuration. */
#include "cni/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vflag/ctl.h"

int cni_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (!s ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 ||
	    strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

char *cni_mac_format(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/* SPEC.md: a container ID starts with an alphanumeric character, then
 * alphanumerics, '_', '.' or '-'. Ours also fits in a file name. */
static bool container_id_valid(const char *id)
{
	if (!id || !isalnum((unsigned char)id[0]) ||
	    strlen(id) > CNI_CONTAINER_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

/* SPEC.md: non-empty, not "." or "..", under 16 bytes, no '/', ':' or
 * whitespace. */
static bool ifname_valid(const char *n)
{
	if (!n || !n[0] || strlen(n) > CNI_IFNAME_MAX || !strcmp(n, ".") ||
	    !strcmp(n, ".."))
		return false;
	for (const char *p = n; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

static const struct {
	const char *name;
	enum cni_cmd cmd;
} commands[] = {
    {"ADD", CNI_CMD_ADD},	{"DEL", CNI_CMD_DEL},
    {"CHECK", CNI_CMD_CHECK},	{"VERSION", CNI_CMD_VERSION},
    {"STATUS", CNI_CMD_STATUS}, {"GC", CNI_CMD_GC},
};

int cni_env_parse(const char *(*get)(const char *name), struct cni_env *env,
		  struct cni_err *err)
{
	const char *cmd = get("CNI_COMMAND");
	bool found = false;

	memset(env, 0, sizeof(*env));
	for (size_t i = 0; cmd && i < sizeof(commands) / sizeof(commands[0]);
	     i++)
		if (!strcmp(cmd, commands[i].name)) {
			env->cmd = commands[i].cmd;
			found = true;
		}
	if (!found)
		return cni_err_set(err, CNI_ERR_ENV,
				   "CNI_COMMAND is %s%s%s: expected ADD, DEL, "
				   "CHECK, VERSION, STATUS or GC",
				   cmd ? "'" : "", cmd ? cmd : "unset",
				   cmd ? "'" : "");
	env->args = get("CNI_ARGS");
	env->path = get("CNI_PATH");
	env->netns = get("CNI_NETNS");
	if (env->netns && !env->netns[0])
		env->netns = NULL;
	if (env->cmd != CNI_CMD_ADD && env->cmd != CNI_CMD_DEL &&
	    env->cmd != CNI_CMD_CHECK)
		return 0;

	env->container_id = get("CNI_CONTAINERID");
	env->ifname = get("CNI_IFNAME");
	if (!container_id_valid(env->container_id))
		return cni_err_set(err, CNI_ERR_ENV,
				   "CNI_CONTAINERID is %s: it must start with "
				   "a letter or digit, then letters, digits, "
				   "'_', '.' or '-'",
				   env->container_id ? "invalid" : "unset");
	if (!ifname_valid(env->ifname))
		return cni_err_set(err, CNI_ERR_ENV,
				   "CNI_IFNAME is %s: 1..15 bytes, not '.' or "
				   "'..', without '/', ':' or spaces",
				   env->ifname ? "invalid" : "unset");
	if (env->cmd != CNI_CMD_DEL && !env->netns)
		return cni_err_set(err, CNI_ERR_ENV,
				   "CNI_NETNS is unset: %s needs the "
				   "container's network namespace",
				   cmd);
	return 0;
}

/* Reads an optional string member; -1 if present but not a string. */
static int get_str(json_t *o, const char *key, const char **out,
		   struct cni_err *err)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

/* An optional integer in lo..hi; *out stays -1 when absent. */
static int get_int(json_t *o, const char *key, long long lo, long long hi,
		   long long *out, struct cni_err *err)
{
	json_t *v = json_object_get(o, key);

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"%s\" must be an integer in %lld..%lld",
				   key, lo, hi);
	*out = json_integer_value(v);
	return 0;
}

/* sriov-cni's "on"/"off" keys; *out -1 when absent. */
static int get_onoff(json_t *o, const char *key, int *out, struct cni_err *err)
{
	const char *s;

	*out = -1;
	if (get_str(o, key, &s, err))
		return -1;
	if (!s)
		return 0;
	if (strcmp(s, "on") && strcmp(s, "off"))
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"%s\" must be \"on\" or \"off\", not "
				   "\"%.32s\"",
				   key, s);
	*out = !strcmp(s, "on");
	return 0;
}

/* sriov-cni's "vlanProto": "802.1q" or "802.1ad", any case, spelled
 * back as vflagd's `proto` words; vf->vlan_proto NULL when absent. */
static int get_vlan_proto(json_t *o, struct cni_vf_opts *vf,
			  struct cni_err *err)
{
	const char *s;

	vf->vlan_proto = NULL;
	if (get_str(o, "vlanProto", &s, err))
		return -1;
	if (!s)
		return 0;
	if (!strcasecmp(s, "802.1q"))
		vf->vlan_proto = "802.1Q";
	else if (!strcasecmp(s, "802.1ad"))
		vf->vlan_proto = "802.1ad";
	else
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"vlanProto\" must be \"802.1q\" or "
				   "\"802.1ad\", not \"%.32s\"",
				   s);
	return 0;
}

/* The MAC of CNI_ARGS "MAC=..." (sriov-cni's per-pod MAC), if any.
 * CNI_ARGS is "K=V;K=V" (SPEC.md). */
static int args_mac(const char *args, struct cni_vf_opts *vf,
		    struct cni_err *err)
{
	const char *p = args;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > 4 && !strncmp(p, "MAC=", 4)) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%.*s", (int)(n - 4), p + 4);
			if (cni_mac_parse(buf, vf->mac))
				return cni_err_set(err, CNI_ERR_CONFIG,
						   "CNI_ARGS MAC=%s is not a "
						   "MAC address",
						   buf);
			vf->have_mac = true;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int parse_vf_opts(json_t *root, const struct cni_env *env,
			 struct cni_vf_opts *vf, struct cni_err *err)
{
	json_t *rc = json_object_get(root, "runtimeConfig");
	const char *mac = NULL;
	long long v;

	memset(vf, 0, sizeof(*vf));
	if (get_str(root, "mac", &mac, err))
		return -1;
	/* The "mac" capability (runtimeConfig) is the runtime speaking for
	 * this one pod: it wins over the network's default. */
	if (json_is_object(rc) && json_is_string(json_object_get(rc, "mac")))
		mac = json_string_value(json_object_get(rc, "mac"));
	if (mac) {
		if (cni_mac_parse(mac, vf->mac))
			return cni_err_set(err, CNI_ERR_CONFIG,
					   "\"mac\" must be xx:xx:xx:xx:xx:xx, "
					   "not \"%.32s\"",
					   mac);
		vf->have_mac = true;
	}
	if (args_mac(env->args, vf, err))
		return -1;
	if (vf->have_mac && (vf->mac[0] & 1))
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"mac\" must be a unicast address");
	if (get_int(root, "vlan", 0, 4094, &v, err))
		return -1;
	vf->vlan = (int)v;
	if (get_int(root, "vlanQoS", 0, 7, &v, err))
		return -1;
	vf->vlan_qos = (int)v;
	if (get_vlan_proto(root, vf, err))
		return -1;
	if (get_onoff(root, "spoofchk", &vf->spoofchk, err) ||
	    get_onoff(root, "trust", &vf->trust, err) ||
	    get_str(root, "link_state", &vf->link_state, err))
		return -1;
	if (vf->link_state && strcmp(vf->link_state, "auto") &&
	    strcmp(vf->link_state, "enable") &&
	    strcmp(vf->link_state, "disable"))
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"link_state\" must be auto, enable or "
				   "disable");
	if (get_int(root, "min_tx_rate", 0, INT32_MAX, &vf->min_tx_rate, err) ||
	    get_int(root, "max_tx_rate", 0, CNI_MAX_TX_RATE, &vf->max_tx_rate,
		    err))
		return -1;
	/* As sriov-cni: a priority needs a tag to ride in (vflagd's `qos`
	 * follows a `vlan` too). */
	if (vf->vlan_qos > 0 && vf->vlan <= 0)
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"vlanQoS\" %d needs a non-zero \"vlan\"",
				   vf->vlan_qos);
	/* As sriov-cni: 802.1Q is the default, so it may stand alone; an
	 * S-tag needs a VLAN to carry. */
	if (vf->vlan_proto && strcmp(vf->vlan_proto, "802.1Q") && vf->vlan <= 0)
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"vlanProto\" %s needs a non-zero "
				   "\"vlan\"",
				   vf->vlan_proto);
	return 0;
}

/* The keys that name something vflag cannot do yet: an ADD that asks for
 * them fails (code 2) rather than silently giving less. */
static int check_supported(const struct cni_vf_opts *vf, struct cni_err *err)
{
	if (vf->min_tx_rate > 0)
		return cni_err_set(err, CNI_ERR_UNSUPPORTED,
				   "\"min_tx_rate\" is not supported yet: "
				   "the eswitch guarantees no rate (omit it or "
				   "set 0; \"max_tx_rate\" works)");
	return 0;
}

static int parse_valid_attachments(json_t *root, struct cni_config *cfg,
				   struct cni_err *err)
{
	json_t *a = json_object_get(root, "cni.dev/valid-attachments");
	size_t i;
	json_t *v;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "\"cni.dev/valid-attachments\" must be an "
				   "array");
	cfg->valid = calloc(json_array_size(a) + 1, sizeof(*cfg->valid));
	if (!cfg->valid)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	json_array_foreach(a, i, v)
	{
		const char *id =
		    json_string_value(json_object_get(v, "containerID"));
		const char *ifn =
		    json_string_value(json_object_get(v, "ifname"));

		if (!id || !ifn)
			return cni_err_set(err, CNI_ERR_CONFIG,
					   "\"cni.dev/valid-attachments\"[%zu] "
					   "needs string \"containerID\" and "
					   "\"ifname\"",
					   i);
		cfg->valid[cfg->nvalid].container_id = id;
		cfg->valid[cfg->nvalid].ifname = ifn;
		cfg->nvalid++;
	}
	return 0;
}

int cni_config_parse(const char *text, size_t len, const struct cni_env *env,
		     const char *socket_env, struct cni_config *cfg,
		     struct cni_err *err)
{
	json_error_t jerr;
	json_t *root, *v;

	memset(cfg, 0, sizeof(*cfg));
	root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return cni_err_set(err, CNI_ERR_DECODE,
				   "the network configuration is not JSON: "
				   "%s (line %d, column %d)",
				   jerr.text, jerr.line, jerr.column);
	cfg->root = root;
	if (!json_is_object(root)) {
		cni_err_set(err, CNI_ERR_DECODE,
			    "the network configuration is not a JSON object");
		goto free_cfg;
	}
	if (get_str(root, "cniVersion", &cfg->cni_version, err))
		goto free_cfg;
	if (!cni_version_supported(cfg->cni_version)) {
		cni_err_set(err, CNI_ERR_VERSION,
			    "cniVersion %s%s%s is not supported: vflag-cni "
			    "speaks 1.0.0 and 1.1.0",
			    cfg->cni_version ? "\"" : "",
			    cfg->cni_version ? cfg->cni_version : "missing",
			    cfg->cni_version ? "\"" : "");
		goto free_cfg;
	}
	if (get_str(root, "name", &cfg->name, err) ||
	    get_str(root, "type", &cfg->type, err) ||
	    get_str(root, "socket", &cfg->socket, err) ||
	    get_str(root, "pf", &cfg->pf, err) ||
	    get_str(root, "bond", &cfg->bond, err) ||
	    get_str(root, "dataDir", &cfg->data_dir, err))
		goto free_cfg;
	if (!cfg->name || !cfg->name[0] || strchr(cfg->name, '/')) {
		cni_err_set(err, CNI_ERR_CONFIG,
			    "\"name\" (the network's name) is missing or "
			    "has a '/'");
		goto free_cfg;
	}
	if (cfg->pf && cfg->bond) {
		cni_err_set(err, CNI_ERR_CONFIG,
			    "give \"pf\" or \"bond\", not both");
		goto free_cfg;
	}
	if (env->cmd == CNI_CMD_ADD && !cfg->pf && !cfg->bond) {
		cni_err_set(err, CNI_ERR_CONFIG,
			    "\"pf\" (a vflagd PF, as in `vflagctl pf show`) "
			    "or \"bond\" is required");
		goto free_cfg;
	}
	if (!cfg->socket || !cfg->socket[0])
		cfg->socket = socket_env && socket_env[0]
				  ? socket_env
				  : VFLAG_CTL_DEFAULT_SOCKET;
	if (!cfg->data_dir || !cfg->data_dir[0])
		cfg->data_dir = CNI_DEFAULT_DATA_DIR;
	v = json_object_get(root, "requireDistributing");
	if (v && !json_is_boolean(v)) {
		cni_err_set(err, CNI_ERR_CONFIG,
			    "\"requireDistributing\" must be true or false");
		goto free_cfg;
	}
	cfg->require_distributing = json_is_true(v);

	if (parse_vf_opts(root, env, &cfg->vf, err))
		goto free_cfg;
	if (env->cmd == CNI_CMD_ADD && check_supported(&cfg->vf, err))
		goto free_cfg;

	v = json_object_get(root, "ipam");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v) ||
		    !json_is_string(json_object_get(v, "type")) ||
		    !json_string_length(json_object_get(v, "type")) ||
		    strchr(json_string_value(json_object_get(v, "type")),
			   '/')) {
			cni_err_set(err, CNI_ERR_CONFIG,
				    "\"ipam\" must be an object with a "
				    "\"type\" (a plugin name in CNI_PATH)");
			goto free_cfg;
		}
		cfg->ipam = v;
		cfg->ipam_type = json_string_value(json_object_get(v, "type"));
	}
	v = json_object_get(root, "prevResult");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			cni_err_set(err, CNI_ERR_CONFIG,
				    "\"prevResult\" must be an object");
			goto free_cfg;
		}
		cfg->prev_result = v;
	}
	if (env->cmd == CNI_CMD_GC && parse_valid_attachments(root, cfg, err))
		goto free_cfg;
	return 0;

free_cfg:
	cni_config_free(cfg);
	return -1;
}

void cni_config_free(struct cni_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->valid);
	json_decref(cfg->root);
	memset(cfg, 0, sizeof(*cfg));
}

bool cni_config_attachment_valid(const struct cni_config *cfg,
				 const char *container_id, const char *ifname)
{
	for (size_t i = 0; i < cfg->nvalid; i++)
		if (!strcmp(cfg->valid[i].container_id, container_id) &&
		    !strcmp(cfg->valid[i].ifname, ifname))
			return true;
	return false;
}
