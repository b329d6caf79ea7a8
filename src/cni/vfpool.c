/* The VFs vflagd offers, through its control socket. */
#include "cni/vfpool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vflagctl/client.h"

int cni_vflagd(const char *socket, int argc, char *const argv[], json_t **data,
	       int *refused_errno, struct cni_err *err)
{
	struct vflagctl_reply reply;
	char why[512];
	int ret;

	*data = NULL;
	if (refused_errno)
		*refused_errno = 0;
	ret = vflagctl_call(socket, argc, argv, &reply, why, sizeof(why));
	if (ret)
		return cni_err_set(err, CNI_ERR_TRY_AGAIN, "%s", why);
	if (!reply.ok) {
		char cmd[256] = "";

		for (int i = 0; i < argc; i++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
				 "%s%s", i ? " " : "", argv[i]);
		cni_err_set(err, CNI_ERR_REFUSED, "vflagd refused `%s`: %s",
			    cmd, reply.error);
		if (refused_errno)
			*refused_errno = reply.err_no;
		vflagctl_reply_release(&reply);
		return -1;
	}
	if (reply.data)
		*data = json_incref(reply.data);
	vflagctl_reply_release(&reply);
	return 0;
}

static void copy(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s ? s : "");
}

static void vf_from_json(json_t *row, struct cni_vf *out)
{
	struct cni_vf_settings *st = &out->settings;

	memset(out, 0, sizeof(*out));
	copy(out->pf, sizeof(out->pf), row, "pf");
	out->vf = (unsigned)json_integer_value(json_object_get(row, "vf"));
	copy(out->ifname, sizeof(out->ifname), row, "ifname");
	copy(out->mac, sizeof(out->mac), row, "mac");
	copy(out->pci, sizeof(out->pci), row, "pci");
	copy(out->netns, sizeof(out->netns), row, "netns");
	out->in_use = json_is_true(json_object_get(row, "in_use"));
	out->gone = json_is_true(json_object_get(row, "gone"));
	out->link_up = json_is_true(json_object_get(row, "link_up"));
	st->vlan = (int)json_integer_value(json_object_get(row, "vlan"));
	st->qos = (int)json_integer_value(json_object_get(row, "qos"));
	copy(st->proto, sizeof(st->proto), row, "vlan_proto");
	st->spoofchk = json_is_true(json_object_get(row, "spoofchk"));
	st->trust = json_is_true(json_object_get(row, "trust"));
	st->max_tx_rate =
	    json_integer_value(json_object_get(row, "max_tx_rate"));
	copy(st->state, sizeof(st->state), row, "state");
}

void cni_vf_settings_none(struct cni_vf_settings *s)
{
	*s = (struct cni_vf_settings){
	    .vlan = -1,
	    .qos = -1,
	    .spoofchk = -1,
	    .trust = -1,
	    .max_tx_rate = -1,
	};
}

void cni_vf_settings_from_opts(const struct cni_vf_opts *o,
			       struct cni_vf_settings *s)
{
	cni_vf_settings_none(s);
	if (o->vlan >= 0) {
		s->vlan = o->vlan;
		s->qos = o->vlan_qos > 0 ? o->vlan_qos : 0;
		/* sriov-cni's default; said explicitly so CHECK compares it */
		snprintf(s->proto, sizeof(s->proto), "%s",
			 o->vlan_proto ? o->vlan_proto : "802.1Q");
	}
	s->spoofchk = o->spoofchk;
	s->trust = o->trust;
	s->max_tx_rate = o->max_tx_rate;
	if (o->link_state)
		snprintf(s->state, sizeof(s->state), "%s", o->link_state);
}

void cni_vf_settings_undo(const struct cni_vf_settings *want,
			  const struct cni_vf_settings *cur,
			  struct cni_vf_settings *undo)
{
	cni_vf_settings_none(undo);
	if (want->vlan >= 0) {
		undo->vlan = cur->vlan;
		undo->qos = cur->qos;
		snprintf(undo->proto, sizeof(undo->proto), "%s", cur->proto);
	}
	if (want->spoofchk >= 0)
		undo->spoofchk = cur->spoofchk;
	if (want->trust >= 0)
		undo->trust = cur->trust;
	if (want->max_tx_rate >= 0)
		undo->max_tx_rate = cur->max_tx_rate;
	if (want->state[0])
		snprintf(undo->state, sizeof(undo->state), "%s", cur->state);
}

