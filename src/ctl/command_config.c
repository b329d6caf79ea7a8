/* Config files: vflagctl command lines replayed through command_run(),
 * all or nothing (command.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/command.h"
#include "vflag/ctl.h"

int command_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -E2BIG;
		if (*p == '"') {
			char *end = strchr(++p, '"');

			if (!end)
				return -EINVAL;
			*end = 0;
			argv[argc++] = p;
			p = end + 1;
			continue;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\n')
			p++;
		if (*p)
			*p++ = 0;
	}
}

int command_config_load(struct vflagd *d, const char *path, char *err,
			size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[VFLAG_CTL_MAX_LINE];
	char msg[1024];
	unsigned lineno = 0;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		char *argv[VFLAG_CTL_MAX_ARGS + 1];
		int argc, error = 0;
		bool usage = false;
		json_t *data;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path,
				 lineno);
			ret = -E2BIG;
			break;
		}
		argc = command_split(line, argv, VFLAG_CTL_MAX_ARGS);
		if (argc < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
				 argc == -E2BIG ? "too many words"
						: "unterminated quote");
			ret = argc;
			break;
		}
		if (argc == 0)
			continue;
		argv[argc] = NULL;
		msg[0] = 0;
		data = command_run(d, NULL, argc, argv, &error, &usage, msg,
				   sizeof(msg));
		json_decref(data);
		if (error) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			ret = -error;
			break;
		}
	}
	fclose(f);
	/* All or nothing: what the lines before did is undone; but what a
	 * restarted vflagd adopted is not the config's to undo (it forwards,
	 * and vflagd keeps it for the operator to fix the file). */
	if (ret &&
	    !vflagd_adopted(d, &(unsigned){0}, &(unsigned){0}, &(unsigned){0}))
		vflagd_teardown(d, true, msg, sizeof(msg));
	return ret;
}
