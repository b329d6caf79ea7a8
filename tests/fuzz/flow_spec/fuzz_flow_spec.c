/* Fuzz target for FLOW specs and the transmit hash.
 *
 * The input is used twice: as text, split on white space into words and
 * given to flow_spec_parse() (then the frame it builds is hashed under
 * every policy); and as raw bytes, hashed as a frame under every policy
 * (and an unknown one). Hashing reads exact-size heap copies, so a read
 * past data_end is an ASan report. Broken invariants abort(). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"

#define FUZZ_MAX_TEXT 4096
#define FUZZ_MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Hashes a heap copy of exactly len bytes under policies 0..5. */
static void hash_all(const uint8_t *frame, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	volatile uint32_t sink = 0;

	if (!copy)
		abort();
	memcpy(copy, frame, len);
	for (uint32_t p = 0; p <= VFLAG_HASH_POLICY_COUNT; p++)
		sink ^= vflag_xmit_hash(copy, copy + len, p);
	(void)sink;
	free(copy);
}

/* flow_spec_parse() on the words, with a roomy and a tight buffer. */
static void parse_words(int argc, char **argv)
{
	static const size_t caps[] = {1600, 40};
	uint8_t frame[1600];
	uint32_t policy;

	if (argc > 0)
		(void)vflag_hash_policy_parse(argv[0], &policy);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char err[128];
		size_t len = 0;
		int r;

		err[0] = 'X';
		r = flow_spec_parse(argc, argv, frame, caps[i], &len, err,
				    sizeof(err));
		if (r == 0) {
			if (len == 0 || len > caps[i])
				abort();
			if (strcmp(argv[0], "hex") && len > FLOW_SPEC_BUILT_MAX)
				abort();
			hash_all(frame, len);
		} else if (r != -22 /* -EINVAL */ || !err[0] ||
			   !memchr(err, '\0', sizeof(err))) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FUZZ_MAX_TEXT + 1];
	char *argv[FUZZ_MAX_WORDS];
	int argc = 0;
	size_t n = size < FUZZ_MAX_TEXT ? size : FUZZ_MAX_TEXT;

	hash_all(data, size);

	memcpy(text, data, n);
	text[n] = '\0';
	for (char *s = text; argc < FUZZ_MAX_WORDS;) {
		while (*s && isspace((unsigned char)*s))
			*s++ = '\0';
		if (!*s)
			break;
		argv[argc++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	parse_words(argc, argv);
	return 0;
}
