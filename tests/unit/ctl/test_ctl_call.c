/* Long operations on the control socket (doc/ctl.md "Long operations"):
 *  - the request flag "progress" (a boolean or refused);
 *  - a deferred request gets the progress lines it asked for, in order,
 *    then its reply; one that did not ask gets only the reply;
 *  - other clients are answered while it waits, and its own pipelined
 *    requests wait for its reply, so replies stay in order;
 *  - a client waiting is never closed as idle; a client that goes away
 *    leaves a call that is still safe to report to and answer.
 * The harness (server_harness.c) defers the request "long"; the test
 * plays the long operation with ctl_call_progress()/ctl_call_reply(). */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/log.h"
#include "ctl/ctl_request.h"
#include "ctl/ctl_server.h"

#include "server_harness.h"

static const char LONG_PROGRESS[] = "{\"argv\":[\"long\"],\"progress\":true}\n";
static const char LONG_QUIET[] = "{\"argv\":[\"long\"]}\n";

static json_t *progress_obj(int done, int total)
{
	return json_pack("{s:s, s:i, s:i}", "op", "numvfs", "done", done,
			 "total", total);
}

/* Asserts line is {"progress": {"done": done, ...}}. */
static void assert_progress(char *line, int done)
{
	json_t *j = json_loads(line, 0, NULL), *p;

	assert_non_null(j);
	assert_null(json_object_get(j, "ok"));
	p = json_object_get(j, "progress");
	assert_true(json_is_object(p));
	assert_string_equal(json_string_value(json_object_get(p, "op")),
			    "numvfs");
	assert_int_equal(json_integer_value(json_object_get(p, "done")), done);
	json_decref(j);
	free(line);
}

/* Asserts line is the reply {"ok": ok, ...}; with !ok, its errno. */
static void assert_reply(char *line, bool ok, int err_no)
{
	json_t *j = json_loads(line, 0, NULL);

	assert_non_null(j);
	assert_int_equal(json_is_true(json_object_get(j, "ok")), ok);
	if (!ok)
		assert_int_equal(
		    json_integer_value(json_object_get(j, "errno")), err_no);
	json_decref(j);
	free(line);
}

/* Sends req and runs the server until the handler deferred it. */
static struct ctl_call *start_long(struct fx *fx, struct client *c,
				   const char *req)
{
	fx->fake.deferred = NULL;
	client_write(fx, c, req, strlen(req));
	for (int i = 0; i < 1000 && !fx->fake.deferred; i++)
		pump(fx);
	assert_non_null(fx->fake.deferred);
	return fx->fake.deferred;
}

/* Nothing more from c for a while (drains the loop). */
static void assert_silent(struct fx *fx, struct client *c)
{
	pump(fx);
	assert_true(client_recv(c, 65536) == 0);
	assert_null(client_take_line(c));
}

static void test_request_flag(void **state)
{
	static const char *const bad[] = {
	    "{\"argv\":[\"x\"],\"progress\":1}",
	    "{\"argv\":[\"x\"],\"progress\":\"yes\"}",
	    "{\"argv\":[\"x\"],\"progress\":null}",
	};
	const char *argv[8];
	char err[256];
	json_t *req;
	int argc;

	(void)state;
	assert_int_equal(ctl_request_parse(LONG_PROGRESS,
					   strlen(LONG_PROGRESS) - 1, &req,
					   &argc, argv, err, sizeof(err)),
			 0);
	assert_true(ctl_request_wants_progress(req));
	json_decref(req);
	assert_int_equal(ctl_request_parse(LONG_QUIET, strlen(LONG_QUIET) - 1,
					   &req, &argc, argv, err, sizeof(err)),
			 0);
	assert_false(ctl_request_wants_progress(req));
	json_decref(req);
	assert_int_equal(
	    ctl_request_parse("{\"argv\":[\"x\"],\"progress\":"
			      "false}",
			      strlen("{\"argv\":[\"x\"],\"progress\":false}"),
			      &req, &argc, argv, err, sizeof(err)),
	    0);
	assert_false(ctl_request_wants_progress(req));
	json_decref(req);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(ctl_request_parse(bad[i], strlen(bad[i]), &req,
						   &argc, argv, err,
						   sizeof(err)),
				 -EINVAL);
		assert_null(req);
		assert_non_null(strstr(err, "progress"));
	}
}

/* The lines themselves, and a handler run without a call (a config file)
 * answers at once: "long" is echoed, not deferred. */
static void test_lines(void **state)
{
	struct fake f = {0};
	char *line;

	(void)state;
	line = ctl_progress_line(progress_obj(3, 64));
	assert_string_equal(
	    line,
	    "{\"progress\":{\"op\":\"numvfs\",\"done\":3,\"total\":64}}\n");
	free(line);
	line = ctl_reply_line(NULL, EBUSY, false, "busy: try again");
	assert_string_equal(line, "{\"ok\":false,\"error\":\"busy: try "
				  "again\",\"errno\":16,\"usage\":false}\n");
	free(line);
	line = ctl_handle_line(LONG_PROGRESS, strlen(LONG_PROGRESS) - 1,
			       fake_handler, &f);
	assert_echo(line, "long", 0);
	free(line);
	assert_null(f.deferred);
}