bool cni_vf_settings_any(const struct cni_vf_settings *s)
{
	return s->vlan >= 0 || s->spoofchk >= 0 || s->trust >= 0 ||
	       s->max_tx_rate >= 0 || s->state[0];
}

bool cni_vf_settings_match(const struct cni_vf_settings *want,
			   const struct cni_vf_settings *cur, char *why,
			   size_t why_len)
{
	if (want->vlan >= 0 && (cur->vlan != want->vlan ||
				(want->qos >= 0 && cur->qos != want->qos))) {
		snprintf(why, why_len, "vlan %d qos %d, not vlan %d qos %d",
			 cur->vlan, cur->qos, want->vlan,
			 want->qos >= 0 ? want->qos : 0);
		return false;
	}
	/* The tag's protocol matters only while there is a tag. */
	if (want->vlan > 0 && want->proto[0] &&
	    strcasecmp(cur->proto, want->proto)) {
		snprintf(why, why_len, "vlan proto %s, not %s", cur->proto,
			 want->proto);
		return false;
	}
	if (want->spoofchk >= 0 && cur->spoofchk != want->spoofchk) {
		snprintf(why, why_len, "spoofchk %s, not %s",
			 cur->spoofchk ? "on" : "off",
			 want->spoofchk ? "on" : "off");
		return false;
	}
	if (want->trust >= 0 && cur->trust != want->trust) {
		snprintf(why, why_len, "trust %s, not %s",
			 cur->trust ? "on" : "off", want->trust ? "on" : "off");
		return false;
	}
	if (want->max_tx_rate >= 0 && cur->max_tx_rate != want->max_tx_rate) {
		snprintf(why, why_len, "max_tx_rate %lld, not %lld",
			 cur->max_tx_rate, want->max_tx_rate);
		return false;
	}
	if (want->state[0] && strcmp(cur->state, want->state)) {
		snprintf(why, why_len, "link state %s, not %s", cur->state,
			 want->state);
		return false;
	}
	return true;
}

static bool vf_free(json_t *row)
{
	const char *type = json_string_value(json_object_get(row, "type"));

	return !json_is_true(json_object_get(row, "in_use")) &&
	       !json_is_true(json_object_get(row, "gone")) &&
	       json_is_null(json_object_get(row, "netns")) && type &&
	       !strcmp(type, "veth");
}

/* The first free VF of PF `pf`: 1 found, 0 none, -1 with *err. */
static int pick_in_pf(const char *socket, json_t *pfrow, struct cni_vf *out,
		      unsigned *total, struct cni_err *err)
{
	const char *name = json_string_value(json_object_get(pfrow, "name"));
	char *argv[] = {"vf", "show", (char *)name};
	json_t *data, *row;
	size_t i;

	if (!name)
		return 0;
	if (cni_vflagd(socket, 3, argv, &data, NULL, err))
		return -1;
	json_array_foreach(json_object_get(data, "vfs"), i, row)
	{
		(*total)++;
		if (vf_free(row)) {
			vf_from_json(row, out);
			json_decref(data);
			return 1;
		}
	}
	json_decref(data);
	return 0;
}

int cni_vf_pick(const struct cni_config *cfg, struct cni_vf *out,
		struct cni_err *err)
{
	char *argv[] = {"pf", "show"};
	const char *want = cfg->pf ? cfg->pf : cfg->bond;
	unsigned total = 0, pfs = 0;
	json_t *data, *pfrow;
	size_t i;
	int ret = 0;

	if (cni_vflagd(cfg->socket, 2, argv, &data, NULL, err))
		return -1;
	json_array_foreach(json_object_get(data, "pfs"), i, pfrow)
	{
		const char *key = cfg->pf ? "name" : "bond";
		const char *v = json_string_value(json_object_get(pfrow, key));

		if (!v || strcmp(v, want))
			continue;
		pfs++;
		ret = pick_in_pf(cfg->socket, pfrow, out, &total, err);
		if (ret)
			break;
	}
	json_decref(data);
	if (ret < 0)
		return -1;
	if (ret > 0)
		return 0;
	if (!pfs)
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "vflagd has no %s named %s (see `vflagctl "
				   "-s %s %s show`)",
				   cfg->pf ? "PF" : "bond with PFs", want,
				   cfg->socket, cfg->pf ? "pf" : "bond");
	cni_err_set(err, CNI_ERR_NO_FREE_VF,
		    "no free VF on %s %s: all %u are in use (raise numvfs: "
		    "vflagctl pf set PF numvfs N)",
		    cfg->pf ? "PF" : "bond", want, total);
	return -1;
}

