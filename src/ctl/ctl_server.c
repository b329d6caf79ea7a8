/* Unix stream socket, one JSON object per line each way. */
#include "ctl/ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "vflag/ctl.h"

#define TAG "ctl"
#define CTL_MAX_CLIENTS 64

struct ctl_client {
	int fd;           /* -1: free */
	char *buf;        /* VFLAG_CTL_MAX_LINE bytes */
	size_t len;
	struct ctl_server *srv;
};

struct ctl_server {
	struct loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctl_handler handler;
	void *ctx;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

int ctl_request_parse(const char *line, size_t len, json_t **req, int *argc,
		      const char *argv[], char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *args;
	size_t i;

	*req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*req) {
		snprintf(err, errlen, "request is not JSON: %s", jerr.text);
		return -EINVAL;
	}
	args = json_object_get(*req, "argv");
	if (!json_is_object(*req) || !json_is_array(args)) {
		snprintf(err, errlen, "request must be an object with an \"argv\" array");
		goto bad;
	}
	if (json_array_size(args) < 1 || json_array_size(args) > VFLAG_CTL_MAX_ARGS) {
		snprintf(err, errlen, "argv must have 1 to %d words", VFLAG_CTL_MAX_ARGS);
		goto bad;
	}
	for (i = 0; i < json_array_size(args); i++) {
		json_t *a = json_array_get(args, i);

		if (!json_is_string(a) || json_string_length(a) > VFLAG_CTL_MAX_ARG_LEN ||
		    strlen(json_string_value(a)) != json_string_length(a)) {
			snprintf(err, errlen, "argv[%zu] must be a string of at most %d bytes without NUL",
				 i, VFLAG_CTL_MAX_ARG_LEN);
			goto bad;
		}
		argv[i] = json_string_value(a);
	}
	argv[i] = NULL;
	*argc = (int)i;
	return 0;
bad:
	json_decref(*req);
	*req = NULL;
	return -EINVAL;
}

static char *reply_dump(json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);
	size_t n;
	char *line;

	json_decref(reply);
	if (!s)
		return strdup("{\"ok\":false,\"error\":\"out of memory\",\"errno\":12,\"usage\":false}\n");
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = 0;
	return line;
}

static char *reply_error(const char *msg, int error, bool usage)
{
	json_t *reply = json_pack("{s:b, s:s, s:i, s:b}", "ok", 0, "error", msg, "errno",
				  error, "usage", usage);
	char clean[1024];
	size_t i;

	if (reply)
		return reply_dump(reply);
	/* Not UTF-8: the message quotes a client's broken bytes (jansson's
	 * own error text can). Say it in ASCII rather than not at all. */
	for (i = 0; msg[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
	clean[i] = 0;
	return reply_dump(json_pack("{s:b, s:s, s:i, s:b}", "ok", 0, "error", clean, "errno",
				    error, "usage", usage));
}

char *ctl_handle_line(const char *line, size_t len, ctl_handler handler, void *ctx)
{
	const char *argv[VFLAG_CTL_MAX_ARGS + 1];
	char err[1024] = "";
	bool usage = false;
	int argc, error = 0;
	json_t *req, *data;

	if (ctl_request_parse(line, len, &req, &argc, argv, err, sizeof(err)))
		return reply_error(err, EINVAL, true);
	data = handler(ctx, argc, (char **)argv, &error, &usage, err, sizeof(err));
	json_decref(req);
	if (error) {
		json_decref(data);
		return reply_error(err[0] ? err : strerror(error), error, usage);
	}
	return reply_dump(json_pack("{s:b, s:o}", "ok", 1, "data", data ? data : json_null()));
}

static void client_close(struct ctl_client *c)
{
	loop_del(c->srv->loop, c->fd);
	close(c->fd);
	free(c->buf);
	c->buf = NULL;
	c->fd = -1;
}

static bool client_send(struct ctl_client *c, const char *line)
{
	size_t off = 0, len = strlen(line);

	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			return false; /* gone, or stuck past SO_SNDTIMEO */
		off += (size_t)n;
	}
	return true;
}

static void client_read(void *arg, int fd)
{
	struct ctl_client *c = arg;
	ssize_t n = recv(fd, c->buf + c->len, VFLAG_CTL_MAX_LINE - c->len, 0);
	char *nl;

	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t line_len = (size_t)(nl - c->buf);
		char *reply = ctl_handle_line(c->buf, line_len, c->srv->handler, c->srv->ctx);
		bool ok = reply && client_send(c, reply);

		free(reply);
		memmove(c->buf, nl + 1, c->len - line_len - 1);
		c->len -= line_len + 1;
		if (!ok) {
			client_close(c);
			return;
		}
		/* A handler may have closed this client (teardown never does,
		 * but keep the loop honest). */
		if (c->fd < 0)
			return;
	}
	if (c->len == VFLAG_CTL_MAX_LINE) {
		char *reply = reply_error("request line too long (at most 65536 bytes)", E2BIG, true);

		LOG_WARN_RL(TAG, "client sent a line over %d bytes: closed", VFLAG_CTL_MAX_LINE);
		if (reply)
			client_send(c, reply);
		free(reply);
		client_close(c);
	}
}

static void server_accept(void *arg, int fd)
{
	struct ctl_server *srv = arg;
	struct timeval tv = { .tv_sec = 2 };
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	struct ctl_client *c = NULL;

	if (cfd < 0)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd < 0) {
			c = &srv->clients[i];
			break;
		}
	if (!c) {
		LOG_WARN_RL(TAG, "too many control clients (%d): refusing one", CTL_MAX_CLIENTS);
		close(cfd);
		return;
	}
	/* A client that stops reading must not stall the daemon. */
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->buf = malloc(VFLAG_CTL_MAX_LINE);
	if (!c->buf) {
		close(cfd);
		return;
	}
	c->fd = cfd;
	c->len = 0;
	c->srv = srv;
	if (loop_add(srv->loop, cfd, client_read, c)) {
		free(c->buf);
		c->buf = NULL;
		close(cfd);
		c->fd = -1;
	}
}

static void mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	mkdir(dir, 0755);
}

struct ctl_server *ctl_server_open(struct loop *loop, const char *path, ctl_handler handler,
				   void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	mode_t old_umask;
	int probe;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	srv->loop = loop;
	srv->handler = handler;
	srv->ctx = ctx;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	mkdir_parent(path);

	/* Another vflagd answering there? Then do not steal its socket. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		snprintf(err, errlen, "another vflagd is serving %s", path);
		goto free_srv;
	}
	if (probe >= 0)
		close(probe);
	/* Replace a stale socket, never anything else a mistyped -s names. */
	{
		struct stat st;

		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			goto free_srv;
		}
	}
	unlink(path);

	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto free_srv;
	}
	old_umask = umask(0177); /* the socket file is born 0600 */
	if (bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old_umask);
		snprintf(err, errlen, "cannot bind %s: %s", path, strerror(errno));
		goto close_fd;
	}
	umask(old_umask);
	chmod(path, 0600);
	if (listen(srv->fd, 16) < 0 || loop_add(loop, srv->fd, server_accept, srv)) {
		snprintf(err, errlen, "cannot listen on %s: %s", srv->path, strerror(errno));
		goto unlink_path;
	}
	return srv;

unlink_path:
	unlink(path);
close_fd:
	close(srv->fd);
free_srv:
	free(srv);
	return NULL;
}

void ctl_server_close(struct ctl_server *srv)
{
	if (!srv)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			client_close(&srv->clients[i]);
	loop_del(srv->loop, srv->fd);
	close(srv->fd);
	unlink(srv->path);
	free(srv);
}
