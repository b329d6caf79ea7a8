/* The command layer of doc/ctl.md without a datapath:
 *  - command_split, the tokenizer of config lines;
 *  - command_run on words that are refused before anything reaches the
 *    eswitch (ctx->sw == NULL, no bonds), checking errno, the usage flag
 *    and that the message names what was wrong;
 *  - command_config_load: "PATH:LINE: message" and stopping at the first
 *    bad line.
 *
 * The config error paths end in a forced command_teardown(), which walks
 * the eswitch; those tests use an eswitch with no PF
 * (eswitch_create(NULL, NULL)), on which teardown, the show commands and
 * PF lookups never reach the datapath or netlink. Everything that needs a
 * real PF is left to tests/integration, which runs the real daemon. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/log.h"
#include "ctl/command.h"
#include "ctl/ctl_server.h"
#include "eswitch/eswitch.h"
#include "vflag/ctl.h"

/* ---- command_split ----------------------------------------------------- */

#define SPLIT_MAX 8

/* Splits a copy of `line`; returns the count and leaves the words in w. */
static int split(const char *line, char *copy, size_t cap, char **w, int max)
{
	snprintf(copy, cap, "%s", line);
	return command_split(copy, w, max);
}

static void assert_split(const char *line, int n, ...)
{
	char copy[512];
	char *w[SPLIT_MAX];
	va_list ap;

	assert_int_equal(split(line, copy, sizeof(copy), w, SPLIT_MAX), n);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(w[i], va_arg(ap, const char *));
	va_end(ap);
}

static void test_split_words(void **state)
{
	assert_split("pf add pf0 dev eth1", 5, "pf", "add", "pf0", "dev",
		     "eth1");
	assert_split("show", 1, "show");
	assert_split("  pf   show  ", 2, "pf", "show");
	assert_split("\tpf\tshow\r\n", 2, "pf", "show");
	assert_split("pf show\r", 2, "pf", "show");
	assert_split("", 0);
	assert_split(" \t\r\n", 0);
}

static void test_split_quotes(void **state)
{
	assert_split("vf set pf0 vf 0 netns \"my ns\"", 7, "vf", "set", "pf0",
		     "vf", "0", "netns", "my ns");
	assert_split("\"a b\" c", 2, "a b", "c");
	assert_split("\"\"", 1, "");
	assert_split("a \"# not a comment\" b", 3, "a", "# not a comment", "b");
	assert_split("\"tab\there\"", 1, "tab\there");
}

static void test_split_comments(void **state)
{
	assert_split("# a whole comment", 0);
	assert_split("   # indented", 0);
	assert_split("pf show # what we have", 2, "pf", "show");
	assert_split("pf show #no space", 2, "pf", "show");
	assert_split("#", 0);
}

static void test_split_unterminated_quote(void **state)
{
	char copy[64];
	char *w[SPLIT_MAX];

	assert_int_equal(
	    split("vf set \"pf0", copy, sizeof(copy), w, SPLIT_MAX), -EINVAL);
	assert_int_equal(split("\"", copy, sizeof(copy), w, SPLIT_MAX),
			 -EINVAL);
	assert_int_equal(split("a \"b\" \"c", copy, sizeof(copy), w, SPLIT_MAX),
			 -EINVAL);
}

static void test_split_too_many_words(void **state)
{
	char copy[64];
	char *w[4];

	assert_int_equal(split("a b c d", copy, sizeof(copy), w, 4), 4);
	assert_int_equal(split("a b c d e", copy, sizeof(copy), w, 4), -E2BIG);
	assert_int_equal(split("a b c d # e f", copy, sizeof(copy), w, 4), 4);
	assert_int_equal(split("a b c d   ", copy, sizeof(copy), w, 4), 4);
}

/* With the daemon's own limit, as command_config_load calls it. */
static void test_split_protocol_limit(void **state)
{
	char line[VFLAG_CTL_MAX_ARGS * 2 + 4] = "";
	char *w[VFLAG_CTL_MAX_ARGS + 1];

	for (int i = 0; i < VFLAG_CTL_MAX_ARGS; i++)
		strcat(line, "w ");
	assert_int_equal(command_split(line, w, VFLAG_CTL_MAX_ARGS),
			 VFLAG_CTL_MAX_ARGS);
	line[0] = 0;
	for (int i = 0; i <= VFLAG_CTL_MAX_ARGS; i++)
		strcat(line, "w ");
	assert_int_equal(command_split(line, w, VFLAG_CTL_MAX_ARGS), -E2BIG);
}

