/* vflagctl: everything is in vflagctl.c, so that tests can run it. */
#include <stdio.h>

#include "vflagctl/vflagctl.h"

int main(int argc, char **argv)
{
	return vflagctl_main(argc, argv, stdout, stderr);
}
