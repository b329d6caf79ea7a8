/* The control protocol's lines: requests checked before anything sees
 * them, so a malformed message gets an error reply and never reaches a
 * handler; replies and progress lines as doc/ctl.md spells them. */
#include "ctl/ctl_request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vflag/ctl.h"

int ctl_request_parse(const char *line, size_t len, json_t **req, int *argc,
		      const char *argv[], char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *args;
	size_t i;

	*req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*req) {
		snprintf(err, errlen, "request is not JSON: %s", jerr.text);
		return -EINVAL;
	}
	args = json_object_get(*req, "argv");
	if (!json_is_object(*req) || !json_is_array(args)) {
		snprintf(err, errlen,
			 "request must be an object with an \"argv\" array");
		goto bad;
	}
	if (json_array_size(args) < 1 ||
	    json_array_size(args) > VFLAG_CTL_MAX_ARGS) {
		snprintf(err, errlen, "argv must have 1 to %d words",
			 VFLAG_CTL_MAX_ARGS);
		goto bad;
	}
	for (i = 0; i < json_array_size(args); i++) {
		json_t *a = json_array_get(args, i);

		if (!json_is_string(a) ||
		    json_string_length(a) > VFLAG_CTL_MAX_ARG_LEN ||
		    strlen(json_string_value(a)) != json_string_length(a)) {
			snprintf(err, errlen,
				 "argv[%zu] must be a string of at most %d "
				 "bytes without NUL",
				 i, VFLAG_CTL_MAX_ARG_LEN);
			goto bad;
		}
		argv[i] = json_string_value(a);
	}
	if (json_object_get(*req, "progress") &&
	    !json_is_boolean(json_object_get(*req, "progress"))) {
		snprintf(err, errlen, "\"progress\" must be true or false");
		goto bad;
	}
	argv[i] = NULL;
	*argc = (int)i;
	return 0;
bad:
	json_decref(*req);
	*req = NULL;
	return -EINVAL;
}

static char *reply_dump(json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);
	size_t n;
	char *line;

	json_decref(reply);
	if (!s)
		return strdup("{\"ok\":false,\"error\":\"out of "
			      "memory\",\"errno\":12,\"usage\":false}\n");
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = 0;
	return line;
}

static char *reply_error(const char *msg, int error, bool usage)
{
	json_t *reply = json_pack("{s:b, s:s, s:i, s:b}", "ok", 0, "error", msg,
				  "errno", error, "usage", usage);
	char clean[1024];
	size_t i;

	if (reply)
		return reply_dump(reply);
	/* Not UTF-8: the message quotes a client's broken bytes (jansson's
	 * own error text can). Say it in ASCII rather than not at all. */
	for (i = 0; msg[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
	clean[i] = 0;
	return reply_dump(json_pack("{s:b, s:s, s:i, s:b}", "ok", 0, "error",
				    clean, "errno", error, "usage", usage));
}

bool ctl_request_wants_progress(const json_t *req)
{
	return json_is_true(json_object_get(req, "progress"));
}

char *ctl_reply_line(json_t *data, int error, bool usage, const char *err)
{
	if (error) {
		json_decref(data);
		return reply_error(err && err[0] ? err : strerror(error), error,
				   usage);
	}
	return reply_dump(json_pack("{s:b, s:o}", "ok", 1, "data",
				    data ? data : json_null()));
}

char *ctl_progress_line(json_t *progress)
{
	json_t *obj = json_pack("{s:o}", "progress", progress);
	char *s, *line;
	size_t n;

	/* Not reply_dump(): its out-of-memory reply would end the call. */
	if (!obj)
		return NULL;
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = 0;
	return line;
}

char *ctl_handle_line(const char *line, size_t len, ctl_handler handler,
		      void *ctx)
{
	const char *argv[VFLAG_CTL_MAX_ARGS + 1];
	char err[1024] = "";
	bool usage = false;
	int argc, error = 0;
	json_t *req, *data;

	if (ctl_request_parse(line, len, &req, &argc, argv, err, sizeof(err)))
		return reply_error(err, EINVAL, true);
	data = handler(ctx, NULL, argc, (char **)argv, &error, &usage, err,
		       sizeof(err));
	json_decref(req);
	return ctl_reply_line(data, error, usage, err);
}
