/* The control protocol of doc/ctl.md, from the daemon's side:
 *  - ctl_request_parse / ctl_handle_line with a fake handler: what reaches
 *    the handler, what is refused before it, and the shape of every reply;
 *  - the server end to end: a loop (common/loop.h) driven by
 *    loop_run_once() from the test, a real Unix socket in a temp dir, and
 *    non-blocking clients written and read by the test itself. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "ctl/ctl_server.h"
#include "vflag/ctl.h"

/* ---- a fake handler: records what it was given, answers what it is told */

struct fake {
	int calls;
	int argc;
	char argv[VFLAG_CTL_MAX_ARGS][VFLAG_CTL_MAX_ARG_LEN + 1];
	bool argv_terminated; /* argv[argc] was NULL */
	/* the answer */
	int error;
	bool usage;
	const char *msg; /* copied into err when non-NULL */
	json_t *data;	 /* returned (reference handed over), NULL: none */
	bool echo;	 /* data = {"argv0": argv[0], "argc": argc} */
};

static json_t *fake_handler(void *ctx, struct ctl_call *call, int argc,
			    char **argv, int *error, bool *usage, char *err,
			    size_t errlen)
{
	struct fake *f = ctx;
	json_t *data = f->data;

	f->calls++;
	f->argc = argc;
	assert_in_range(argc, 1, VFLAG_CTL_MAX_ARGS);
	for (int i = 0; i < argc; i++) {
		assert_non_null(argv[i]);
		assert_in_range(strlen(argv[i]), 0, VFLAG_CTL_MAX_ARG_LEN);
		strcpy(f->argv[i], argv[i]);
	}
	f->argv_terminated = argv[argc] == NULL;
	f->data = NULL;
	if (f->echo)
		data = json_pack("{s:s, s:i}", "argv0", argv[0], "argc", argc);
	*error = f->error;
	*usage = f->usage;
	if (f->msg)
		snprintf(err, errlen, "%s", f->msg);
	return data;
}

/* ---- reply checks ---------------------------------------------------- */

/* Checks that `line` is one line of compact JSON ended by '\n' with exactly
 * the keys doc/ctl.md gives ({ok, data} or {ok, error, errno, usage}), and
 * returns it parsed. */
static json_t *reply_parse(const char *line)
{
	json_error_t jerr;
	json_t *j;
	size_t len;

	assert_non_null(line);
	len = strlen(line);
	assert_true(len >= 2);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	j = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fail_msg("reply is not JSON (%s): %s", jerr.text, line);
	assert_true(json_is_object(j));
	assert_true(json_is_boolean(json_object_get(j, "ok")));
	if (json_is_true(json_object_get(j, "ok"))) {
		assert_int_equal(json_object_size(j), 2);
		assert_non_null(json_object_get(j, "data"));
	} else {
		json_t *e = json_object_get(j, "error");

		assert_int_equal(json_object_size(j), 4);
		assert_true(json_is_string(e));
		assert_true(json_string_length(e) > 0);
		assert_true(json_is_integer(json_object_get(j, "errno")));
		assert_true(json_integer_value(json_object_get(j, "errno")) >
			    0);
		assert_true(json_is_boolean(json_object_get(j, "usage")));
	}
	return j;
}

/* Checks a failure reply: errno, usage and a message containing `what`. */
static void assert_failure(const char *line, int error, bool usage,
			   const char *what)
{
	json_t *j = reply_parse(line);
	const char *msg;

	assert_false(json_is_true(json_object_get(j, "ok")));
	assert_int_equal(json_integer_value(json_object_get(j, "errno")),
			 error);
	assert_int_equal(json_is_true(json_object_get(j, "usage")), usage);
	msg = json_string_value(json_object_get(j, "error"));
	if (!strstr(msg, what))
		fail_msg("error '%s' does not mention '%s'", msg, what);
	json_decref(j);
}

/* Feeds `req` (len bytes) and checks it is refused before the handler
 * with a usage error whose message contains `what`. */