int cni_vf_get(const char *socket, const char *pf, unsigned vf,
	       struct cni_vf *out, struct cni_err *err)
{
	char *argv[] = {"vf", "show", (char *)pf};
	json_t *data, *row;
	int refused;
	size_t i;

	if (cni_vflagd(socket, 3, argv, &data, &refused, err))
		return refused ? -ENOENT : -1; /* refused: no such PF */
	json_array_foreach(json_object_get(data, "vfs"), i, row)
	{
		if (json_integer_value(json_object_get(row, "vf")) == vf) {
			vf_from_json(row, out);
			json_decref(data);
			return 0;
		}
	}
	json_decref(data);
	return -ENOENT;
}

/* Appends word and value to argv (its room is checked by the caller). */
static void word(char **argv, int *argc, const char *w, const char *v)
{
	argv[(*argc)++] = (char *)w;
	argv[(*argc)++] = (char *)v;
}

int cni_vf_set(const char *socket, const char *pf, unsigned vf, const char *mac,
	       const char *netns, const struct cni_vf_settings *set,
	       int *refused_errno, struct cni_err *err)
{
	char num[16], vlan[16], qos[16], rate[24];
	/* "vf set PF vf N" and at most 9 pairs */
	char *argv[5 + 2 * 9] = {"vf", "set", (char *)pf, "vf", num};
	int argc = 5;
	json_t *data;
	int ret;

	snprintf(num, sizeof(num), "%u", vf);
	if (mac)
		word(argv, &argc, "mac", mac);
	if (set && set->vlan >= 0) {
		snprintf(vlan, sizeof(vlan), "%d", set->vlan);
		word(argv, &argc, "vlan", vlan);
		/* qos and proto only after a vlan (vflagd's grammar) */
		if (set->qos >= 0) {
			snprintf(qos, sizeof(qos), "%d", set->qos);
			word(argv, &argc, "qos", qos);
		}
		if (set->proto[0])
			word(argv, &argc, "proto", set->proto);
	}
	if (set && set->spoofchk >= 0)
		word(argv, &argc, "spoofchk", set->spoofchk ? "on" : "off");
	if (set && set->trust >= 0)
		word(argv, &argc, "trust", set->trust ? "on" : "off");
	if (set && set->max_tx_rate >= 0) {
		snprintf(rate, sizeof(rate), "%lld", set->max_tx_rate);
		word(argv, &argc, "max_tx_rate", rate);
	}
	if (set && set->state[0])
		word(argv, &argc, "state", set->state);
	if (netns)
		word(argv, &argc, "netns", netns);
	ret = cni_vflagd(socket, argc, argv, &data, refused_errno, err);
	json_decref(data);
	return ret;
}

int cni_vflagd_status(const struct cni_config *cfg, struct cni_err *err)
{
	char *pfshow[] = {"pf", "show"};
	char *bondshow[] = {"bond", "show", (char *)cfg->bond};
	json_t *data, *row, *bond, *m;
	bool found = false, tx = false;
	size_t i;

	if (cni_vflagd(cfg->socket, 2, pfshow, &data, NULL, err)) {
		err->code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	json_array_foreach(json_object_get(data, "pfs"), i, row)
	{
		const char *v = json_string_value(
		    json_object_get(row, cfg->pf ? "name" : "bond"));

		if (v && (cfg->pf || cfg->bond) &&
		    !strcmp(v, cfg->pf ? cfg->pf : cfg->bond))
			found = true;
	}
	json_decref(data);
	if ((cfg->pf || cfg->bond) && !found)
		return cni_err_set(err, CNI_ERR_UNAVAILABLE,
				   "vflagd has no %s named %s",
				   cfg->pf ? "PF" : "bond with PFs",
				   cfg->pf ? cfg->pf : cfg->bond);
	if (!cfg->bond || !cfg->require_distributing)
		return 0;
	if (cni_vflagd(cfg->socket, 3, bondshow, &data, NULL, err)) {
		err->code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	bond = json_array_get(json_object_get(data, "bonds"), 0);
	json_array_foreach(json_object_get(bond, "members"), i, m) tx |=
	    json_is_true(json_object_get(m, "tx"));
	json_decref(data);
	if (!tx)
		return cni_err_set(err, CNI_ERR_UNAVAILABLE_LIMITED,
				   "bond %s is not distributing: no member "
				   "transmits (see `vflagctl bond show %s`)",
				   cfg->bond, cfg->bond);
	return 0;
}
