/* The control socket: line-delimited JSON requests in, one reply line per
 * request out, in order (doc/ctl.md); a long operation's progress lines
 * before its reply, for a client that asked. The lines themselves are
 * ctl_request.h's.
 *
 * Single-threaded: runs on vflagd's loop, and never blocks it. Sockets are
 * non-blocking, each client's input (one line) and unsent output are
 * bounded, a client gets at most a few requests run per wake-up, and the
 * number of clients is bounded with the longest-idle one making room for a
 * newcomer (doc/ctl.md, "Limits"). */
#ifndef VFLAG_CTL_SERVER_H
#define VFLAG_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/loop.h"
#include "ctl/ctl_request.h"

struct ctl_server;

/* The defaults of struct ctl_server_opts. */
#define CTL_SERVER_MAX_CLIENTS 64
#define CTL_SERVER_MAX_CLIENTS_LIMIT 128 /* the loop watches 256 fds in all */
#define CTL_SERVER_IDLE_TIMEOUT_MS 10000
#define CTL_SERVER_MAX_OUTPUT (256 * 1024)
#define CTL_SERVER_REQUESTS_PER_TURN 2

/* The server's limits; a zero member takes the default above. */
struct ctl_server_opts {
	unsigned max_clients;	  /* 1..CTL_SERVER_MAX_CLIENTS_LIMIT */
	uint32_t idle_timeout_ms; /* no request, no reply byte taken: closed */
	size_t max_output;	  /* owing more, a new request disconnects it */
	unsigned requests_per_turn; /* per client per wake-up (and <= 2 ms) */
};

/* What the server did, since it was opened. */
struct ctl_server_stats {
	uint64_t clients;	   /* connected now */
	uint64_t accepted;	   /* connections taken */
	uint64_t requests;	   /* request lines answered */
	uint64_t evicted;	   /* closed to make room for a new client */
	uint64_t idle_closed;	   /* closed after the idle timeout */
	uint64_t output_overflows; /* closed: owed more than max_output */
	uint64_t lines_too_long;   /* closed: a line over VFLAG_CTL_MAX_LINE */
	uint64_t refused;	   /* connections dropped: no memory, no fd */
	uint64_t turns_yielded;	   /* turns ended with requests still waiting */
	uint64_t deferred; /* requests answered later (long operations) */
};

/* Listens on path with the default limits. NULL with err set on failure. */
struct ctl_server *ctl_server_open(struct loop *loop, const char *path,
				   ctl_handler handler, void *ctx, char *err,
				   size_t errlen);
/* The same with limits (opts NULL: all defaults). */
struct ctl_server *ctl_server_open_opts(struct loop *loop, const char *path,
					ctl_handler handler, void *ctx,
					const struct ctl_server_opts *opts,
					char *err, size_t errlen);
/* Closes every client and removes the socket file. NULL ok. */
void ctl_server_close(struct ctl_server *srv);
/* When ctl_server_run() next has work: the earliest idle deadline of a
 * client, in clock_now_ms() time; UINT64_MAX with no client. */
uint64_t ctl_server_next_deadline(const struct ctl_server *srv);
/* Closes the clients idle for idle_timeout_ms or more at now_ms. Returns
 * how many. (Accepting at the limit does the same, so a daemon that never calls
 * this still lets vflagctl in; idle clients then linger until it does.) */
int ctl_server_run(struct ctl_server *srv, uint64_t now_ms);
/* Copies the counters out. */
void ctl_server_get_stats(const struct ctl_server *srv,
			  struct ctl_server_stats *stats);

/* --- answering later: long operations (doc/ctl.md "Long operations") ---
 * A handler given a call may defer it; the client then gets no reply and
 * takes no request until ctl_call_reply(), is never closed as idle
 * meanwhile, and gets the progress lines it asked for before the reply.
 * If the client goes away first, the call lives on without it (progress
 * and reply are dropped) until ctl_call_reply() frees it. */

/* Whether the request asked for progress lines ("progress": true). */
bool ctl_call_wants_progress(const struct ctl_call *call);
/* From the handler, before it returns: the reply comes later. */
void ctl_call_defer(struct ctl_call *call);
/* A deferred call's progress line, {"progress": progress} (taken);
 * dropped unless asked for, or if the client owes max_output already. */
void ctl_call_progress(struct ctl_call *call, json_t *progress);
/* A deferred call's reply (as ctl_reply_line(); data taken); frees the
 * call. */
void ctl_call_reply(struct ctl_call *call, json_t *data, int error, bool usage,
		    const char *err);

#endif