static void assert_refused_len(const char *req, size_t len, const char *what)
{
	struct fake f = {.echo = true};
	char *reply = ctl_handle_line(req, len, fake_handler, &f);

	assert_int_equal(f.calls, 0);
	assert_failure(reply, EINVAL, true, what);
	free(reply);
}

static void assert_refused(const char *req, const char *what)
{
	assert_refused_len(req, strlen(req), what);
}

/* A request of `n` words, each `word`. Caller frees. */
static char *request_of(int n, const char *word)
{
	json_t *argv = json_array(), *req;
	char *s;

	for (int i = 0; i < n; i++)
		json_array_append_new(argv, json_string(word));
	req = json_pack("{s:o}", "argv", argv);
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	assert_non_null(s);
	return s;
}

/* ---- ctl_request_parse / ctl_handle_line ------------------------------ */

static void test_valid_request_reaches_handler(void **state)
{
	const char *req =
	    "{\"argv\": [\"pf\", \"add\", \"pf0\", \"dev\", \"eth1\"]}";
	struct fake f = {.echo = true};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	json_t *j;

	assert_int_equal(f.calls, 1);
	assert_int_equal(f.argc, 5);
	assert_string_equal(f.argv[0], "pf");
	assert_string_equal(f.argv[1], "add");
	assert_string_equal(f.argv[2], "pf0");
	assert_string_equal(f.argv[3], "dev");
	assert_string_equal(f.argv[4], "eth1");
	assert_true(f.argv_terminated);
	j = reply_parse(reply);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(j, "data"), "argv0")),
			    "pf");
	json_decref(j);
	free(reply);
}

static void test_parse_gives_argv(void **state)
{
	const char *req = "{\"argv\":[\"vf\",\"set\",\"pf0\",\"vf\",\"0\","
			  "\"netns\",\"my ns\"]}";
	const char *argv[VFLAG_CTL_MAX_ARGS + 1];
	char err[256] = "";
	json_t *j = NULL;
	int argc = 0;

	assert_int_equal(ctl_request_parse(req, strlen(req), &j, &argc, argv,
					   err, sizeof(err)),
			 0);
	assert_non_null(j);
	assert_int_equal(argc, 7);
	assert_string_equal(argv[6], "my ns");
	assert_null(argv[7]);
	json_decref(j);

	/* refused: *req is left NULL and err says why */
	assert_int_equal(
	    ctl_request_parse("{}", 2, &j, &argc, argv, err, sizeof(err)),
	    -EINVAL);
	assert_null(j);
	assert_non_null(strstr(err, "argv"));
}

/* The line is bounded by len, not by a NUL: what follows is not read. */
static void test_line_is_bounded_by_len(void **state)
{
	const char buf[] = "{\"argv\":[\"show\"]}GARBAGE";
	struct fake f = {0};
	char *reply = ctl_handle_line(buf, strlen("{\"argv\":[\"show\"]}"),
				      fake_handler, &f);
	json_t *j = reply_parse(reply);

	assert_int_equal(f.calls, 1);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_true(json_is_null(json_object_get(j, "data")));
	json_decref(j);
	free(reply);
}

static void test_extra_keys_and_crlf_accepted(void **state)
{
	const char *req = " {\"argv\":[\"show\"],\"id\":7}\r";
	struct fake f = {0};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	json_t *j = reply_parse(reply);

	assert_int_equal(f.calls, 1);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	free(reply);
}

