/* vflagctl -b FILE: many commands over one connection, as `tc -batch`.
 *
 * Every line of FILE (- for stdin) is a command line without the word
 * vflagctl: words split on blanks, "double quotes" group, '#' starts a
 * comment, blank lines are skipped. Requests are pipelined, at most
 * VFLAGCTL_BATCH_WINDOW ahead of the replies (so the daemon's output
 * for us stays far below what it tolerates). Each refused line is
 * reported as FILE:LINE: Error: ...; the run goes on. */
#ifndef VFLAG_VFLAGCTL_BATCH_H
#define VFLAG_VFLAGCTL_BATCH_H

#include <stdio.h>

#define VFLAGCTL_BATCH_WINDOW 128 /* requests in flight */

/* Returns VFLAG_EXIT_OK if every line was done, VFLAG_EXIT_REFUSED if
 * some were refused, VFLAG_EXIT_USAGE for a line that could not be sent,
 * VFLAG_EXIT_NODAEMON if the daemon could not be reached or went away. */
int vflagctl_batch(const char *socket_path, const char *file, FILE *out,
		   FILE *err);

#endif
