/* Running a delegated CNI plugin (the IPAM plugin): fork, exec, a pipe
 * each way. */
#include "cni/delegate.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni/config.h"

#define DELEGATE_MAX_OUTPUT (1u << 20) /* a result is a few KiB */
#define CNI_DELEGATE_VAR_MAX 4200      /* "CNI_NETNS=" and a path */

extern char **environ;

int cni_delegate_find(const struct cni_delegate *d, char *buf, size_t len)
{
	const char *p = d->cni_path;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n &&
		    (size_t)snprintf(buf, len, "%.*s/%s", (int)n, p, d->type) <
			len &&
		    access(buf, X_OK) == 0)
			return 0;
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

/* This process's environment with the CNI_* variables of the delegation
 * replaced. Returns a malloc'd array of pointers (the strings of `own`
 * and environ are borrowed). */
static char **delegate_env(const struct cni_delegate *d, const char *command,
			   char own[4][CNI_DELEGATE_VAR_MAX])
{
	static const char *const ours[] = {
	    "CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_IFNAME=", "CNI_NETNS="};
	size_t n = 0, k = 0;
	char **envp;

	while (environ[n])
		n++;
	envp = calloc(n + 5, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool skip = false;

		for (size_t j = 0; j < 4; j++)
			skip |= !strncmp(environ[i], ours[j], strlen(ours[j]));
		if (!skip)
			envp[k++] = environ[i];
	}
	snprintf(own[0], CNI_DELEGATE_VAR_MAX, "CNI_COMMAND=%s", command);
	envp[k++] = own[0];
	if (d->container_id) {
		snprintf(own[1], CNI_DELEGATE_VAR_MAX, "CNI_CONTAINERID=%s",
			 d->container_id);
		envp[k++] = own[1];
	}
	if (d->ifname) {
		snprintf(own[2], CNI_DELEGATE_VAR_MAX, "CNI_IFNAME=%s",
			 d->ifname);
		envp[k++] = own[2];
	}
	if (d->netns) {
		snprintf(own[3], CNI_DELEGATE_VAR_MAX, "CNI_NETNS=%s",
			 d->netns);
		envp[k++] = own[3];
	}
	return envp;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads fd to EOF into a malloc'd, NUL-terminated buffer. */
static int read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - used < 2) {
			char *bigger;

			if (cap >= DELEGATE_MAX_OUTPUT) {
				free(buf);
				return -EMSGSIZE;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	return 0;
}

/* Runs `exe` with envp, `input` on stdin; returns its exit status (as
 * waitpid gives it) with its stdout in *out, or -errno. */
static int run(const char *exe, char **envp, const char *input, char **out,
	       size_t *outlen)
{
	int in[2], outp[2], status, ret;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(outp, O_CLOEXEC)) {
		ret = -errno;
		goto close_in;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto close_out;
	}
	if (pid == 0) {
		char *const argv[] = {(char *)exe, NULL};

		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0)
			_exit(127);
		execve(exe, argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	/* A plugin that exits without reading stdin must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	ret = write_all(in[1], input, strlen(input));
	if (ret == -EPIPE)
		ret = 0; /* it did not read stdin: its exit status tells */
	close(in[1]);
	{
		int rret = read_all(outp[0], out, outlen);

		if (!ret)
			ret = rret;
	}
	close(outp[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (ret) {
		if (!*out)
			return ret;
		free(*out);
		*out = NULL;
		return ret;
	}
	return status;

close_out:
	close(outp[0]);
	close(outp[1]);
close_in:
	close(in[0]);
	close(in[1]);
	return ret;
}

/* Turns the plugin's error output into *err. */
static void plugin_error(const struct cni_delegate *d, const char *command,
			 int status, const char *out, struct cni_err *err)
{
	json_t *o = json_loads(out, 0, NULL);
	json_t *code = json_object_get(o, "code");
	const char *msg = json_string_value(json_object_get(o, "msg"));
	const char *det = json_string_value(json_object_get(o, "details"));

	if (json_is_integer(code) && msg) {
		cni_err_set(err, (int)json_integer_value(code), "%s %s: %s",
			    d->type, command, msg);
		if (det)
			cni_err_details(err, "%s", det);
	} else {
		cni_err_set(
		    err, CNI_ERR_IO,
		    "%s %s failed (%s %d) without a "
		    "CNI error object",
		    d->type, command, WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		cni_err_details(err, "stdout: %.900s", out);
	}
	json_decref(o);
}

int cni_delegate_run(const struct cni_delegate *d, const char *command,
		     const json_t *conf, const char *version, json_t **result,
		     struct cni_err *err)
{
	char exe[4096], own[4][CNI_DELEGATE_VAR_MAX];
	char *input = NULL, *out = NULL;
	json_t *copy = NULL;
	size_t outlen = 0;
	char **envp;
	int status, ret = -1;

	*result = NULL;
	if (cni_delegate_find(d, exe, sizeof(exe)))
		return cni_err_set(err, CNI_ERR_CONFIG,
				   "IPAM plugin \"%s\" not found in CNI_PATH "
				   "(%s)",
				   d->type,
				   d->cni_path ? d->cni_path : "unset");
	copy = json_deep_copy(conf);
	if (copy && version)
		json_object_set_new(copy, "cniVersion", json_string(version));
	input = copy ? json_dumps(copy, JSON_COMPACT) : NULL;
	envp = delegate_env(d, command, own);
	if (!input || !envp) {
		cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
		goto free_all;
	}
	status = run(exe, envp, input, &out, &outlen);
	if (status < 0) {
		cni_err_set(err, CNI_ERR_IO, "cannot run %s: %s", exe,
			    strerror(-status));
		goto free_all;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		plugin_error(d, command, status, out, err);
		goto free_all;
	}
	if (outlen && strspn(out, " \t\r\n") != outlen) {
		*result = json_loads(out, 0, NULL);
		if (!json_is_object(*result)) {
			json_decref(*result);
			*result = NULL;
			cni_err_set(err, CNI_ERR_DECODE,
				    "%s %s printed something that is not a "
				    "JSON object",
				    d->type, command);
			cni_err_details(err, "stdout: %.900s", out);
			goto free_all;
		}
	}
	ret = 0;
free_all:
	free(out);
	free(envp);
	free(input);
	json_decref(copy);
	return ret;
}

int cni_delegate_version(const struct cni_delegate *d, const char *want,
			 char version[16], struct cni_err *err)
{
	json_t *conf = json_pack("{s:s}", "cniVersion", want);
	json_t *res = NULL, *v;
	const char *best = NULL;
	size_t i;
	int ret;

	if (!conf)
		return cni_err_set(err, CNI_ERR_INTERNAL, "out of memory");
	ret = cni_delegate_run(d, "VERSION", conf, NULL, &res, err);
	json_decref(conf);
	if (ret)
		return ret;
	json_array_foreach(json_object_get(res, "supportedVersions"), i, v)
	{
		const char *s = json_string_value(v);

		if (!s || cni_version_cmp(s, want) > 0 ||
		    cni_version_cmp(s, "0.3.0") < 0)
			continue;
		if (!best || cni_version_cmp(s, best) > 0)
			best = s;
	}
	if (!best) {
		json_decref(res);
		return cni_err_set(err, CNI_ERR_VERSION,
				   "IPAM plugin %s speaks no CNI version "
				   "between 0.3.0 and %s",
				   d->type, want);
	}
	snprintf(version, 16, "%s", best);
	json_decref(res);
	return 0;
}