static void test_malformed_refused(void **state)
{
	assert_refused("hello", "not JSON");
	assert_refused("", "not JSON");
	assert_refused("   ", "not JSON");
	assert_refused("[\"pf\",\"show\"]", "object with an \"argv\" array");
	assert_refused("42", "not JSON"); /* jansson wants an object or array */
	assert_refused("\"show\"", "not JSON");
	assert_refused("null", "not JSON");
	assert_refused("{}", "object with an \"argv\" array");
	assert_refused("{\"args\":[\"show\"]}",
		       "object with an \"argv\" array");
	assert_refused("{\"argv\":\"pf show\"}",
		       "object with an \"argv\" array");
	assert_refused("{\"argv\":{\"0\":\"show\"}}",
		       "object with an \"argv\" array");
	assert_refused("{\"argv\":null}", "object with an \"argv\" array");
	assert_refused("{\"argv\":[]}", "1 to 64 words");
	assert_refused("{\"argv\":[\"pf\",1]}", "argv[1] must be a string");
	assert_refused("{\"argv\":[\"pf\",null]}", "argv[1] must be a string");
	assert_refused("{\"argv\":[[\"pf\"]]}", "argv[0] must be a string");
	assert_refused("{\"argv\":[\"pf\",true]}", "argv[1] must be a string");
	assert_refused("{\"argv\":[\"pf\"]} {\"argv\":[\"vf\"]}",
		       "not JSON"); /* two in one line */
	assert_refused("{\"argv\":[\"pf\"]}x", "not JSON");
	assert_refused("{\"argv\":[\"pf\"]", "not JSON");
	assert_refused("{\"argv\":[\"p\xff\"]}", "not JSON"); /* not UTF-8 */
}

static void test_nul_in_word_refused(void **state)
{
	/* \u0000 inside a word would cut it short in C: jansson refuses it
	 * (no JSON_ALLOW_NUL) and the server must not pass a shortened word */
	assert_refused("{\"argv\":[\"pf\",\"sh\\u0000ow\"]}", "");
	/* a raw NUL byte inside the line, before the closing brace */
	assert_refused_len("{\"argv\":[\"pf\"]\0}", 15, "not JSON");
}

/* jansson's error text quotes the bytes "near" the error and may cut a
 * multibyte character: the refusal must still be a usage error, not the
 * reply for a failed json_pack ("out of memory", errno 12, usage false).
 * Found by fuzz_ctl_request. */
static void test_error_text_not_utf8(void **state)
{
	assert_refused("{\"argv\":[\"\\u00e\xc3\xa9\"]}", "not JSON");
	assert_refused("[\"\\u12\xc3\xa9\"]", "not JSON");
}

static void test_duplicate_keys_refused(void **state)
{
	assert_refused("{\"argv\":[\"pf\",\"show\"],\"argv\":[\"teardown\"]}",
		       "duplicate");
}

static void test_word_count_limits(void **state)
{
	struct fake f = {.echo = true};
	char *req = request_of(VFLAG_CTL_MAX_ARGS, "w");
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	json_t *j = reply_parse(reply);

	assert_int_equal(f.calls, 1);
	assert_int_equal(f.argc, VFLAG_CTL_MAX_ARGS);
	assert_true(f.argv_terminated);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	free(reply);
	free(req);

	req = request_of(VFLAG_CTL_MAX_ARGS + 1, "w");
	assert_refused(req, "1 to 64 words");
	free(req);
}

static void test_word_length_limits(void **state)
{
	char word[VFLAG_CTL_MAX_ARG_LEN + 2];
	struct fake f = {0};
	char *req, *reply;
	json_t *j;

	memset(word, 'a', VFLAG_CTL_MAX_ARG_LEN);
	word[VFLAG_CTL_MAX_ARG_LEN] = 0;
	req = request_of(2, word);
	reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	j = reply_parse(reply);
	assert_int_equal(f.calls, 1);
	assert_string_equal(f.argv[1], word);
	json_decref(j);
	free(reply);
	free(req);

	word[VFLAG_CTL_MAX_ARG_LEN] = 'a';
	word[VFLAG_CTL_MAX_ARG_LEN + 1] = 0;
	req = request_of(1, word);
	assert_refused(req, "argv[0] must be a string of at most 256 bytes");
	free(req);
}

/* The limit is in bytes, as the doc says: 128 two-byte characters are 256
 * bytes (accepted), one more byte is too many. */
static void test_word_length_is_bytes(void **state)
{
	char word[VFLAG_CTL_MAX_ARG_LEN + 2] = "";
	struct fake f = {0};
	char *req, *reply;

	for (int i = 0; i < VFLAG_CTL_MAX_ARG_LEN / 2; i++)
		strcat(word, "\xc3\xa9"); /* é */
	req = request_of(1, word);
	reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	assert_int_equal(f.calls, 1);
	assert_string_equal(f.argv[0], word);
	free(reply);
	free(req);

	strcat(word, "x");
	req = request_of(1, word);
	assert_refused(req, "at most 256 bytes");
	free(req);
}

