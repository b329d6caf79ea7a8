/* The one contract between vflagd and vflagctl: where the control socket
 * lives, how big a message may be, and what vflagctl's exit codes mean.
 * doc/ctl.md describes the JSON carried over it. */
#ifndef VFLAG_CTL_H
#define VFLAG_CTL_H

#define VFLAG_CTL_DEFAULT_SOCKET "/run/vflag/vflagd.sock"
#define VFLAG_CTL_SOCKET_ENV "VFLAG_SOCKET"

#define VFLAG_CTL_MAX_LINE 65536 /* one request line, bytes, '\n' included */
#define VFLAG_CTL_MAX_ARGS 64	 /* words in one command */
#define VFLAG_CTL_MAX_ARG_LEN 256

enum vflag_ctl_exit {
	VFLAG_EXIT_OK = 0,	/* done */
	VFLAG_EXIT_REFUSED = 1, /* the daemon refused the command */
	VFLAG_EXIT_USAGE = 2,	/* the command line was wrong */
	VFLAG_EXIT_NODAEMON = 3 /* cannot connect, or the reply was garbage */
};

#endif
