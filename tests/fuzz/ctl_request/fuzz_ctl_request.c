/* Fuzz target: one control request line (doc/ctl.md) through
 * ctl_handle_line(), the whole daemon-side parser, with a handler that
 * checks what the parser promises handlers:
 *   - 1..64 words, argv[argc] == NULL, each a NUL-terminated string of at
 *     most 256 bytes, valid UTF-8 (jansson can make it a string again);
 *   - the handler runs iff the line is a JSON object with an "argv" array
 *     of 1..64 strings of at most 256 bytes (checked against jansson);
 * and that every reply is one compact JSON line ending in '\n' with the
 * keys doc/ctl.md gives, a refusal being {"ok":false,...,"errno":22,
 * "usage":true}.
 *
 * With FUZZ_COMMAND_SPLIT (the replay build, which links all of libvflag)
 * the same bytes, NUL-terminated, also go through command_split(), the
 * config-file tokenizer. The libFuzzer build compiles only ctl_server.c
 * and src/common, because command.c drags in the eswitch and datapath. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ctl/ctl_server.h"
#include "vflag/ctl.h"
#ifdef FUZZ_COMMAND_SPLIT
#include "ctl/command.h"
#endif

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

/* What the handler was given and answered, for checking the reply. */
struct call {
	int calls;
	int error; /* what it answered */
	bool usage;
	int argc;
};

static json_t *check_handler(void *ctx, struct ctl_call *call, int argc,
			     char **argv, int *error, bool *usage, char *err,
			     size_t errlen)
{
	struct call *c = ctx;
	json_t *words;

	c->calls++;
	c->argc = argc;
	CHECK(argc >= 1 && argc <= VFLAG_CTL_MAX_ARGS);
	CHECK(argv[argc] == NULL);
	words = json_array();
	for (int i = 0; i < argc; i++) {
		CHECK(argv[i] != NULL);
		CHECK(strlen(argv[i]) <= VFLAG_CTL_MAX_ARG_LEN);
		/* valid UTF-8 without NUL, or jansson would refuse it */
		CHECK(json_array_append_new(words, json_string(argv[i])) == 0);
	}
	/* A canned answer chosen by the input, to exercise every reply kind. */
	switch ((unsigned char)argv[0][0] % 4) {
	case 0: /* success, no data */
		json_decref(words);
		c->error = 0;
		return NULL;
	case 1: /* success with the words as data */
		c->error = 0;
		return json_pack("{s:o}", "argv", words);
	case 2: /* a refusal naming the word (quotes, escapes, UTF-8) */
		json_decref(words);
		c->error = ENOENT;
		c->usage = false;
		snprintf(err, errlen, "no such thing '%s'", argv[0]);
		break;
	default: /* a usage error without a message, data dropped */
		c->error = EINVAL;
		c->usage = true;
		*error = c->error;
		*usage = c->usage;
		return words;
	}
	*error = c->error;
	*usage = c->usage;
	return NULL;
}

/* Whether doc/ctl.md says the line is a request, asked of jansson apart
 * from ctl_request_parse. */
static bool is_request(const uint8_t *data, size_t size)
{
	json_t *j =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *argv = json_object_get(j, "argv");
	bool ok = json_is_object(j) && json_is_array(argv) &&
		  json_array_size(argv) >= 1 &&
		  json_array_size(argv) <= VFLAG_CTL_MAX_ARGS;

	for (size_t i = 0; ok && i < json_array_size(argv); i++) {
		json_t *w = json_array_get(argv, i);

		ok = json_is_string(w) &&
		     json_string_length(w) <= VFLAG_CTL_MAX_ARG_LEN;
	}
	json_decref(j);
	return ok;
}

static void check_reply(const char *line, const struct call *c, bool request)
{
	size_t len;
	json_t *j, *ok;

	CHECK(line != NULL);
	len = strlen(line);
	CHECK(len >= 2 && line[len - 1] == '\n');
	CHECK(memchr(line, '\n', len - 1) == NULL);
	j = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, NULL);
	CHECK(json_is_object(j));
	ok = json_object_get(j, "ok");
	CHECK(json_is_boolean(ok));
	CHECK(c->calls == (request ? 1 : 0));
	if (json_is_true(ok)) {
		CHECK(c->calls == 1 && c->error == 0);
		CHECK(json_object_size(j) == 2 && json_object_get(j, "data"));
	} else {
		json_t *e = json_object_get(j, "error");
		int want_errno = c->calls ? c->error : EINVAL;
		bool want_usage = c->calls ? c->usage : true;

		CHECK(json_object_size(j) == 4);
		CHECK(json_is_string(e) && json_string_length(e) > 0);
		CHECK(json_integer_value(json_object_get(j, "errno")) ==
		      want_errno);
		CHECK(json_is_true(json_object_get(j, "usage")) == want_usage);
	}
	json_decref(j);
}

#ifdef FUZZ_COMMAND_SPLIT
static void fuzz_split(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	char *argv[VFLAG_CTL_MAX_ARGS + 1];
	int n;

	if (!line)
		return;
	memcpy(line, data, size);
	line[size] = 0;
	n = command_split(line, argv, VFLAG_CTL_MAX_ARGS);
	CHECK(n == -EINVAL || n == -E2BIG ||
	      (n >= 0 && n <= VFLAG_CTL_MAX_ARGS));
	for (int i = 0; i < n; i++) {
		/* every word lies within the line, NUL-terminated there */
		CHECK(argv[i] >= line && argv[i] <= line + size);
		CHECK(argv[i] + strlen(argv[i]) <= line + size);
	}
	free(line);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct call c = {0};
	char *reply;

	log_set_quiet(true);
	if (size >= VFLAG_CTL_MAX_LINE) /* the server never passes more */
		return 0;
	reply = ctl_handle_line((const char *)data, size, check_handler, &c);
	check_reply(reply, &c, is_request(data, size));
	free(reply);
#ifdef FUZZ_COMMAND_SPLIT
	fuzz_split(data, size);
#endif
	return 0;
}