static void test_handler_error_mapped(void **state)
{
	const char *req = "{\"argv\":[\"pf\",\"del\",\"pf9\"]}";
	struct fake f = {.error = ENOENT,
			 .msg = "no PF named pf9 (see `vflagctl show`)"};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);

	assert_int_equal(f.calls, 1);
	assert_failure(reply, ENOENT, false, "no PF named pf9");
	free(reply);

	f = (struct fake){.error = EINVAL,
			  .usage = true,
			  .msg = "usage: pf del NAME [--force]"};
	reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	assert_failure(reply, EINVAL, true, "usage: pf del");
	free(reply);
}

/* A message with quotes, backslashes and a newline still makes one line. */
static void test_handler_message_escaped(void **state)
{
	const char *req = "{\"argv\":[\"x\"]}";
	struct fake f = {.error = EBUSY,
			 .msg = "a \"quoted\"\\ line\nand another"};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	json_t *j = reply_parse(reply);

	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    f.msg);
	json_decref(j);
	free(reply);
}

static void test_handler_error_without_message(void **state)
{
	const char *req = "{\"argv\":[\"x\"]}";
	struct fake f = {.error = EBUSY};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);

	assert_failure(reply, EBUSY, false, strerror(EBUSY));
	free(reply);
}

/* Data returned alongside an error is dropped (ASan sees it freed). */
static void test_handler_error_drops_data(void **state)
{
	const char *req = "{\"argv\":[\"x\"]}";
	struct fake f = {
	    .error = EIO, .msg = "broken", .data = json_pack("{s:i}", "n", 1)};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);

	assert_failure(reply, EIO, false, "broken");
	free(reply);
}

static void test_handler_success_data(void **state)
{
	const char *req = "{\"argv\":[\"bond\",\"show\"]}";
	struct fake f = {.data = json_pack("{s:[s]}", "bonds", "bond0")};
	char *reply = ctl_handle_line(req, strlen(req), fake_handler, &f);
	json_t *j = reply_parse(reply);

	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(j, "data"), "bonds"), 0)),
	    "bond0");
	assert_null(strchr(reply, ' ')); /* compact */
	json_decref(j);
	free(reply);
}

/* ---- the server end to end -------------------------------------------- */

struct fx {
	char dir[64];
	char path[128];
	struct loop *loop;
	struct ctl_server *srv;
	struct fake fake;
};

struct client {
	int fd;
	char buf[8192];
	size_t len;
};

static int srv_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256] = "";

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/vflag-ctl-test.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/vflagd.sock", fx->dir);
	fx->loop = loop_create();
	assert_non_null(fx->loop);
	fx->fake.echo = true;
	fx->srv = ctl_server_open(fx->loop, fx->path, fake_handler, &fx->fake,
				  err, sizeof(err));
	if (!fx->srv)
		fail_msg("ctl_server_open: %s", err);
	*state = fx;
	return 0;
}

static int srv_teardown(void **state)
{
	struct fx *fx = *state;

	ctl_server_close(fx->srv);
	loop_destroy(fx->loop);
	clock_fake_clear();
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Runs the server's loop without waiting, a few rounds. */
static void pump(struct fx *fx)
{
	for (int i = 0; i < 4; i++)
		assert_true(loop_run_once(fx->loop, 0) >= 0);
}

static struct client *client_open(const char *path)
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

static void client_close(struct client *c)
{
	close(c->fd);
	free(c);
}

/* Writes all of buf, running the server whenever the socket is full. */
static void client_write(struct fx *fx, struct client *c, const void *buf,
			 size_t len)
{
	size_t off = 0;

	for (int tries = 0; off < len; tries++) {
		ssize_t n = send(c->fd, (const char *)buf + off, len - off,
				 MSG_NOSIGNAL);

		assert_true(tries < 1000);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			assert_true(loop_run_once(fx->loop, 10) >= 0);
			continue;
		}
		off += (size_t)n;
	}
}

