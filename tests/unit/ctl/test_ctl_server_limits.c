/* The control server's limits (doc/ctl.md, "Limits"): what keeps a control
 * client from holding vflagd's one thread.
 *  - clients that pipeline requests and never read are disconnected once
 *    they owe more than max_output, and the loop keeps turning meanwhile;
 *  - a client gets a turn's worth of requests per wake-up;
 *  - idle clients are closed after the idle timeout (ctl_server_run);
 *  - a slow reader under the bound gets every byte, across partial writes;
 *  - requests split into single bytes still work.
 * The harness (server_harness.c): a real Unix socket in a temp dir, the
 * loop driven by loop_run_once() from the test, an echoing fake handler.
 * Timings are printed, never asserted tightly: the machine is shared. */
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
#include "ctl/ctl_server.h"
#include "vflag/ctl.h"

#include "server_harness.h"

/* ---- tests ------------------------------------------------------------- */

/* One pipelined burst is served a turn at a time, and two clients that
 * both pipeline take turns instead of one running to its end first. */
static void test_requests_taken_a_turn_at_a_time(void **state)
{
	struct ctl_server_opts opts = {.requests_per_turn = 4};
	struct fx *fx = fx_open(&opts);
	struct client *a = client_open(fx->path), *b = client_open(fx->path);
	char burst[40 * 32] = "";
	int runs = 0;

	(void)state;
	pump(fx); /* both accepted */
	for (int i = 0; i < 40; i++)
		strcat(burst, "{\"argv\":[\"w\"]}\n");
	client_write(fx, a, burst, strlen(burst));
	client_write(fx, b, burst, strlen(burst));
	while (fx->fake.calls < 80) {
		int before = fx->fake.calls;

		assert_true(loop_run_once(fx->loop, 100) > 0);
		/* a wake-up runs at most a turn per client */
		assert_true(fx->fake.calls - before <= 2 * 4);
		assert_true(++runs < 1000);
	}
	assert_true(runs >= 10);
	assert_true(fx_stats(fx).turns_yielded >= 18);
	for (int i = 0; i < 40; i++) {
		char *la = client_read_line(fx, a, 4096);
		char *lb = client_read_line(fx, b, 4096);

		assert_echo(la, "w", 0);
		assert_echo(lb, "w", 0);
		free(la);
		free(lb);
	}
	assert_int_equal(fx_stats(fx).requests, 80);
	client_close(a);
	client_close(b);
	fx_close(fx);
}

/* Two requests sent one byte at a time, with the server running between
 * every byte. */
static void test_request_byte_by_byte(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *c = client_open(fx->path);
	const char *req = "{\"argv\":[\"one\"]}\n{\"argv\":[\"two\",\"x\"]}\n";
	int lines = 0;
	char *line;

	(void)state;
	for (size_t i = 0; req[i]; i++) {
		client_write(fx, c, &req[i], 1);
		pump(fx);
		lines += req[i] == '\n';
		assert_int_equal(fx->fake.calls, lines);
	}
	line = client_read_line(fx, c, 1);
	assert_echo(line, "one", 0);
	free(line);
	line = client_read_line(fx, c, 1);
	assert_echo(line, "two", 0);
	free(line);
	client_close(c);
	fx_close(fx);
}

/* Three 100 KB replies to one pipelined write (more than the socket holds)
 * reach a reader that starts late and takes 1000 bytes at a time: the
 * server resumes its partial writes where they stopped. */
static void test_slow_reader_gets_every_byte(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *c = client_open(fx->path);
	const char *req =
	    "{\"argv\":[\"a\"]}\n{\"argv\":[\"b\"]}\n{\"argv\":[\"c\"]}\n";
	const char *words[] = {"a", "b", "c"};

	(void)state;
	fx->fake.pad = 100000;
	client_write(fx, c, req, strlen(req));
	for (int i = 0; i < 50; i++)
		assert_true(loop_run_once(fx->loop, 0) >= 0);
	assert_int_equal(fx->fake.calls, 3);
	for (int i = 0; i < 3; i++) {
		char *line = client_read_line(fx, c, 1000);

		assert_echo(line, words[i], fx->fake.pad);
		free(line);
	}
	roundtrip(fx, c, "after");
	assert_int_equal(fx_stats(fx).output_overflows, 0);
	client_close(c);
	fx_close(fx);
}

