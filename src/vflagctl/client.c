/* vflagctl's side of the control protocol: connect, one request line,
 * one reply line, checked against doc/ctl.md. */
#include "vflagctl/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vflag/ctl.h"

char *vflagctl_request_encode(int argc, char *const argv[])
{
	return vflagctl_request_encode_opts(argc, argv, false);
}

char *vflagctl_request_encode_opts(int argc, char *const argv[], bool progress)
{
	json_t *req = json_object();
	json_t *words = json_array();
	char *line = NULL;
	char *text;
	size_t len;

	if (!req || !words)
		goto out_free_json;
	for (int i = 0; i < argc; i++) {
		if (json_array_append_new(words, json_string(argv[i])))
			goto out_free_json; /* not UTF-8, or no memory */
	}
	if (json_object_set(req, "argv", words))
		goto out_free_json;
	if (progress && json_object_set_new(req, "progress", json_true()))
		goto out_free_json;
	text = json_dumps(req, JSON_COMPACT);
	if (!text)
		goto out_free_json;
	len = strlen(text);
	line = realloc(text, len + 2);
	if (!line) {
		free(text);
		goto out_free_json;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
out_free_json:
	json_decref(words);
	json_decref(req);
	return line;
}

int vflagctl_reply_parse(const char *line, size_t len,
			 struct vflagctl_reply *reply, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *root, *ok, *v;

	memset(reply, 0, sizeof(*reply));
	root = json_loadb(line, len, 0, &jerr);
	if (!root) {
		snprintf(why, whylen, "reply is not JSON: %s (column %d)",
			 jerr.text, jerr.column);
		return -EPROTO;
	}
	ok = json_object_get(root, "ok");
	if (!json_is_object(root) || !json_is_boolean(ok)) {
		snprintf(why, whylen, "reply has no boolean \"ok\"");
		json_decref(root);
		return -EPROTO;
	}

	reply->root = root;
	reply->ok = json_is_true(ok);
	if (reply->ok) {
		v = json_object_get(root, "data");
		reply->data = json_is_null(v) ? NULL : v;
		return 0;
	}
	v = json_object_get(root, "error");
	reply->error = json_is_string(v) ? json_string_value(v)
					 : "vflagd refused the command";
	v = json_object_get(root, "errno");
	reply->err_no = json_is_integer(v) ? (int)json_integer_value(v) : 0;
	reply->usage = json_is_true(json_object_get(root, "usage"));
	return 0;
}

void vflagctl_reply_release(struct vflagctl_reply *reply)
{
	json_decref(reply->root);
	memset(reply, 0, sizeof(*reply));
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Lines from the daemon: a reply, after progress lines for a request that
 * asked for them. */
struct reader {
	char *buf;
	size_t cap, used; /* buf[0..used) read */
	size_t next; /* where the line after the last one returned starts */
};

/* The next line, without its '\n' (made a NUL), in *line (valid until
 * the next call). Returns 0, -EMSGSIZE past VFLAGCTL_MAX_REPLY,
 * -ECONNRESET on EOF before the '\n', -ETIMEDOUT, or another -errno. */
static int read_line(int fd, struct reader *rd, char **line, size_t *len)
{
	if (rd->next) { /* drop the line returned last time */
		memmove(rd->buf, rd->buf + rd->next, rd->used - rd->next);
		rd->used -= rd->next;
		rd->next = 0;
	}
	for (size_t seen = 0;;) {
		char *nl = rd->buf
			       ? memchr(rd->buf + seen, '\n', rd->used - seen)
			       : NULL;
		ssize_t n;

		if (nl) {
			*nl = '\0';
			*line = rd->buf;
			*len = (size_t)(nl - rd->buf);
			rd->next = *len + 1;
			return 0;
		}
		seen = rd->used;
		if (rd->used == rd->cap) {
			size_t cap = rd->cap ? rd->cap * 2 : 64 * 1024;
			char *bigger;

			if (rd->cap >= VFLAGCTL_MAX_REPLY)
				return -EMSGSIZE;
			bigger = realloc(rd->buf, cap);
			if (!bigger)
				return -ENOMEM;
			rd->buf = bigger;
			rd->cap = cap;
		}
		n = read(fd, rd->buf + rd->used, rd->cap - rd->used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK)
				   ? -ETIMEDOUT
				   : -errno;
		if (n == 0)
			return -ECONNRESET;
		rd->used += (size_t)n;
	}
}

/* A progress line's object ({"progress": {...}} and no "ok"), or NULL. */
static json_t *progress_line(const char *line, size_t len, json_t **root)
{
	json_t *p;

	*root = json_loadb(line, len, 0, NULL);
	p = json_object_get(*root, "progress");
	if (json_is_object(p) && !json_object_get(*root, "ok"))
		return p;
	json_decref(*root);
	*root = NULL;
	return NULL;
}

int vflagctl_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = VFLAGCTL_REPLY_TIMEOUT_S};
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	/* A daemon that accepted but hangs must not hang scripts forever. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int vflagctl_call(const char *path, int argc, char *const argv[],
		  struct vflagctl_reply *reply, char *why, size_t whylen)
{
	return vflagctl_call_progress(path, argc, argv, NULL, NULL, reply, why,
				      whylen);
}

int vflagctl_call_progress(const char *path, int argc, char *const argv[],
			   vflagctl_progress_fn progress, void *arg,
			   struct vflagctl_reply *reply, char *why,
			   size_t whylen)
{
	struct reader rd = {0};
	char *req, *line = NULL;
	char what[256];
	size_t len = 0;
	int fd, ret;

	memset(reply, 0, sizeof(*reply));
	req = vflagctl_request_encode_opts(argc, argv, progress != NULL);
	if (!req) {
		snprintf(why, whylen,
			 "cannot encode the command (are its words UTF-8?)");
		return -EINVAL;
	}
	if (strlen(req) > VFLAG_CTL_MAX_LINE) {
		snprintf(why, whylen,
			 "command too long (%zu bytes encoded, at most %d)",
			 strlen(req), VFLAG_CTL_MAX_LINE);
		ret = -E2BIG;
		goto out_free_req;
	}

	fd = vflagctl_connect(path);
	if (fd < 0) {
		ret = fd;
		snprintf(why, whylen,
			 "cannot reach vflagd at %s: %s (is vflagd running? "
			 "start it with: vflagd -s %s)",
			 path, strerror(-ret), path);
		goto out_free_req;
	}
	ret = send_all(fd, req, strlen(req));
	if (ret) {
		snprintf(why, whylen, "lost vflagd at %s while sending: %s",
			 path, strerror(-ret));
		goto out_close;
	}
	for (;;) {
		json_t *root, *p;

		ret = read_line(fd, &rd, &line, &len);
		if (ret || !progress)
			break;
		p = progress_line(line, len, &root);
		if (!p)
			break;
		progress(arg, p);
		json_decref(root);
	}
	if (ret == -ECONNRESET) {
		snprintf(why, whylen,
			 "vflagd at %s closed the connection without a reply",
			 path);
		goto out_close;
	}
	if (ret == -EMSGSIZE) {
		snprintf(why, whylen,
			 "reply from vflagd at %s is over %u bytes", path,
			 VFLAGCTL_MAX_REPLY);
		goto out_close;
	}
	if (ret == -ETIMEDOUT) {
		snprintf(why, whylen, "no reply from vflagd at %s within %d s",
			 path, VFLAGCTL_REPLY_TIMEOUT_S);
		goto out_close;
	}
	if (ret) {
		snprintf(why, whylen, "reading the reply from vflagd at %s: %s",
			 path, strerror(-ret));
		goto out_close;
	}
	ret = vflagctl_reply_parse(line, len, reply, what, sizeof(what));
	if (ret)
		snprintf(why, whylen,
			 "vflagd at %s sent a reply not understood: %s", path,
			 what);
out_close:
	free(rd.buf);
	close(fd);
out_free_req:
	free(req);
	return ret;
}