/* ---- command_run --------------------------------------------------------- */

struct res {
	json_t *data;
	int error;
	bool usage;
	char err[1024];
};

/* Runs the NULL-terminated words. */
static struct res run_words(struct vflagd *ctx, char **words)
{
	struct res r = {.error = -1};
	int argc = 0;

	while (words[argc])
		argc++;
	r.data = command_run(ctx, NULL, argc, words, &r.error, &r.usage, r.err,
			     sizeof(r.err));
	return r;
}

#define RUN(ctx, ...) run_words((ctx), (char *[]){__VA_ARGS__, NULL})

/* Runs the words and checks the failure: errno, usage flag, and that the
 * message contains `what`. */
#define ASSERT_FAILS(ctx, error_, usage_, what, ...)                           \
	do {                                                                   \
		struct res r_ = RUN(ctx, __VA_ARGS__);                         \
		assert_null(r_.data);                                          \
		assert_int_equal(r_.error, (error_));                          \
		assert_int_equal(r_.usage, (usage_));                          \
		if (!strstr(r_.err, (what)))                                   \
			fail_msg("message '%s' does not mention '%s'", r_.err, \
				 (what));                                      \
	} while (0)

static void test_run_unknown_object_and_verb(void **state)
{
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);

	ASSERT_FAILS(ctx, EINVAL, true, "unknown object 'bogus'", "bogus");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown object 'PF'", "PF", "show");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown command 'pf frob'", "pf",
		     "frob");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown command 'bond frob'", "bond",
		     "frob", "b0");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown command 'vf", "vf");
	ASSERT_FAILS(ctx, EINVAL, true, "vflagctl bond help", "bond");
	vflagd_close(ctx);
}

static void test_run_log_level(void **state)
{
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);
	enum log_level old = log_get_level();
	struct res r;

	ASSERT_FAILS(ctx, EINVAL, true, "usage: log level err|warn|info|debug",
		     "log", "level", "bogus");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: log level", "log");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: log level", "log", "level");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: log level", "log", "lvl",
		     "debug");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: log level", "log", "level",
		     "debug", "now");
	assert_int_equal(log_get_level(), old); /* refusals change nothing */

	r = RUN(ctx, "log", "level", "debug");
	assert_int_equal(r.error, 0);
	assert_false(r.usage);
	assert_null(r.data);
	assert_int_equal(log_get_level(), LOG_LVL_DEBUG);
	r = RUN(ctx, "log", "level", "err");
	assert_int_equal(r.error, 0);
	assert_int_equal(log_get_level(), LOG_LVL_ERR);
	log_set_level(old);
	vflagd_close(ctx);
}

static void test_run_bond_add_refusals(void **state)
{
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);

	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond add NAME mode MODE",
		     "bond", "add");
	ASSERT_FAILS(ctx, EINVAL, true, "needs a mode", "bond", "add", "b0");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown bond mode 'balance-rr'",
		     "bond", "add", "b0", "mode", "balance-rr");
	ASSERT_FAILS(ctx, EINVAL, true, "bad bond name 'B@D'", "bond", "add",
		     "B@D", "mode", "1");
	ASSERT_FAILS(ctx, EINVAL, true, "bad bond name '0bond'", "bond", "add",
		     "0bond", "mode", "1");
	ASSERT_FAILS(ctx, EINVAL, true, "bad bond name 'bondbond9'", "bond",
		     "add", "bondbond9", "mode", "1");
	ASSERT_FAILS(ctx, EINVAL, true, "mode needs a value", "bond", "add",
		     "b0", "mode");
	ASSERT_FAILS(ctx, EINVAL, true, "miimon wants milliseconds", "bond",
		     "add", "b0", "mode", "1", "miimon", "soon");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown bond option 'speed'", "bond",
		     "add", "b0", "mode", "4", "speed", "10");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown xmit_hash_policy 'layer5'",
		     "bond", "add", "b0", "mode", "2", "xmit_hash_policy",
		     "layer5");
	ASSERT_FAILS(ctx, EINVAL, true,
		     "lacp_rate is slow or fast, not 'medium'", "bond", "add",
		     "b0", "mode", "4", "lacp_rate", "medium");
	ASSERT_FAILS(ctx, EINVAL, true, "sys_prio is 1..65535, not '0'", "bond",
		     "add", "b0", "mode", "4", "sys_prio", "0");
	ASSERT_FAILS(ctx, EINVAL, true, "members needs at least one PF", "bond",
		     "add", "b0", "mode", "1", "members");
	vflagd_close(ctx);
}

