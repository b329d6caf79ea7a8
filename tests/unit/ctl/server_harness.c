/* The control server's test harness, shared by test_ctl_server_limits.c
 * and test_ctl_call.c: a real Unix socket in a temp dir, the loop driven by
 * loop_run_once() from the test, an echoing fake handler that defers the
 * request "long" (a long operation the test answers). */
#include "server_harness.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "vflag/ctl.h"

/* ---- an echoing handler: {"argv0": argv[0], "pad": "xxx..."} ---------- */

json_t *fake_handler(void *ctx, struct ctl_call *call, int argc, char **argv,
		     int *error, bool *usage, char *err, size_t errlen)
{
	struct fake *f = ctx;
	json_t *data = json_pack("{s:s, s:i}", "argv0", argv[0], "argc", argc);

	(void)error;
	(void)usage;
	(void)err;
	(void)errlen;
	f->calls++;
	/* "long": a long operation, answered later by the test */
	if (call && !strcmp(argv[0], "long")) {
		ctl_call_defer(call);
		f->deferred = call;
		json_decref(data);
		return NULL;
	}
	if (f->pad) {
		char *pad = malloc(f->pad + 1);

		assert_non_null(pad);
		memset(pad, 'x', f->pad);
		pad[f->pad] = 0;
		json_object_set_new(data, "pad", json_string(pad));
		free(pad);
	}
	return data;
}

/* ---- fixture ----------------------------------------------------------- */

struct fx *fx_open(const struct ctl_server_opts *opts)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256] = "";

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/vflag-ctl-limits.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/vflagd.sock", fx->dir);
	fx->loop = loop_create();
	assert_non_null(fx->loop);
	fx->srv = ctl_server_open_opts(fx->loop, fx->path, fake_handler,
				       &fx->fake, opts, err, sizeof(err));
	if (!fx->srv)
		fail_msg("ctl_server_open_opts: %s", err);
	return fx;
}

void fx_close(struct fx *fx)
{
	ctl_server_close(fx->srv);
	loop_destroy(fx->loop);
	clock_fake_clear();
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
}

struct ctl_server_stats fx_stats(struct fx *fx)
{
	struct ctl_server_stats st;

	ctl_server_get_stats(fx->srv, &st);
	return st;
}

void pump(struct fx *fx)
{
	for (int i = 0; i < 4; i++)
		assert_true(loop_run_once(fx->loop, 0) >= 0);
}

double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- clients ----------------------------------------------------------- */

struct client *client_open(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct client *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
	return c;
}

void client_close(struct client *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Writes all of buf, running the server whenever the socket is full. */
void client_write(struct fx *fx, struct client *c, const void *buf, size_t len)
{
	size_t off = 0;

	for (int tries = 0; off < len; tries++) {
		ssize_t n = send(c->fd, (const char *)buf + off, len - off,
				 MSG_NOSIGNAL);

		assert_true(tries < 10000);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			assert_true(loop_run_once(fx->loop, 10) >= 0);
			continue;
		}
		off += (size_t)n;
	}
}

void client_request(struct fx *fx, struct client *c, const char *word)
{
	char req[128];

	snprintf(req, sizeof(req), "{\"argv\":[\"%s\"]}\n", word);
	client_write(fx, c, req, strlen(req));
}

/* Reads at most max bytes of what the server sent, without waiting.
 * Returns the count, 0 for nothing yet, -1 once the server closed. */
ssize_t client_recv(struct client *c, size_t max)
{
	ssize_t n;

	if (c->cap - c->len < max) {
		c->cap = c->len + max;
		c->buf = realloc(c->buf, c->cap);
		assert_non_null(c->buf);
	}
	n = recv(c->fd, c->buf + c->len, max, MSG_DONTWAIT);
	if (n > 0) {
		c->len += (size_t)n;
		return n;
	}
	if (n == 0 || errno == ECONNRESET)
		return -1;
	assert_int_equal(errno, EAGAIN);
	return 0;
}

/* Takes one whole line from what was read (malloc'ed, '\n' included), or
 * NULL if there is none yet. */
char *client_take_line(struct client *c)
{
	char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	size_t len;
	char *line;

	if (!nl)
		return NULL;
	len = (size_t)(nl - c->buf) + 1;
	line = strndup(c->buf, len);
	memmove(c->buf, c->buf + len, c->len - len);
	c->len -= len;
	return line;
}

/* Runs the server, reading chunk bytes at a time, until a line arrives. */
char *client_read_line(struct fx *fx, struct client *c, size_t chunk)
{
	for (int tries = 0; tries < 100000; tries++) {
		char *line = client_take_line(c);

		if (line)
			return line;
		if (client_recv(c, chunk) < 0)
			return NULL;
		assert_true(loop_run_once(fx->loop, 0) >= 0);
	}
	fail_msg("no reply from the server");
	return NULL;
}

/* True once the server has closed the connection, after running it for a
 * while; what it sent before is discarded. */
bool client_closed(struct fx *fx, struct client *c)
{
	for (int tries = 0; tries < 2000; tries++) {
		ssize_t n = client_recv(c, 65536);

		c->len = 0;
		if (n < 0)
			return true;
		if (n == 0)
			assert_true(loop_run_once(fx->loop, 1) >= 0);
	}
	return false;
}

/* Checks an echoed success reply for argv[0] == word, with pad bytes of
 * padding. */
void assert_echo(const char *line, const char *word, size_t pad)
{
	json_error_t jerr;
	json_t *j, *data;

	assert_non_null(line);
	j = json_loads(line, 0, &jerr);
	if (!j)
		fail_msg("reply is not JSON: %s", jerr.text);
	assert_true(json_is_true(json_object_get(j, "ok")));
	data = json_object_get(j, "data");
	assert_string_equal(json_string_value(json_object_get(data, "argv0")),
			    word);
	if (pad)
		assert_int_equal(
		    json_string_length(json_object_get(data, "pad")), pad);
	json_decref(j);
}

void roundtrip(struct fx *fx, struct client *c, const char *word)
{
	char *line;

	client_request(fx, c, word);
	line = client_read_line(fx, c, 4096);
	assert_echo(line, word, fx->fake.pad);
	free(line);
}