/* Progress lines in order, then the reply; another client is answered
 * meanwhile. */
static void test_progress_then_reply(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *a = client_open(fx->path), *b = client_open(fx->path);
	struct ctl_call *call;

	(void)state;
	call = start_long(fx, a, LONG_PROGRESS);
	assert_true(ctl_call_wants_progress(call));
	assert_silent(fx, a); /* no reply before the operation ends */
	for (int done = 1; done <= 3; done++) {
		ctl_call_progress(call, progress_obj(done, 3));
		assert_progress(client_read_line(fx, a, 4096), done);
		roundtrip(fx, b, "show"); /* the other client is served */
	}
	ctl_call_reply(call, NULL, 0, false, NULL);
	assert_reply(client_read_line(fx, a, 4096), true, 0);
	assert_int_equal(fx_stats(fx).deferred, 1);
	roundtrip(fx, a, "again"); /* and a takes requests again */
	client_close(a);
	client_close(b);
	fx_close(fx);
}

/* A request without the flag gets no progress line, only its reply, an
 * error here. */
static void test_no_progress_unless_asked(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *a = client_open(fx->path);
	struct ctl_call *call;

	(void)state;
	call = start_long(fx, a, LONG_QUIET);
	assert_false(ctl_call_wants_progress(call));
	ctl_call_progress(call, progress_obj(1, 2));
	assert_silent(fx, a);
	ctl_call_reply(call, NULL, ENODEV, false, "the uplink vanished");
	assert_reply(client_read_line(fx, a, 4096), false, ENODEV);
	client_close(a);
	fx_close(fx);
}

/* A request pipelined behind a long one is answered after its reply. */
static void test_pipelined_after_reply(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *a = client_open(fx->path);
	struct ctl_call *call;
	char *line;

	(void)state;
	call = start_long(fx, a, LONG_PROGRESS);
	client_request(fx, a, "next");
	ctl_call_progress(call, progress_obj(1, 1));
	assert_progress(client_read_line(fx, a, 4096), 1);
	assert_silent(fx, a);
	assert_int_equal(fx->fake.calls, 1); /* "next" not run yet */
	ctl_call_reply(call, NULL, 0, false, NULL);
	assert_reply(client_read_line(fx, a, 4096), true, 0);
	line = client_read_line(fx, a, 4096);
	assert_echo(line, "next", 0);
	free(line);
	client_close(a);
	fx_close(fx);
}

/* Waiting longer than the idle timeout does not close a client. */
static void test_waiting_is_not_idle(void **state)
{
	struct ctl_server_opts opts = {.idle_timeout_ms = 100};
	struct fx *fx;
	struct client *a;
	struct ctl_call *call;

	(void)state;
	clock_fake_set(1000);
	fx = fx_open(&opts);
	a = client_open(fx->path);
	call = start_long(fx, a, LONG_PROGRESS);
	assert_int_equal(ctl_server_next_deadline(fx->srv), UINT64_MAX);
	assert_int_equal(ctl_server_run(fx->srv, 60000), 0);
	clock_fake_set(60000);
	ctl_call_reply(call, NULL, 0, false, NULL);
	assert_reply(client_read_line(fx, a, 4096), true, 0);
	assert_int_equal(ctl_server_next_deadline(fx->srv), 60100);
	client_close(a);
	fx_close(fx);
}

/* The client goes away mid-operation: reports and the reply go nowhere,
 * safely (ASan), and the slot is free again. Also when the server itself
 * closes first (vflagd stopping). */
static void test_client_gone(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *a = client_open(fx->path);
	struct ctl_call *call;

	(void)state;
	call = start_long(fx, a, LONG_PROGRESS);
	client_close(a);
	for (int i = 0; i < 100 && fx_stats(fx).clients; i++) {
		ctl_call_progress(call, progress_obj(i, 100));
		pump(fx);
	}
	assert_int_equal(fx_stats(fx).clients, 0);
	ctl_call_progress(call, progress_obj(100, 100));
	ctl_call_reply(call, json_pack("{s:i}", "x", 1), 0, false, NULL);

	a = client_open(fx->path);
	call = start_long(fx, a, LONG_PROGRESS);
	ctl_server_close(fx->srv);
	fx->srv = NULL;
	ctl_call_reply(call, NULL, ECANCELED, false, "vflagd is stopping");
	client_close(a);
	fx_close(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_flag),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_progress_then_reply),
	    cmocka_unit_test(test_no_progress_unless_asked),
	    cmocka_unit_test(test_pipelined_after_reply),
	    cmocka_unit_test(test_waiting_is_not_idle),
	    cmocka_unit_test(test_client_gone),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests_name("ctl_call", tests, NULL, NULL);
}
