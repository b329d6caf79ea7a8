/* The control socket: line-delimited JSON requests in, one reply line per
 * request out (doc/ctl.md). Validates requests before anything sees them,
 * so a malformed message gets an error reply and never reaches a handler.
 *
 * Single-threaded: runs on vflagd's loop. */
#ifndef VFLAG_CTL_SERVER_H
#define VFLAG_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/loop.h"

/* Runs one command. Returns the reply data (NULL means JSON null) and sets
 * *error (positive errno, 0 = success), with a message in err and *usage
 * when the words were wrong. */
typedef json_t *(*ctl_handler)(void *ctx, int argc, char **argv, int *error, bool *usage,
			       char *err, size_t errlen);

struct ctl_server;

struct ctl_server *ctl_server_open(struct loop *loop, const char *path, ctl_handler handler,
				   void *ctx, char *err, size_t errlen);
/* Closes every client and removes the socket file. NULL ok. */
void ctl_server_close(struct ctl_server *srv);

/* Parses one request line into argv (strings point into *req, which the
 * caller json_decref()s). Returns 0 or -EINVAL with err set. */
int ctl_request_parse(const char *line, size_t len, json_t **req, int *argc,
		      const char *argv[], char *err, size_t errlen);
/* Handles one line and returns the reply line (malloc'ed, '\n'-ended). */
char *ctl_handle_line(const char *line, size_t len, ctl_handler handler, void *ctx);

#endif