/* With no bond, every command naming one says so: not a usage error. */
static void test_run_no_such_bond(void **state)
{
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);
	struct res r;

	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond set NAME", "bond", "set",
		     "b0");
	ASSERT_FAILS(ctx, ENOENT, false, "no bond named b0", "bond", "set",
		     "b0", "miimon", "50");
	ASSERT_FAILS(ctx, ENOENT, false, "no bond named b0", "bond", "member",
		     "add", "b0", "pf0");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond member add|del", "bond",
		     "member", "swap", "b0", "pf0");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond member add|del", "bond",
		     "member", "add", "b0");
	ASSERT_FAILS(ctx, ENOENT, false, "no bond named b0", "bond", "del",
		     "b0");
	ASSERT_FAILS(ctx, ENOENT, false, "no bond named b0", "bond", "del",
		     "b0", "--force");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond del NAME", "bond", "del");
	ASSERT_FAILS(ctx, ENOENT, false, "no bond named b0", "bond", "show",
		     "b0");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond show", "bond", "show", "a",
		     "b");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: bond xmit-member NAME FLOW",
		     "bond", "xmit-member", "b0");
	ASSERT_FAILS(ctx, ENOENT, false, "no bond named b0", "bond",
		     "xmit-member", "b0", "src", "10.0.0.1", "dst", "10.0.0.2");

	r = RUN(ctx, "bond", "show");
	assert_int_equal(r.error, 0);
	assert_true(json_is_array(json_object_get(r.data, "bonds")));
	assert_int_equal(json_array_size(json_object_get(r.data, "bonds")), 0);
	json_decref(r.data);
	vflagd_close(ctx);
}

