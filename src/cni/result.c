/* CNI error objects, results and the VERSION answer (SPEC.md, "Result
 * Types"). */
#include "cni/result.h"

#include <stdio.h>
#include <string.h>

#include "cni/version.h"

int cni_err_set(struct cni_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->details[0] = '\0';
	return -1;
}

void cni_err_details(struct cni_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->details, sizeof(err->details), fmt, ap);
	va_end(ap);
}

json_t *cni_err_json(const struct cni_err *err, const char *cni_version)
{
	json_t *o = json_pack("{s:s, s:i, s:s}", "cniVersion",
			      cni_version ? cni_version : "1.1.0", "code",
			      err->code, "msg", err->msg);

	if (o && err->details[0])
		json_object_set_new(o, "details", json_string(err->details));
	return o;
}

json_t *cni_version_json(const char *cni_version)
{
	return json_pack("{s:s, s:o}", "cniVersion", cni_version,
			 "supportedVersions", cni_supported_versions());
}

/* Appends copies of the elements of `from` (an array or NULL) to `to`;
 * when `iface` >= 0 each copy's "interface" is set to it. */
static int append_all(json_t *to, const json_t *from, long iface,
		      const char *what, const char **why)
{
	size_t i;
	json_t *v;

	if (!from)
		return 0;
	if (!json_is_array(from)) {
		*why = what;
		return -1;
	}
	json_array_foreach(from, i, v)
	{
		json_t *c = json_deep_copy(v);

		if (!json_is_object(c)) {
			json_decref(c);
			*why = what;
			return -1;
		}
		if (iface >= 0)
			json_object_set_new(c, "interface",
					    json_integer(iface));
		/* 0.x IPAM results carry "version"; 1.0.0 dropped it. */
		json_object_del(c, "version");
		json_array_append_new(to, c);
	}
	return 0;
}

json_t *cni_result_build(const char *cni_version, const json_t *prev,
			 const json_t *ipam, const struct cni_iface *iface,
			 const char **why)
{
	bool v11 = cni_version_cmp(cni_version, "1.1.0") >= 0;
	json_t *res, *ifaces, *ips, *routes, *me, *dns = NULL;
	long index;

	*why = NULL;
	if (prev && !json_is_object(prev)) {
		*why = "prevResult is not an object";
		return NULL;
	}
	if (ipam && !json_is_object(ipam)) {
		*why = "the IPAM result is not an object";
		return NULL;
	}
	res = json_object();
	ifaces = json_array();
	ips = json_array();
	routes = json_array();
	if (!res || !ifaces || !ips || !routes) {
		*why = "out of memory";
		goto free_all;
	}
	if (append_all(
		ifaces, prev ? json_object_get(prev, "interfaces") : NULL, -1,
		"prevResult.interfaces is not an array of objects", why) ||
	    append_all(ips, prev ? json_object_get(prev, "ips") : NULL, -1,
		       "prevResult.ips is not an array of objects", why) ||
	    append_all(routes, prev ? json_object_get(prev, "routes") : NULL,
		       -1, "prevResult.routes is not an array of objects", why))
		goto free_all;

	index = (long)json_array_size(ifaces);
	me = json_pack("{s:s, s:s, s:s}", "name", iface->name, "mac",
		       iface->mac, "sandbox", iface->sandbox);
	if (!me) {
		*why = "out of memory";
		goto free_all;
	}
	if (v11 && iface->mtu)
		json_object_set_new(me, "mtu", json_integer(iface->mtu));
	if (v11 && iface->pci_id && iface->pci_id[0])
		json_object_set_new(me, "pciID", json_string(iface->pci_id));
	json_array_append_new(ifaces, me);

	if (ipam &&
	    (append_all(ips, json_object_get(ipam, "ips"), index,
			"the IPAM result's ips is not an array of objects",
			why) ||
	     append_all(routes, json_object_get(ipam, "routes"), -1,
			"the IPAM result's routes is not an array of objects",
			why)))
		goto free_all;

	/* The IPAM plugin knows the network's resolver better than an
	 * earlier plugin of the chain. */
	if (ipam && json_is_object(json_object_get(ipam, "dns")))
		dns = json_object_get(ipam, "dns");
	else if (prev && json_is_object(json_object_get(prev, "dns")))
		dns = json_object_get(prev, "dns");

	json_object_set_new(res, "cniVersion", json_string(cni_version));
	json_object_set_new(res, "interfaces", ifaces);
	json_object_set_new(res, "ips", ips);
	if (json_array_size(routes))
		json_object_set_new(res, "routes", routes);
	else
		json_decref(routes);
	json_object_set_new(res, "dns",
			    dns ? json_deep_copy(dns) : json_object());
	return res;

free_all:
	json_decref(routes);
	json_decref(ips);
	json_decref(ifaces);
	json_decref(res);
	return NULL;
}

int cni_result_find_iface(const json_t *result, const char *ifname,
			  const char *sandbox)
{
	json_t *ifaces = json_object_get(result, "interfaces");
	size_t i;
	json_t *v;

	json_array_foreach(ifaces, i, v)
	{
		const char *n = json_string_value(json_object_get(v, "name"));
		const char *s =
		    json_string_value(json_object_get(v, "sandbox"));

		if (n && !strcmp(n, ifname) && s && s[0] &&
		    (!sandbox || !strcmp(s, sandbox)))
			return (int)i;
	}
	return -1;
}