/* A client that pipelines requests for big replies and never reads is
 * disconnected once it owes more than max_output, and others are served. */
static void test_over_the_bound_disconnected(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *c = client_open(fx->path), *other;
	char burst[16 * 32] = "";

	(void)state;
	fx->fake.pad = 100000;
	for (int i = 0; i < 16; i++)
		strcat(burst, "{\"argv\":[\"big\"]}\n");
	client_write(fx, c, burst, strlen(burst));
	/* not client_closed(): that reads, and this client must not */
	for (int i = 0; i < 2000 && !fx_stats(fx).output_overflows; i++)
		assert_true(loop_run_once(fx->loop, 1) >= 0);
	assert_true(client_closed(fx, c));
	/* socket (~200 KB) + 256 KB + one reply: 16 replies never fit */
	assert_in_range(fx->fake.calls, 3, 15);
	assert_int_equal(fx_stats(fx).output_overflows, 1);
	assert_int_equal(fx_stats(fx).clients, 0);
	other = client_open(fx->path);
	roundtrip(fx, other, "fine");
	client_close(other);
	client_close(c);
	fx_close(fx);
}

#define FLOODERS 8

/* Sends as much of an endless stream of requests as the socket takes.
 * Returns false once the server has closed it. */
static bool flood(int fd)
{
	static char chunk[4096];
	static size_t chunk_len;

	if (!chunk_len) {
		const char *req = "{\"argv\":[\"show\"]}\n";

		while (chunk_len + strlen(req) <= sizeof(chunk)) {
			memcpy(chunk + chunk_len, req, strlen(req));
			chunk_len += strlen(req);
		}
	}
	for (;;) {
		ssize_t n = send(fd, chunk, chunk_len, MSG_NOSIGNAL);

		/* partial sends cut a request: the stream is garbage from
		 * there on, which is still a flood (and error replies) */
		if (n > 0)
			continue;
		if (errno == EAGAIN)
			return true;
		assert_true(errno == EPIPE || errno == ECONNRESET);
		return false;
	}
}

/* 8 clients flood requests and never read. The loop keeps turning (a
 * "timer" ticks each wake-up, and no wake-up takes long), a fresh client
 * gets its reply while they flood, and each flooder is disconnected once
 * over the bound. */
static void test_flooders_never_stall_the_loop(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *fl[FLOODERS], *fresh = NULL, *after;
	bool alive[FLOODERS];
	int nalive = FLOODERS, ticks = 0;
	double worst = 0, sent_at = 0, latency = -1, start = mono_ms();

	(void)state;
	for (int i = 0; i < FLOODERS; i++) {
		fl[i] = client_open(fx->path);
		alive[i] = true;
	}
	while (nalive) {
		double t0;

		for (int i = 0; i < FLOODERS; i++)
			if (alive[i] && !flood(fl[i]->fd)) {
				alive[i] = false;
				nalive--;
			}
		/* the daemon's timer tick: the wake-up returns in time */
		t0 = mono_ms();
		assert_true(loop_run_once(fx->loop, 1) >= 0);
		if (mono_ms() - t0 > worst)
			worst = mono_ms() - t0;
		ticks++;
		if (ticks == 20) {
			fresh = client_open(fx->path);
			client_request(fx, fresh, "show");
			sent_at = mono_ms();
		}
		if (fresh && latency < 0) {
			char *line;

			client_recv(fresh, 4096);
			line = client_take_line(fresh);
			if (line) {
				latency = mono_ms() - sent_at;
				assert_echo(line, "show", 0);
				assert_true(nalive >
					    0); /* served during the flood */
				free(line);
			}
		}
		assert_true(ticks < 200000);
	}
	print_message(
	    "%d flooders: all disconnected after %.0f ms, %d loop "
	    "wake-ups, slowest %.2f ms, %d requests answered; a fresh "
	    "client's reply took %.2f ms\n",
	    FLOODERS, mono_ms() - start, ticks, worst, fx->fake.calls, latency);
	assert_true(latency >= 0);
	/* generous: the machine is shared; a stalled loop is seconds */
	assert_true(worst < 1000);
	assert_int_equal(fx_stats(fx).output_overflows, FLOODERS);
	after = client_open(fx->path);
	roundtrip(fx, after, "after");
	client_close(after);
	client_close(fresh);
	for (int i = 0; i < FLOODERS; i++)
		client_close(fl[i]);
	fx_close(fx);
}