static void test_run_pf_vf_refusals(void **state)
{
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);

	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf add NAME dev IFNAME", "pf",
		     "add", "x", "dev");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf add", "pf", "add");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf add", "pf", "add", "x",
		     "ifname", "eth1");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf add", "pf", "add", "x",
		     "dev", "eth1", "pci");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf add", "pf", "add", "x",
		     "dev", "eth1", "bus", "0000:61:00.0");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf set NAME numvfs N", "pf",
		     "set");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf set NAME numvfs N", "pf",
		     "set", "pf0", "numvfs");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf set", "pf", "set", "pf0",
		     "--force");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf del NAME", "pf", "del");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf del NAME", "pf", "del", "a",
		     "b");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf show [NAME]", "pf", "show",
		     "a", "b");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: pf show [NAME]", "show", "a",
		     "b");

	ASSERT_FAILS(ctx, EINVAL, true, "usage: vf set PF vf N", "vf", "set",
		     "pf0", "vf", "x");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: vf set PF vf N", "vf", "set",
		     "pf0", "vf", "0", "mac");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: vf set PF vf N", "vf", "set",
		     "pf0", "vfs", "0", "mac", "02:00:00:00:00:01");
	ASSERT_FAILS(ctx, EINVAL, true, "VF number is 0..63, not 'x'", "vf",
		     "set", "pf0", "vf", "x", "netns", "vm1");
	ASSERT_FAILS(ctx, EINVAL, true, "VF number is 0..63, not '64'", "vf",
		     "set", "pf0", "vf", "64", "netns", "-");
	ASSERT_FAILS(ctx, EINVAL, true, "VF number is 0..63, not '-1'", "vf",
		     "set", "pf0", "vf", "-1", "netns", "-");
	ASSERT_FAILS(ctx, EINVAL, true, "bad MAC 'zz'", "vf", "set", "pf0",
		     "vf", "0", "mac", "zz");
	ASSERT_FAILS(ctx, EINVAL, true, "bad MAC '02:00:00:00:00:01:ff'", "vf",
		     "set", "pf0", "vf", "0", "mac", "02:00:00:00:00:01:ff");
	ASSERT_FAILS(ctx, EINVAL, true, "bad MAC '02:00:00:00:00'", "vf", "set",
		     "pf0", "vf", "0", "netns", "vm1", "mac", "02:00:00:00:00");
	ASSERT_FAILS(ctx, EINVAL, true, "unknown VF setting 'vlans'", "vf",
		     "set", "pf0", "vf", "0", "vlans", "10");
	/* The isolation words: bad values are usage errors before any PF
	 * is looked up. */
	ASSERT_FAILS(ctx, EINVAL, true,
		     "vlan is 1..4094, or 0 for none, not '4095'", "vf", "set",
		     "pf0", "vf", "0", "vlan", "4095");
	ASSERT_FAILS(ctx, EINVAL, true, "qos is a PCP, 0..7, not '8'", "vf",
		     "set", "pf0", "vf", "0", "vlan", "10", "qos", "8");
	ASSERT_FAILS(ctx, EINVAL, true, "qos follows a vlan", "vf", "set",
		     "pf0", "vf", "0", "qos", "3");
	ASSERT_FAILS(ctx, EINVAL, true,
		     "proto is 802.1Q or 802.1ad, not '802.1x'", "vf", "set",
		     "pf0", "vf", "0", "vlan", "10", "proto", "802.1x");
	ASSERT_FAILS(ctx, EINVAL, true, "spoofchk is on or off, not 'maybe'",
		     "vf", "set", "pf0", "vf", "0", "spoofchk", "maybe");
	ASSERT_FAILS(ctx, EINVAL, true, "trust is on or off, not '2'", "vf",
		     "set", "pf0", "vf", "0", "trust", "2");
	ASSERT_FAILS(ctx, EINVAL, true,
		     "max_tx_rate is 0 (unlimited) to 1000000 Mbit/s, not '-5'",
		     "vf", "set", "pf0", "vf", "0", "max_tx_rate", "-5");
	ASSERT_FAILS(ctx, EINVAL, true,
		     "storm_pps is 0..100000000 packets per second", "vf",
		     "set", "pf0", "vf", "0", "storm_pps", "x");
	ASSERT_FAILS(ctx, EINVAL, true,
		     "bad state 'up': auto, enable or disable", "vf", "set",
		     "pf0", "vf", "0", "state", "up");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: vf set PF vf N", "vf", "set",
		     "pf0", "vf", "0", "state");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: vf show [PF]", "vf", "show",
		     "a", "b");

	ASSERT_FAILS(ctx, EINVAL, true, "usage: stats [PORT]", "stats", "a",
		     "b");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: map-rep [PF]", "map-rep", "a",
		     "b");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: teardown [--force]", "teardown",
		     "now");
	ASSERT_FAILS(ctx, EINVAL, true, "usage: teardown [--force]", "teardown",
		     "--force", "now");
	vflagd_close(ctx);
}

/* An eswitch with no PF: the lookups say what is missing; the shows are
 * empty. */
