/* vflag-cni: a CNI plugin (spec 1.0.0 and 1.1.0) that gives containers a
 * VF of vflag's eswitch. Run by a container runtime: the verb and the
 * attachment in CNI_* variables, the network configuration on stdin, the
 * result or a CNI error object on stdout (doc/cni.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/plugin.h"
#include "vflag/ctl.h"

#define CNI_MAX_CONF (4u << 20) /* a configuration with a big prevResult */

static const char *get_env(const char *name)
{
	return getenv(name);
}

/* Reads all of stdin (NUL-terminated); NULL on failure or over max. */
static char *read_stdin(size_t *len)
{
	size_t cap = 8192, used = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n;

		if (cap - used < 2) {
			char *bigger =
			    cap >= CNI_MAX_CONF ? NULL : realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(0, buf + used, cap - used - 1);
		if (n < 0)
			break;
		if (n == 0) {
			buf[used] = '\0';
			*len = used;
			return buf;
		}
		used += (size_t)n;
	}
	free(buf);
	return NULL;
}

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	fflush(stdout);
}

/* Error objects carry the configuration's version when it has a good
 * one (SPEC.md: the same version as the request). */
static const char *conf_version(const char *conf, size_t len, char buf[16])
{
	json_t *root = json_loadb(conf ? conf : "", len, 0, NULL);
	const char *v = json_string_value(json_object_get(root, "cniVersion"));

	snprintf(buf, 16, "%s", cni_version_supported(v) ? v : "1.1.0");
	json_decref(root);
	return buf;
}

int main(int argc, char **argv)
{
	struct cni_err err = {0};
	struct cni_env env;
	json_t *out = NULL;
	size_t len = 0;
	char *conf = NULL;
	char version[16];
	int ret;

	if (argc > 1 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("vflag-cni: a CNI plugin (spec 1.0.0, 1.1.0), run by a "
		       "container runtime with CNI_COMMAND=ADD|DEL|CHECK|"
		       "VERSION|STATUS|GC and the network configuration on "
		       "stdin. See doc/cni.md.\n");
		return 0;
	}
	/* stdin first: even an environment error answers in the
	 * configuration's version. */
	conf = read_stdin(&len);
	if (!conf)
		ret = cni_err_set(&err, CNI_ERR_IO,
				  "cannot read the configuration on stdin");
	else
		ret = cni_env_parse(get_env, &env, &err);
	if (!ret)
		ret = cni_plugin_run(&env, conf, len,
				     getenv(VFLAG_CTL_SOCKET_ENV), &out, &err);
	if (ret) {
		json_t *e =
		    cni_err_json(&err, conf_version(conf, len, version));

		print_json(e);
		json_decref(e);
		free(conf);
		return 1;
	}
	if (out)
		print_json(out);
	json_decref(out);
	free(conf);
	return 0;
}
