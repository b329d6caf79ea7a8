/* The control server's test harness (server_harness.c). */
#ifndef VFLAG_TEST_SERVER_HARNESS_H
#define VFLAG_TEST_SERVER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/loop.h"
#include "ctl/ctl_server.h"

/* An echoing handler: {"argv0": argv[0], "argc": N, "pad": "xxx..."};
 * the request "long" (with a call) is deferred into deferred. */
struct fake {
	int calls;
	size_t pad;		   /* bytes of padding in each reply */
	struct ctl_call *deferred; /* the last "long" request, deferred */
};

json_t *fake_handler(void *ctx, struct ctl_call *call, int argc, char **argv,
		     int *error, bool *usage, char *err, size_t errlen);

struct fx {
	char dir[64];
	char path[128];
	struct loop *loop;
	struct ctl_server *srv;
	struct fake fake;
};

struct fx *fx_open(const struct ctl_server_opts *opts);
void fx_close(struct fx *fx);
struct ctl_server_stats fx_stats(struct fx *fx);
/* A few loop turns without waiting. */
void pump(struct fx *fx);
double mono_ms(void);

struct client {
	int fd;
	char *buf; /* what the server sent and the test has not consumed */
	size_t len, cap;
};

struct client *client_open(const char *path);
void client_close(struct client *c);
/* Writes all of buf, running the server whenever the socket is full. */
void client_write(struct fx *fx, struct client *c, const void *buf, size_t len);
/* {"argv":[word]} */
void client_request(struct fx *fx, struct client *c, const char *word);
/* At most max bytes of what the server sent, without waiting: the count,
 * 0 for nothing yet, -1 once the server closed. */
ssize_t client_recv(struct client *c, size_t max);
/* One whole line read (malloc'ed, '\n' included), or NULL. */
char *client_take_line(struct client *c);
/* Runs the server, reading chunk bytes at a time, until a line arrives. */
char *client_read_line(struct fx *fx, struct client *c, size_t chunk);
/* True once the server closed the connection (what it sent is dropped). */
bool client_closed(struct fx *fx, struct client *c);
/* An echoed success reply for word, with pad bytes of padding. */
void assert_echo(const char *line, const char *word, size_t pad);
void roundtrip(struct fx *fx, struct client *c, const char *word);

#endif