static void test_run_empty_eswitch(void **state)
{
	struct eswitch *sw = eswitch_create(NULL, NULL);
	struct vflagd *ctx = vflagd_open_on(NULL, sw, NULL);
	struct res r;

	assert_non_null(sw);
	ASSERT_FAILS(ctx, ENOENT, false, "no PF named pf0", "pf", "set", "pf0",
		     "numvfs", "2");
	ASSERT_FAILS(ctx, ENOENT, false, "no PF named pf0", "pf", "set", "pf0",
		     "spoofchk", "on");
	ASSERT_FAILS(ctx, ENOENT, false, "no PF named pf0", "pf", "del", "pf0",
		     "--force");
	ASSERT_FAILS(ctx, ENOENT, false, "no PF named pf0", "vf", "set", "pf0",
		     "vf", "0", "mac", "02:00:00:00:00:01");
	ASSERT_FAILS(ctx, ENOENT, false, "no PF named pf0", "vf", "set", "pf0",
		     "vf", "0", "state", "disable");
	ASSERT_FAILS(ctx, ENOENT, false, "no PF named pf9", "bond", "add", "b0",
		     "mode", "1", "members", "pf9");
	ASSERT_FAILS(ctx, EINVAL, true, "bad PF name 'PF0'", "pf", "add", "PF0",
		     "dev", "eth1");
	ASSERT_FAILS(ctx, EINVAL, true, "bad PCI address 'bogus'", "pf", "add",
		     "pf0", "dev", "eth1", "pci", "bogus");
	ASSERT_FAILS(ctx, ENOENT, false, "eth9", "stats", "eth9");

	r = RUN(ctx, "show");
	assert_int_equal(r.error, 0);
	assert_int_equal(json_array_size(json_object_get(r.data, "pfs")), 0);
	assert_int_equal(json_array_size(json_object_get(r.data, "bonds")), 0);
	json_decref(r.data);
	r = RUN(ctx, "vf", "show");
	assert_int_equal(r.error, 0);
	assert_int_equal(json_array_size(json_object_get(r.data, "vfs")), 0);
	json_decref(r.data);
	r = RUN(ctx, "map-rep");
	assert_int_equal(r.error, 0);
	assert_int_equal(json_array_size(json_object_get(r.data, "reps")), 0);
	json_decref(r.data);
	r = RUN(ctx, "stats");
	assert_int_equal(r.error, 0);
	assert_int_equal(json_array_size(json_object_get(r.data, "ports")), 0);
	json_decref(r.data);
	r = RUN(ctx, "teardown");
	assert_int_equal(r.error, 0);
	assert_null(r.data);
	vflagd_close(ctx);
	eswitch_destroy(sw);
}

/* command_run as the control socket's handler: the whole reply line. */
static void test_run_through_ctl_handle_line(void **state)
{
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);
	const char *bad =
	    "{\"argv\":[\"bond\",\"add\",\"b0\",\"mode\",\"balance-rr\"]}";
	const char *good = "{\"argv\":[\"bond\",\"show\"]}";
	char *reply;
	json_t *j;

	reply = ctl_handle_line(bad, strlen(bad), command_run, ctx);
	j = json_loads(reply, 0, NULL);
	assert_non_null(j);
	assert_false(json_is_true(json_object_get(j, "ok")));
	assert_int_equal(json_integer_value(json_object_get(j, "errno")),
			 EINVAL);
	assert_true(json_is_true(json_object_get(j, "usage")));
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
			       "balance-rr"));
	json_decref(j);
	free(reply);

	reply = ctl_handle_line(good, strlen(good), command_run, ctx);
	assert_string_equal(reply, "{\"ok\":true,\"data\":{\"bonds\":[]}}\n");
	free(reply);
	vflagd_close(ctx);
}

/* ---- command_config_load ---------------------------------------------- */

struct cfx {
	char dir[64];
	char path[128];
};

