/* vflagd's Prometheus endpoint: GET /metrics over HTTP (libmicrohttpd),
 * serving metrics_collect()'s text (doc/metrics.md).
 *
 * Runs on the daemon's loop, never on a thread of its own: libmicrohttpd
 * runs without threads over its own epoll set, whose fd the loop watches,
 * and its connection timeouts are a vflagd_timer. A scrape is answered
 * inside the loop's callback, so it reads the model between events, as
 * the control socket does. */
#ifndef VFLAG_METRICS_METRICS_H
#define VFLAG_METRICS_METRICS_H

#include <stddef.h>
#include <sys/socket.h>

#include "daemon/daemon.h"

#define METRICS_DEFAULT_ADDRESS "127.0.0.1:9477"

struct metrics_server;

/* Parses "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6), numeric only.
 * 0, or -EINVAL. */
int metrics_parse_address(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len);
/* Listens on address (as metrics_parse_address()) and serves on d's
 * loop. NULL with err set (bad address, port taken). */
struct metrics_server *metrics_server_open(struct vflagd *d,
					   const char *address, char *err,
					   size_t errlen);
/* Stops serving. Only once vflagd_run() has returned: the daemon's timer
 * table keeps pointing at s (as with the control server). NULL ok. */
void metrics_server_close(struct metrics_server *s);

#endif
