/* The control protocol's lines (doc/ctl.md "Wire format"): a request
 * checked and split into words, the reply to it, the progress lines of a
 * long operation. No I/O: ctl_server moves the lines, the unit tests and
 * the fuzzer call these directly. */
#ifndef VFLAG_CTL_REQUEST_H
#define VFLAG_CTL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* One request being answered by the control server (ctl_server.h): what
 * a handler needs to answer later, for a long operation. NULL when the
 * command runs from a config file or a test: then it runs to its end. */
struct ctl_call;

/* Runs one command. Returns the reply data (NULL means JSON null) and sets
 * *error (positive errno, 0 = success), with a message in err and *usage
 * when the words were wrong. A handler given a call may instead defer it
 * (ctl_call_defer()) and answer later with ctl_call_reply(); then what it
 * returns now is ignored. */
typedef json_t *(*ctl_handler)(void *ctx, struct ctl_call *call, int argc,
			       char **argv, int *error, bool *usage, char *err,
			       size_t errlen);

/* Parses one request line into argv (strings point into *req, which the
 * caller json_decref()s). Besides "argv", a request may carry "progress":
 * a boolean (anything else is refused). Returns 0 or -EINVAL with err set. */
int ctl_request_parse(const char *line, size_t len, json_t **req, int *argc,
		      const char *argv[], char *err, size_t errlen);
/* Whether a parsed request asked for progress lines ("progress": true). */
bool ctl_request_wants_progress(const json_t *req);

/* The reply line to a command (malloc'ed, '\n'-ended; NULL only when out
 * of memory): {"ok":true,"data":data} with error 0 (data taken, NULL
 * for null), else {"ok":false,"error":err,"errno":error,"usage":usage}
 * (err NULL or empty: strerror(error)). */
char *ctl_reply_line(json_t *data, int error, bool usage, const char *err);
/* A progress line, {"progress": progress} (taken); NULL on no memory. */
char *ctl_progress_line(json_t *progress);

/* Handles one line with no call (the handler runs the command to its end)
 * and returns the reply line (malloc'ed, '\n'-ended). */
char *ctl_handle_line(const char *line, size_t len, ctl_handler handler,
		      void *ctx);

#endif