static void client_puts(struct fx *fx, struct client *c, const char *s)
{
	client_write(fx, c, s, strlen(s));
}

/* Runs the server until a whole reply line arrived; returns it (malloc'ed,
 * '\n' included) or NULL if the server closed the connection first. */
static char *client_read_line(struct fx *fx, struct client *c)
{
	for (int tries = 0; tries < 500; tries++) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - c->buf) + 1;
			char *line = strndup(c->buf, len);

			memmove(c->buf, c->buf + len, c->len - len);
			c->len -= len;
			return line;
		}
		assert_true(c->len < sizeof(c->buf));
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			 MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return NULL;
		assert_int_equal(errno, EAGAIN);
		assert_true(loop_run_once(fx->loop, 10) >= 0);
	}
	fail_msg("no reply from the server");
	return NULL;
}

/* True once the server has closed the connection (EOF, or a reset because
 * it closed with unread input), after running it for a while. */
static bool client_closed(struct fx *fx, struct client *c)
{
	for (int tries = 0; tries < 100; tries++) {
		char b[4096];
		ssize_t n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n > 0)
			continue; /* leftover data: keep draining */
		assert_int_equal(errno, EAGAIN);
		assert_true(loop_run_once(fx->loop, 10) >= 0);
	}
	return false;
}

/* Checks a success reply from the echoing fake for a request whose first
 * word was `word`. */
static void assert_echo(const char *line, const char *word)
{
	json_t *j;

	assert_non_null(line);
	j = reply_parse(line);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(j, "data"), "argv0")),
			    word);
	json_decref(j);
}

/* Sends one request and checks the echoed reply. */
static void roundtrip(struct fx *fx, struct client *c, const char *word)
{
	char req[128];
	char *line;

	snprintf(req, sizeof(req), "{\"argv\":[\"%s\"]}\n", word);
	client_puts(fx, c, req);
	line = client_read_line(fx, c);
	assert_echo(line, word);
	free(line);
}

static void test_server_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);

	roundtrip(fx, c, "show");
	roundtrip(fx, c,
		  "stats"); /* the connection stays open between requests */
	assert_int_equal(fx->fake.calls, 2);
	client_close(c);
}

static void test_server_two_requests_one_write(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);
	char *a, *b;

	client_puts(fx, c,
		    "{\"argv\":[\"first\"]}\n{\"argv\":[\"second\",\"x\"]}\n");
	a = client_read_line(fx, c);
	b = client_read_line(fx, c);
	assert_echo(a, "first");
	assert_echo(b, "second");
	assert_int_equal(fx->fake.calls, 2);
	free(a);
	free(b);
	client_close(c);
}

/* A bad request among good ones gets its error in its place and the
 * connection carries on. */
static void test_server_bad_line_between_good_ones(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);
	char *l;

	client_puts(fx, c,
		    "{\"argv\":[\"a\"]}\nnot json\n\n{\"argv\":[\"b\"]}\n");
	l = client_read_line(fx, c);
	assert_echo(l, "a");
	free(l);
	l = client_read_line(fx, c);
	assert_failure(l, EINVAL, true, "not JSON");
	free(l);
	l = client_read_line(fx, c); /* the empty line is a request too */
	assert_failure(l, EINVAL, true, "not JSON");
	free(l);
	l = client_read_line(fx, c);
	assert_echo(l, "b");
	free(l);
	assert_int_equal(fx->fake.calls, 2);
	client_close(c);
}

static void test_server_request_split_over_writes(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);
	const char *parts[] = {"{\"ar", "gv\":[\"bond\",", "\"show\"]", "}",
			       "\n"};
	char *line;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		assert_int_equal(fx->fake.calls,
				 0); /* nothing before the '\n' */
		client_puts(fx, c, parts[i]);
		pump(fx);
	}
	line = client_read_line(fx, c);
	assert_non_null(line);
	assert_int_equal(fx->fake.calls, 1);
	assert_int_equal(fx->fake.argc, 2);
	assert_string_equal(fx->fake.argv[1], "show");
	free(line);
	client_close(c);
}

