/* Fuzz target for tc-flower's words (flow/flower.c).
 *
 * The input is split on blanks into at most 64 words and parsed from
 * `dev`. A rule that parses is printed back (flower_format_match and
 * _actions), the printed words parsed again, and the two rules must be
 * the same match, mask and actions: the round trip `flow show` relies
 * on. A broken invariant abort()s. Also, with the frame key extractor
 * (bpf/vflag_flow.h), the input's bytes as a frame: the key of any frame
 * is masked by the rule's mask without reading past the frame (ASan). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vflag_flow.h"
#include "flow/flower.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 64

static int split(char *s, char **argv)
{
	int n = 0;

	for (char *t = strtok(s, " \t\n"); t && n < MAX_WORDS;
	     t = strtok(NULL, " \t\n"))
		argv[n++] = t;
	return n;
}

/* "dev D [prio P] [chain C] flower MATCH action A [action B...]" from a
 * parsed rule, the actions' " | " made into `action`. */
static int reprint(const struct flower_rule *r, char *buf, size_t len)
{
	char match[512], acts[256], *p = acts;
	int n;

	flower_format_match(&r->key, &r->mask, match, sizeof(match));
	flower_format_actions(r, acts, sizeof(acts));
	n = snprintf(buf, len, "dev %s prio %u chain %u flower %s", r->dev,
		     r->prio ? r->prio : 1, r->chain, match);
	while (p && *p && n > 0 && (size_t)n < len) {
		char *bar = strstr(p, " | ");

		if (bar)
			*bar = '\0';
		n += snprintf(buf + n, len - (size_t)n, " action %s", p);
		p = bar ? bar + 3 : NULL;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *argv[MAX_WORDS], again[2048], err[256];
	struct flower_rule r, r2;
	int argc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	argc = split(s, argv);
	if (flower_parse(argc, argv, &r, err, sizeof(err)) == 0) {
		int n = reprint(&r, again, sizeof(again));

		if (n <= 0 || (size_t)n >= sizeof(again))
			abort();
		argc = split(again, argv);
		if (flower_parse(argc, argv, &r2, err, sizeof(err)))
			abort(); /* printed words that do not parse */
		if (memcmp(&r.key, &r2.key, sizeof(r.key)) ||
		    memcmp(&r.mask, &r2.mask, sizeof(r.mask)) ||
		    r.actions != r2.actions || r.vlan_id != r2.vlan_id ||
		    r.vlan_proto != r2.vlan_proto ||
		    r.vlan_prio != r2.vlan_prio ||
		    strcmp(r.out_dev, r2.out_dev))
			abort();
		/* Keys are masked inside the mask. */
		{
			uint8_t *frame = malloc(size ? size : 1);
			struct vflag_frame f;
			struct vflag_flow_key k, m;

			memcpy(frame, data, size);
			vflag_frame_parse(frame, frame + size, 0, 0, &f);
			vflag_flow_extract(frame, frame + size, &f, 1, &k);
			vflag_flow_mask(&k, &r.mask, &m);
			for (size_t i = 0; i < sizeof(m); i++)
				if (((uint8_t *)&m)[i] &
				    ~((uint8_t *)&r.mask)[i])
					abort();
			free(frame);
		}
	} else if (!err[0]) {
		abort(); /* every refusal says why */
	}
	free(s);
	return 0;
}