/* More idle clients than the limit: every newcomer is served, the oldest
 * idle ones making room. */
static void test_idle_clients_never_lock_out(void **state)
{
	struct fx *fx = fx_open(NULL);
	struct client *idle[2 * CTL_SERVER_MAX_CLIENTS];

	(void)state;
	for (int i = 0; i < 2 * CTL_SERVER_MAX_CLIENTS; i++) {
		idle[i] = client_open(fx->path);
		if (i % 8 == 0)
			pump(fx);
	}
	for (int i = 0; i < 5; i++) {
		struct client *c = client_open(fx->path);
		double t0 = mono_ms();

		roundtrip(fx, c, "show");
		if (i == 0)
			print_message(
			    "%d idle clients: a newcomer's reply took "
			    "%.2f ms\n",
			    2 * CTL_SERVER_MAX_CLIENTS, mono_ms() - t0);
		client_close(c);
	}
	assert_true(fx_stats(fx).evicted >= CTL_SERVER_MAX_CLIENTS);
	assert_true(fx_stats(fx).clients <= CTL_SERVER_MAX_CLIENTS);
	for (int i = 0; i < 2 * CTL_SERVER_MAX_CLIENTS; i++)
		client_close(idle[i]);
	fx_close(fx);
}

/* ctl_server_run closes clients idle for the timeout, and only those;
 * ctl_server_next_deadline says when. */
static void test_idle_timeout(void **state)
{
	struct ctl_server_opts opts = {.idle_timeout_ms = 250};
	struct fx *fx;
	struct client *a, *b;

	(void)state;
	clock_fake_set(5000);
	fx = fx_open(&opts);
	assert_int_equal(ctl_server_next_deadline(fx->srv), UINT64_MAX);
	a = client_open(fx->path);
	b = client_open(fx->path);
	pump(fx);
	assert_int_equal(ctl_server_next_deadline(fx->srv), 5250);
	clock_fake_set(5100);
	roundtrip(fx, b, "keepalive");
	assert_int_equal(ctl_server_next_deadline(fx->srv), 5250);
	assert_int_equal(ctl_server_run(fx->srv, 5249), 0);
	assert_int_equal(ctl_server_run(fx->srv, 5250), 1);
	assert_true(client_closed(fx, a));
	assert_int_equal(ctl_server_next_deadline(fx->srv), 5350);
	roundtrip(fx, b, "still"); /* 5100 still: not yet idle */
	assert_int_equal(ctl_server_run(fx->srv, 5350), 1);
	assert_true(client_closed(fx, b));
	assert_int_equal(ctl_server_next_deadline(fx->srv), UINT64_MAX);
	assert_int_equal(fx_stats(fx).idle_closed, 2);
	assert_int_equal(fx_stats(fx).clients, 0);
	client_close(a);
	client_close(b);
	fx_close(fx);
}

/* The defaults and the refused limit. */
static void test_opts(void **state)
{
	struct ctl_server_opts opts = {.max_clients =
					   CTL_SERVER_MAX_CLIENTS_LIMIT + 1};
	struct loop *loop = loop_create();
	char err[256] = "";

	(void)state;
	assert_null(ctl_server_open_opts(loop, "/tmp/vflag-never.sock",
					 fake_handler, NULL, &opts, err,
					 sizeof(err)));
	assert_non_null(strstr(err, "at most"));
	loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests_taken_a_turn_at_a_time),
	    cmocka_unit_test(test_request_byte_by_byte),
	    cmocka_unit_test(test_slow_reader_gets_every_byte),
	    cmocka_unit_test(test_over_the_bound_disconnected),
	    cmocka_unit_test(test_flooders_never_stall_the_loop),
	    cmocka_unit_test(test_idle_clients_never_lock_out),
	    cmocka_unit_test(test_idle_timeout),
	    cmocka_unit_test(test_opts),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests_name("ctl_server_limits", tests, NULL,
					   NULL);
}
