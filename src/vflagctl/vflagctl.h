/* vflagctl: the command line client of vflagd.
 *
 * The whole program is vflagctl_main(), so that unit tests run it in
 * process with their own output streams; main.c only calls it. */
#ifndef VFLAG_VFLAGCTL_H
#define VFLAG_VFLAGCTL_H

#include <stdio.h>

/* Runs `vflagctl ARGS...` writing to out and err; returns the exit code
 * (enum vflag_ctl_exit in vflag/ctl.h). Reentrant: keeps no state. */
int vflagctl_main(int argc, char **argv, FILE *out, FILE *err);

#endif