/* A client that half-closes after its request still gets the reply. */
static void test_server_reply_after_shutdown_wr(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);
	char *line;

	client_puts(fx, c, "{\"argv\":[\"show\"]}\n");
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	line = client_read_line(fx, c);
	assert_echo(line, "show");
	free(line);
	assert_true(client_closed(fx, c));
	client_close(c);
}

static void test_server_line_too_long(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);
	struct client *other = client_open(fx->path);
	size_t len = 70000;
	char *big = malloc(len);
	char *line;

	memset(big, 'a', len);
	client_write(fx, c, big, len);
	line = client_read_line(fx, c);
	assert_non_null(line);
	assert_failure(line, E2BIG, true, "too long");
	free(line);
	assert_true(client_closed(fx, c));
	assert_int_equal(fx->fake.calls, 0);
	/* the daemon serves the others */
	roundtrip(fx, other, "show");
	client_close(other);
	client_close(c);
	free(big);
}

/* Exactly VFLAG_CTL_MAX_LINE bytes with the '\n' is a request; the same
 * length without it is too long. */
static void test_server_line_limit_boundary(void **state)
{
	struct fx *fx = *state;
	const char *req = "{\"argv\":[\"edge\"]}";
	char *buf = malloc(VFLAG_CTL_MAX_LINE);
	struct client *c;
	char *line;

	memset(buf, ' ', VFLAG_CTL_MAX_LINE);
	memcpy(buf, req, strlen(req));
	buf[VFLAG_CTL_MAX_LINE - 1] = '\n';
	c = client_open(fx->path);
	client_write(fx, c, buf, VFLAG_CTL_MAX_LINE);
	line = client_read_line(fx, c);
	assert_echo(line, "edge");
	free(line);
	roundtrip(fx, c, "after"); /* and the connection goes on */
	client_close(c);

	buf[VFLAG_CTL_MAX_LINE - 1] = ' ';
	c = client_open(fx->path);
	client_write(fx, c, buf, VFLAG_CTL_MAX_LINE);
	line = client_read_line(fx, c);
	assert_non_null(line);
	assert_failure(line, E2BIG, true, "too long");
	free(line);
	assert_true(client_closed(fx, c));
	client_close(c);
	assert_int_equal(fx->fake.calls, 2);
	free(buf);
}

