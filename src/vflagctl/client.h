/* vflagctl's side of the control protocol (doc/ctl.md): one connection,
 * one request line {"argv": [...]}, one reply line (after progress lines,
 * when asked for).
 *
 * Blocking I/O on one socket; no global state, so tests may call it many
 * times in one process. */
#ifndef VFLAG_VFLAGCTL_CLIENT_H
#define VFLAG_VFLAGCTL_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define VFLAGCTL_MAX_REPLY (16u << 20) /* one reply line, '\n' included */
#define VFLAGCTL_REPLY_TIMEOUT_S 120   /* a daemon that never answers */

/* A reply, checked to have the shape doc/ctl.md gives. */
struct vflagctl_reply {
	json_t *root;	   /* the whole reply; owns everything below */
	bool ok;	   /* "ok" */
	json_t *data;	   /* "data" when ok, NULL if null or missing */
	const char *error; /* "error" when !ok, never NULL */
	int err_no;	   /* "errno" when !ok, 0 if missing */
	bool usage;	   /* "usage" when !ok, false if missing */
};

/* Encodes argv as a request line ({"argv": [...]} and '\n'); returns a
 * malloc'd string or NULL (out of memory, or a word not valid UTF-8). */
char *vflagctl_request_encode(int argc, char *const argv[]);
/* The same, with "progress": true when progress is asked for. */
char *vflagctl_request_encode_opts(int argc, char *const argv[], bool progress);

/* Parses one reply line (without its '\n'); 0, or -EPROTO with `why`
 * saying what was wrong. */
int vflagctl_reply_parse(const char *line, size_t len,
			 struct vflagctl_reply *reply, char *why,
			 size_t whylen);

/* Connects to the daemon at `path`, sends the command and reads its reply.
 * Returns 0 with *reply filled, or -errno with `why` holding the whole
 * message for the user: -E2BIG or -EINVAL if the command cannot be sent
 * (a usage error), any other error if the daemon could not be reached or
 * its reply was not understood. */
int vflagctl_call(const char *path, int argc, char *const argv[],
		  struct vflagctl_reply *reply, char *why, size_t whylen);

/* Connects a stream socket to the daemon at path (with the reply
 * timeout set); returns the fd or -errno. */
int vflagctl_connect(const char *path);
/* A long operation's progress object ({"op", "done", "total"}; borrowed
 * for the call). */
typedef void (*vflagctl_progress_fn)(void *arg, json_t *progress);
/* vflagctl_call() asking for progress lines when progress is not NULL:
 * each one read before the reply is handed to progress. */
int vflagctl_call_progress(const char *path, int argc, char *const argv[],
			   vflagctl_progress_fn progress, void *arg,
			   struct vflagctl_reply *reply, char *why,
			   size_t whylen);

/* Frees what a successful vflagctl_call() or _reply_parse() filled;
 * accepts a zeroed reply. */
void vflagctl_reply_release(struct vflagctl_reply *reply);

#endif