static int cfg_setup(void **state)
{
	struct cfx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	strcpy(c->dir, "/tmp/vflag-cmd-test.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->path, sizeof(c->path), "%s/vflagd.conf", c->dir);
	*state = c;
	return 0;
}

static int cfg_teardown(void **state)
{
	struct cfx *c = *state;

	unlink(c->path);
	rmdir(c->dir);
	free(c);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Loads `text` on an empty eswitch; checks the return and, for an
 * error, that err is exactly "PATH:<suffix>" (suffix NULL: success). */
static void assert_load(struct cfx *c, const char *text, int ret,
			const char *suffix)
{
	struct eswitch *sw = eswitch_create(NULL, NULL);
	struct vflagd *ctx = vflagd_open_on(NULL, sw, NULL);
	char err[1024] = "", want[1200];

	assert_non_null(sw);
	write_file(c->path, text);
	assert_int_equal(command_config_load(ctx, c->path, err, sizeof(err)),
			 ret);
	if (suffix) {
		snprintf(want, sizeof(want), "%s:%s", c->path, suffix);
		if (strncmp(err, want, strlen(want)))
			fail_msg("got '%s', want it to start with '%s'", err,
				 want);
	}
	vflagd_close(ctx);
	eswitch_destroy(sw);
}

static void test_config_missing_file(void **state)
{
	struct cfx *c = *state;
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);
	char err[1024] = "", want[256];

	assert_int_equal(command_config_load(ctx, c->path, err, sizeof(err)),
			 -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", c->path, strerror(ENOENT));
	assert_string_equal(err, want);
	vflagd_close(ctx);
}

static void test_config_ok(void **state)
{
	struct cfx *c = *state;
	enum log_level old = log_get_level();
	struct vflagd *ctx = vflagd_open_on(NULL, NULL, NULL);
	char err[1024] = "";

	/* comments, blank lines, CRLF, and a last line without '\n'; with no
	 * PF these commands never touch the (absent) eswitch */
	write_file(c->path, "# vflagd config\n"
			    "\n"
			    "   \t\n"
			    "log level info   # quieter\r\n"
			    "  # indented comment\n"
			    "bond show\n"
			    "log \"level\" debug");
	assert_int_equal(command_config_load(ctx, c->path, err, sizeof(err)),
			 0);
	assert_int_equal(log_get_level(),
			 LOG_LVL_DEBUG); /* the last line ran */
	log_set_level(old);

	write_file(c->path, "");
	assert_int_equal(command_config_load(ctx, c->path, err, sizeof(err)),
			 0);
	vflagd_close(ctx);
}

static void test_config_bad_line_3(void **state)
{
	assert_load(*state, "# line 1\nlog level info\nbogus words\n", -EINVAL,
		    "3: unknown object 'bogus'");
}

static void test_config_stops_at_first_error(void **state)
{
	enum log_level old = log_get_level();

	log_set_level(LOG_LVL_WARN);
	assert_load(*state, "log level bogus\nlog level debug\n", -EINVAL,
		    "1: usage: log level");
	assert_int_equal(log_get_level(), LOG_LVL_WARN); /* line 2 never ran */
	log_set_level(old);
}

static void test_config_refusal_keeps_errno(void **state)
{
	assert_load(*state, "\n\n\n\npf set pf0 numvfs 2\n", -ENOENT,
		    "5: no PF named pf0");
}

static void test_config_unterminated_quote(void **state)
{
	assert_load(*state, "log level info\nvf set pf0 vf 0 netns \"vm 1\n",
		    -EINVAL, "2: unterminated quote");
}

static void test_config_too_many_words(void **state)
{
	char text[VFLAG_CTL_MAX_ARGS * 2 + 64] = "log level info\n";

	for (int i = 0; i <= VFLAG_CTL_MAX_ARGS; i++)
		strcat(text, "w ");
	strcat(text, "\n");
	assert_load(*state, text, -E2BIG, "2: too many words");
}

static void test_config_line_too_long(void **state)
{
	size_t n = VFLAG_CTL_MAX_LINE + 100;
	char *text = malloc(n + 32);

	strcpy(text, "# ok\n");
	memset(text + 5, 'x', n);
	strcpy(text + 5 + n, "\n");
	assert_load(*state, text, -E2BIG, "2: line too long");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_words),
	    cmocka_unit_test(test_split_quotes),
	    cmocka_unit_test(test_split_comments),
	    cmocka_unit_test(test_split_unterminated_quote),
	    cmocka_unit_test(test_split_too_many_words),
	    cmocka_unit_test(test_split_protocol_limit),
	    cmocka_unit_test(test_run_unknown_object_and_verb),
	    cmocka_unit_test(test_run_log_level),
	    cmocka_unit_test(test_run_bond_add_refusals),
	    cmocka_unit_test(test_run_no_such_bond),
	    cmocka_unit_test(test_run_pf_vf_refusals),
	    cmocka_unit_test(test_run_empty_eswitch),
	    cmocka_unit_test(test_run_through_ctl_handle_line),
	    cmocka_unit_test_setup_teardown(test_config_missing_file, cfg_setup,
					    cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_ok, cfg_setup,
					    cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_bad_line_3, cfg_setup,
					    cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_stops_at_first_error,
					    cfg_setup, cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_refusal_keeps_errno,
					    cfg_setup, cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_unterminated_quote,
					    cfg_setup, cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_too_many_words,
					    cfg_setup, cfg_teardown),
	    cmocka_unit_test_setup_teardown(test_config_line_too_long,
					    cfg_setup, cfg_teardown),
	};

	log_set_quiet(true);
	return cmocka_run_group_tests_name("command", tests, NULL, NULL);
}