static void test_server_socket_mode(void **state)
{
	struct fx *fx = *state;
	struct stat st;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

/* 0600 whatever the umask, and the umask is given back. */
static void test_server_socket_mode_any_umask(void **state)
{
	struct fx *fx = *state;
	char path[160], err[256];
	struct ctl_server *srv;
	mode_t old = umask(0);
	struct stat st;

	snprintf(path, sizeof(path), "%s/other.sock", fx->dir);
	srv = ctl_server_open(fx->loop, path, fake_handler, &fx->fake, err,
			      sizeof(err));
	assert_int_equal(umask(old), 0);
	assert_non_null(srv);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ctl_server_close(srv);
}

static void test_server_second_open_refused(void **state)
{
	struct fx *fx = *state;
	struct loop *loop2 = loop_create();
	char err[256] = "";
	struct ctl_server *srv2;
	struct client *c;
	struct stat st;

	srv2 = ctl_server_open(loop2, fx->path, fake_handler, &fx->fake, err,
			       sizeof(err));
	assert_null(srv2);
	assert_non_null(strstr(err, "another vflagd"));
	assert_non_null(strstr(err, fx->path));
	/* the first one keeps its socket file and keeps serving */
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	c = client_open(fx->path);
	roundtrip(fx, c, "still");
	client_close(c);
	loop_destroy(loop2);
}

static void test_server_stale_socket_replaced(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct loop *loop = loop_create();
	struct fx fx2 = {.loop = loop, .fake = {.echo = true}};
	char path[160], err[256] = "";
	struct client *c;
	int fd;

	/* a socket file nobody listens on, as a crashed vflagd leaves */
	snprintf(path, sizeof(path), "%s/stale.sock", fx->dir);
	assert_true(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);

	fx2.srv = ctl_server_open(loop, path, fake_handler, &fx2.fake, err,
				  sizeof(err));
	if (!fx2.srv)
		fail_msg("stale socket not replaced: %s", err);
	c = client_open(path);
	roundtrip(&fx2, c, "fresh");
	client_close(c);
	ctl_server_close(fx2.srv);
	loop_destroy(loop);
}

static void test_server_close_removes_file(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_open(fx->path);
	struct stat st;

	roundtrip(fx, c, "show"); /* accepted: a live client at close time */
	ctl_server_close(fx->srv);
	fx->srv = NULL;
	assert_int_equal(stat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(client_closed(fx, c));
	client_close(c);
}

static void test_server_path_too_long(void **state)
{
	struct fx *fx = *state;
	char path[200], err[256] = "";

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	assert_null(ctl_server_open(fx->loop, path, fake_handler, &fx->fake,
				    err, sizeof(err)));
	assert_non_null(strstr(err, "too long"));
}

/* The daemon holds at most 64 clients: one more closes the one idle the
 * longest (the flooding and timeout cases are in test_ctl_server_limits.c),
 * so a newcomer such as vflagctl always gets in. */
static void test_server_client_limit(void **state)
{
	struct fx *fx = *state;
	struct client *cs[CTL_SERVER_MAX_CLIENTS], *extra;
	struct ctl_server_stats st;

	for (int i = 0; i < CTL_SERVER_MAX_CLIENTS; i++) {
		clock_fake_set(1000 + (uint64_t)i);
		cs[i] = client_open(fx->path);
		pump(fx);
	}
	clock_fake_set(2000);
	roundtrip(fx, cs[0], "busy"); /* cs[0] was oldest; now cs[1] is */
	extra = client_open(fx->path);
	roundtrip(fx, extra, "newcomer");
	assert_true(client_closed(fx, cs[1]));
	ctl_server_get_stats(fx->srv, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.clients, CTL_SERVER_MAX_CLIENTS);
	roundtrip(fx, cs[0], "first");
	roundtrip(fx, cs[63], "last");
	/* a slot freed is a slot reused, without evicting anyone */
	client_close(cs[5]);
	pump(fx);
	cs[5] = client_open(fx->path);
	roundtrip(fx, cs[5], "again");
	ctl_server_get_stats(fx->srv, &st);
	assert_int_equal(st.evicted, 1);
	for (int i = 0; i < CTL_SERVER_MAX_CLIENTS; i++)
		client_close(cs[i]);
	client_close(extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_request_reaches_handler),
	    cmocka_unit_test(test_parse_gives_argv),
	    cmocka_unit_test(test_line_is_bounded_by_len),
	    cmocka_unit_test(test_extra_keys_and_crlf_accepted),
	    cmocka_unit_test(test_malformed_refused),
	    cmocka_unit_test(test_nul_in_word_refused),
	    cmocka_unit_test(test_error_text_not_utf8),
	    cmocka_unit_test(test_duplicate_keys_refused),
	    cmocka_unit_test(test_word_count_limits),
	    cmocka_unit_test(test_word_length_limits),
	    cmocka_unit_test(test_word_length_is_bytes),
	    cmocka_unit_test(test_handler_error_mapped),
	    cmocka_unit_test(test_handler_message_escaped),
	    cmocka_unit_test(test_handler_error_without_message),
	    cmocka_unit_test(test_handler_error_drops_data),
	    cmocka_unit_test(test_handler_success_data),
	    cmocka_unit_test_setup_teardown(test_server_roundtrip, srv_setup,
					    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_two_requests_one_write,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(
		test_server_bad_line_between_good_ones, srv_setup,
		srv_teardown),
	    cmocka_unit_test_setup_teardown(
		test_server_request_split_over_writes, srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_reply_after_shutdown_wr,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_line_too_long,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_line_limit_boundary,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_socket_mode, srv_setup,
					    srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_socket_mode_any_umask,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_second_open_refused,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_stale_socket_replaced,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_close_removes_file,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_path_too_long,
					    srv_setup, srv_teardown),
	    cmocka_unit_test_setup_teardown(test_server_client_limit, srv_setup,
					    srv_teardown),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests_name("ctl_server", tests, NULL, NULL);
}
