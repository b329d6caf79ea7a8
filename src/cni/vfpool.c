/* The VFs vflagd offers, through its control socket. */
#include "cni/vfpool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

static void vf_from_json(json_t *row, bool spoofchk, struct cni_vf *out)
{
	memset(out, 0, sizeof(*out));
	copy(out->pf, sizeof(out->pf), row, "pf");
	out->vf = (unsigned)json_integer_value(json_object_get(row, "vf"));
	copy(out->ifname, sizeof(out->ifname), row, "ifname");
	copy(out->mac, sizeof(out->mac), row, "mac");
	copy(out->pci, sizeof(out->pci), row, "pci");
	copy(out->netns, sizeof(out->netns), row, "netns");
	out->in_use = json_is_true(json_object_get(row, "in_use"));
	out->gone = json_is_true(json_object_get(row, "gone"));
	out->pf_spoofchk = spoofchk;
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
			vf_from_json(
			    row,
			    json_is_true(json_object_get(pfrow, "spoofchk")),
			    out);
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
			vf_from_json(row, false, out);
			json_decref(data);
			return 0;
		}
	}
	json_decref(data);
	return -ENOENT;
}

int cni_vf_set(const char *socket, const char *pf, unsigned vf, const char *mac,
	       const char *netns, int *refused_errno, struct cni_err *err)
{
	char num[16];
	char *argv[9] = {"vf", "set", (char *)pf, "vf", num}; /* + mac, netns */
	int argc = 5;
	json_t *data;
	int ret;

	snprintf(num, sizeof(num), "%u", vf);
	if (mac) {
		argv[argc++] = "mac";
		argv[argc++] = (char *)mac;
	}
	if (netns) {
		argv[argc++] = "netns";
		argv[argc++] = (char *)netns;
	}
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
