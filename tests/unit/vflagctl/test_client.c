/* vflagctl end to end against a fake vflagd: a child process that accepts
 * one connection on a Unix socket in a temp dir, checks the request line,
 * and answers with a canned line (or nothing). vflagctl_main() runs in
 * this process with memstreams for stdout and stderr. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vflag/ctl.h"
#include "vflagctl/client.h"
#include "vflagctl/vflagctl.h"

struct fixture {
	char dir[64];	/* mkdtemp */
	char path[128]; /* dir/vflagd.sock */
	pid_t pid;	/* the fake daemon, 0 if none */
};

/* What the fake daemon does after reading the request line. */
enum fake_answer {
	FAKE_REPLY, /* write the canned reply, then close */
	FAKE_CLOSE, /* close without a word */
	FAKE_FLOOD, /* write more than VFLAGCTL_MAX_REPLY bytes, no '\n' */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/vflagctl-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vflagd.sock", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->pid > 0) { /* a test failed before reaping it */
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The child: exit status 0 if all went as planned, 10 if the request was
 * not `expect`, 11 on a socket error. Uses only system calls and _exit(),
 * so nothing of cmocka or the sanitizers runs twice. */
static void fake_child(int lfd, const char *expect, enum fake_answer answer,
		       const char *reply)
{
	char req[VFLAG_CTL_MAX_LINE + 1];
	size_t used = 0;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(11);
	while (used < sizeof(req) - 1) {
		ssize_t n = read(fd, req + used, sizeof(req) - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		if (req[used - 1] == '\n')
			break;
	}
	req[used] = '\0';
	if (expect && strcmp(req, expect))
		_exit(10);
	if (answer == FAKE_REPLY) {
		size_t len = strlen(reply), off = 0;

		while (off < len) {
			ssize_t n = write(fd, reply + off, len - off);

			if (n <= 0)
				_exit(11);
			off += (size_t)n;
		}
	} else if (answer == FAKE_FLOOD) {
		static char junk[1 << 16];
		size_t sent = 0;

		memset(junk, 'x', sizeof(junk));
		while (sent <= VFLAGCTL_MAX_REPLY) {
			ssize_t n = write(fd, junk, sizeof(junk));

			if (n <= 0)
				break; /* the client hung up: as it should */
			sent += (size_t)n;
		}
	}
	close(fd);
	_exit(0);
}

/* Starts a fake vflagd that expects the request line `expect` (NULL: any)
 * and answers as told. The socket is listening before this returns. */
static void fake_start(struct fixture *f, const char *expect,
		       enum fake_answer answer, const char *reply)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(lfd >= 0);
	strcpy(sun.sun_path, f->path);
	unlink(f->path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	fflush(NULL);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0)
		fake_child(lfd, expect, answer, reply);
	close(lfd);
}

/* Waits for the fake daemon and checks it saw the expected request. */
static void fake_wait(struct fixture *f)
{
	int status;

	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

struct run {
	int code;
	char *out; /* stdout */
	char *err; /* stderr */
};

/* Runs vflagctl with the words given (NULL-terminated). */
static struct run run_words(const char *const *words)
{
	char *argv[32];
	int argc = 0;
	struct run r = {0};
	size_t olen, elen;
	FILE *out = open_memstream(&r.out, &olen);
	FILE *err = open_memstream(&r.err, &elen);

	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = "vflagctl";
	for (; *words; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	r.code = vflagctl_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

#define RUN(...) run_words((const char *const[]){__VA_ARGS__, NULL})

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("expected \"%s\" in:\n%s", needle,
			 haystack ? haystack : "(null)");
}

static const char pf_reply[] =
    "{\"ok\":true,\"data\":{\"pfs\":[{\"name\":\"pf0\",\"dev\":\"veth1\","
    "\"ifindex\":5,\"pci\":\"0000:61:00.0\",\"link\":\"up\",\"numvfs\":2,"
    "\"vf_type\":\"veth\",\"eswitch_mode\":\"switchdev\","
    "\"spoofchk\":false,\"bond\":null}],\"bonds\":[]}}\n";

static void test_ok_table(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, "{\"argv\":[\"pf\",\"show\"]}\n", FAKE_REPLY, pf_reply);
	r = RUN("-s", f->path, "pf", "show");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(r.err, "");
	assert_string_equal(
	    r.out, "NAME  DEV    PCI           LINK  NUMVFS  TYPE  ESWITCH    "
		   "HW-TC-OFFLOAD  BOND\n"
		   "pf0   veth1  0000:61:00.0  up    2       veth  switchdev  "
		   "-              "
		   "-\n");
	run_free(&r);
}

static void test_ok_show_alias(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, "{\"argv\":[\"show\"]}\n", FAKE_REPLY, pf_reply);
	r = RUN("--socket", f->path, "show");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_contains(r.out, "NAME  DEV    PCI");
	run_free(&r);
}

static void test_ok_json(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, NULL, FAKE_REPLY, pf_reply);
	r = RUN("-j", "-s", f->path, "pf", "show");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(
	    r.out, "{\"pfs\":[{\"name\":\"pf0\",\"dev\":\"veth1\","
		   "\"ifindex\":5,\"pci\":\"0000:61:00.0\",\"link\":\"up\","
		   "\"numvfs\":2,\"vf_type\":\"veth\","
		   "\"eswitch_mode\":\"switchdev\",\"spoofchk\":false,"
		   "\"bond\":null}],\"bonds\":[]}\n");

	run_free(&r);
	fake_start(f, NULL, FAKE_REPLY, pf_reply);
	r = RUN("-jp",
		"--socket="
		"",
		"-s", f->path, "pf", "show");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_contains(
	    r.out,
	    "{\n    \"pfs\": [\n        {\n            \"name\": \"pf0\",\n");
	run_free(&r);
}

/* Options end at the first command word: "--force" goes to vflagd. */
static void test_words_unchanged(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, "{\"argv\":[\"pf\",\"del\",\"pf0\",\"--force\"]}\n",
		   FAKE_REPLY, "{\"ok\":true,\"data\":null}\n");
	r = RUN("-s", f->path, "pf", "del", "pf0", "--force");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(r.out, ""); /* null data prints nothing */
	assert_string_equal(r.err, "");
	run_free(&r);

	/* "--" ends the options; words are sent as JSON strings */
	fake_start(f, "{\"argv\":[\"stats\",\"x\\\"y\"]}\n", FAKE_REPLY,
		   "{\"ok\":true,\"data\":null}\n");
	r = RUN("-s", f->path, "--", "stats", "x\"y");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	run_free(&r);

	/* after "--", "-j" is a word, and no object vflagctl knows */
	r = RUN("-s", f->path, "--", "-j", "show");
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "unknown object \"-j\"");
	run_free(&r);
}

static void test_env_socket(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, "{\"argv\":[\"teardown\"]}\n", FAKE_REPLY,
		   "{\"ok\":true,\"data\":null}\n");
	setenv(VFLAG_CTL_SOCKET_ENV, f->path, 1);
	r = RUN("teardown");
	unsetenv(VFLAG_CTL_SOCKET_ENV);
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	run_free(&r);
}

static void test_refused_usage(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, "{\"argv\":[\"pf\",\"frob\"]}\n", FAKE_REPLY,
		   "{\"ok\":false,\"error\":\"pf: unknown verb \\\"frob\\\"\","
		   "\"errno\":22,\"usage\":true}\n");
	r = RUN("-s", f->path, "pf", "frob");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "Error: pf: unknown verb \"frob\"\n"
				   "Try \"vflagctl pf help\".\n");
	run_free(&r);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, NULL, FAKE_REPLY,
		   "{\"ok\":false,\"error\":\"pf0: no such interface eth1\","
		   "\"errno\":19,\"usage\":false}\n");
	r = RUN("-s", f->path, "pf", "add", "pf0", "dev", "eth1");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_REFUSED);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "Error: pf0: no such interface eth1\n");
	run_free(&r);

	/* no error text, no usage field: still a refusal, still said */
	fake_start(f, NULL, FAKE_REPLY, "{\"ok\":false}\n");
	r = RUN("-s", f->path, "teardown");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_REFUSED);
	assert_contains(r.err, "Error: ");
	run_free(&r);
}

static void test_garbage(void **state)
{
	static const char *const replies[] = {
	    "hello\n",
	    "{\"ok\":\"yes\"}\n",
	    "{}\n",
	    "[true]\n",
	    "{\"ok\":true,\"data\":{\"pfs\":[}\n",
	    "{\"ok\":true}", /* no '\n' before EOF */
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		struct run r;

		fake_start(f, NULL, FAKE_REPLY, replies[i]);
		r = RUN("-s", f->path, "show");
		fake_wait(f);
		assert_int_equal(r.code, VFLAG_EXIT_NODAEMON);
		assert_string_equal(r.out, "");
		assert_contains(r.err, "vflagctl: ");
		assert_contains(r.err, f->path);
		run_free(&r);
	}
}

static void test_closed(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, NULL, FAKE_CLOSE, NULL);
	r = RUN("-s", f->path, "stats");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_NODAEMON);
	assert_contains(r.err, "closed the connection without a reply");
	run_free(&r);
}

static void test_reply_too_big(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, NULL, FAKE_FLOOD, NULL);
	r = RUN("-s", f->path, "stats");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_NODAEMON);
	assert_contains(r.err, "is over 16777216 bytes");
	run_free(&r);
}

static void test_no_daemon(void **state)
{
	struct fixture *f = *state;
	char want[512];
	struct run r = RUN("-s", f->path, "show");

	assert_int_equal(r.code, VFLAG_EXIT_NODAEMON);
	snprintf(want, sizeof(want),
		 "vflagctl: cannot reach vflagd at %s: %s (is vflagd running? "
		 "start it with: vflagd -s %s)\n",
		 f->path, strerror(ENOENT), f->path);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	run_free(&r);
}

/* Data of a shape no printer knows, or for a command with no printer,
 * comes out as indented JSON. */
static void test_fallback_json(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, NULL, FAKE_REPLY,
		   "{\"ok\":true,\"data\":{\"level\":\"debug\"}}\n");
	r = RUN("-s", f->path, "log", "level", "debug");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(r.out, "{\n    \"level\": \"debug\"\n}\n");
	run_free(&r);

	fake_start(f, NULL, FAKE_REPLY,
		   "{\"ok\":true,\"data\":{\"bonds\":\"bond0\"}}\n");
	r = RUN("-s", f->path, "bond", "show");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(r.out, "{\n    \"bonds\": \"bond0\"\n}\n");
	run_free(&r);
}

static void test_printers_chosen(void **state)
{
	static const struct {
		const char *words[4];
		const char *reply;
		const char *want;
	} cases[] = {
	    {{"vf", "show", NULL},
	     "{\"ok\":true,\"data\":{\"vfs\":[]}}\n",
	     "PF  VF  IFNAME  REP  TYPE  MAC  PCI  NETNS  IN_USE  VLAN  QOS  "
	     "PROTO  SPOOFCHK  TRUST  MAX_TX_RATE  STATE  LINK\n"},
	    {{"map-rep", "pf0", NULL},
	     "{\"ok\":true,\"data\":{\"reps\":[]}}\n",
	     "VF NUMBER  REPRESENTOR PORT"},
	    {{"bond", "show", "bond0"},
	     "{\"ok\":true,\"data\":{\"bonds\":[{\"name\":\"bond0\","
	     "\"mode_num\":2,\"xmit_hash_policy\":\"layer2+3\"}]}}\n",
	     "Bonding Mode: load balancing (xor)\n"
	     "Transmit Hash Policy: layer2+3 (2)\n"},
	    {{"stats", "pf0", NULL},
	     "{\"ok\":true,\"data\":{\"ports\":[{\"name\":\"pf0\","
	     "\"kind\":\"uplink\",\"dev\":\"veth1\","
	     "\"counters\":{\"rx_packets_phy\":123}}]}}\n",
	     "pf0 (uplink, veth1):\n     rx_packets_phy: 123\n"},
	    {{"bond", "xmit-member", "bond0", "hex"},
	     "{\"ok\":true,\"data\":{\"bond\":\"bond0\","
	     "\"xmit_hash_policy\":\"layer3+4\",\"hash\":305419896,"
	     "\"member\":\"pf1\",\"usable\":[\"pf0\",\"pf1\"]}}\n",
	     "flow -> pf1 (hash 0x12345678, layer3+4, usable: pf0 pf1)\n"},
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *words[8] = {"-s", f->path};
		struct run r;

		for (int w = 0; w < 4 && cases[i].words[w]; w++)
			words[2 + w] = cases[i].words[w];
		fake_start(f, NULL, FAKE_REPLY, cases[i].reply);
		r = run_words(words);
		fake_wait(f);
		assert_int_equal(r.code, VFLAG_EXIT_OK);
		assert_contains(r.out, cases[i].want);
		run_free(&r);
	}
}

/* Commands that never reach a daemon (none is running here). */
static void test_local(void **state)
{
	static const char *const objects[] = {
	    "pf",      "vf",	  "bond",     "flow", "stats",
	    "map-rep", "monitor", "teardown", "log",
	};
	struct fixture *f = *state;
	char want[64];
	struct run r;

	r = RUN("-s", f->path);
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "Usage: vflagctl [OPTIONS] OBJECT");
	assert_string_equal(r.out, "");
	run_free(&r);

	r = RUN("help");
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_contains(r.out, "Usage: vflagctl [OPTIONS] OBJECT");
	assert_contains(r.out,
			"OBJECT := { pf | vf | bond | flow | stats | map-rep | "
			"eswitch | monitor | teardown | log }");
	assert_string_equal(r.err, "");
	run_free(&r);

	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		snprintf(want, sizeof(want), "Usage: vflagctl %s", objects[i]);
		r = RUN("-s", f->path, objects[i], "help");
		assert_int_equal(r.code, VFLAG_EXIT_OK);
		assert_contains(r.out, want);
		assert_string_equal(r.err, "");
		run_free(&r);
		r = RUN("help", objects[i]);
		assert_int_equal(r.code, VFLAG_EXIT_OK);
		assert_contains(r.out, want);
		run_free(&r);
	}

	r = RUN("bond", "help");
	assert_contains(r.out, "       vflagctl bond xmit-member NAME FLOW\n");
	assert_contains(r.out, "802.3ad");
	run_free(&r);

	r = RUN("show", "help");
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_contains(r.out, "Usage: vflagctl pf add");
	run_free(&r);

	r = RUN("frob", "show");
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "vflagctl: unknown object \"frob\"\n"
			       "Usage: vflagctl [OPTIONS] OBJECT");
	assert_string_equal(r.out, "");
	run_free(&r);

	r = RUN("help", "frob");
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	run_free(&r);

	r = RUN("-x", "show");
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "unknown option -x");
	run_free(&r);

	r = RUN("--frob", "show");
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	run_free(&r);

	r = RUN("-s");
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "needs a PATH");
	run_free(&r);

	r = RUN("-h");
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_contains(r.out, "Usage:");
	run_free(&r);

	r = RUN("--version");
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_contains(r.out, "vflagctl ");
	run_free(&r);
}

/* A command longer than the daemon takes is a usage error, found before
 * connecting. */
static void test_too_long(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(VFLAG_CTL_MAX_LINE + 1);
	struct run r;

	assert_non_null(big);
	memset(big, 'a', VFLAG_CTL_MAX_LINE);
	big[VFLAG_CTL_MAX_LINE] = '\0';
	r = RUN("-s", f->path, "pf", "add", big);
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "command too long");
	run_free(&r);

	big[10] = '\xff'; /* not UTF-8: JSON cannot carry it */
	big[11] = '\0';
	r = RUN("-s", f->path, "pf", "add", big);
	assert_int_equal(r.code, VFLAG_EXIT_USAGE);
	assert_contains(r.err, "UTF-8");
	run_free(&r);
	free(big);
}

static void test_reply_parse(void **state)
{
	struct vflagctl_reply reply;
	char why[256];
	const char ok[] = "{\"ok\":true,\"data\":{\"a\":1}}";
	const char nul[] = "{\"ok\":true,\"data\":null}";
	const char err[] =
	    "{\"ok\":false,\"error\":7,\"errno\":\"x\",\"usage\":1}";

	assert_int_equal(
	    vflagctl_reply_parse(ok, strlen(ok), &reply, why, sizeof(why)), 0);
	assert_true(reply.ok);
	assert_true(json_is_object(reply.data));
	vflagctl_reply_release(&reply);

	assert_int_equal(
	    vflagctl_reply_parse(nul, strlen(nul), &reply, why, sizeof(why)),
	    0);
	assert_true(reply.ok);
	assert_null(reply.data);
	vflagctl_reply_release(&reply);

	/* wrong types in a refusal: a refusal still, with defaults */
	assert_int_equal(
	    vflagctl_reply_parse(err, strlen(err), &reply, why, sizeof(why)),
	    0);
	assert_false(reply.ok);
	assert_non_null(reply.error);
	assert_int_equal(reply.err_no, 0);
	assert_false(reply.usage);
	vflagctl_reply_release(&reply);

	assert_int_equal(
	    vflagctl_reply_parse("{\"ok\":1}", 8, &reply, why, sizeof(why)),
	    -EPROTO);
	assert_null(reply.root);
	assert_int_equal(vflagctl_reply_parse("", 0, &reply, why, sizeof(why)),
			 -EPROTO);
	vflagctl_reply_release(&reply); /* zeroed: a no-op */
}

static void test_request_encode(void **state)
{
	char *words[] = {"bond", "add", "b\"0", "mode", "4"};
	char *line = vflagctl_request_encode(5, words);

	assert_string_equal(line, "{\"argv\":[\"bond\",\"add\",\"b\\\"0\","
				  "\"mode\",\"4\"]}\n");
	free(line);
	line = vflagctl_request_encode_opts(1, words, true);
	assert_string_equal(line, "{\"argv\":[\"bond\"],\"progress\":true}\n");
	free(line);
}

/* A long operation: progress lines before the reply. */
static const char progress_reply[] =
    "{\"progress\":{\"op\":\"numvfs\",\"done\":1,\"total\":2}}\n"
    "{\"progress\":{\"op\":\"numvfs\",\"done\":2,\"total\":2}}\n"
    "{\"ok\":true,\"data\":null}\n";
static const char numvfs_progress_req[] =
    "{\"argv\":[\"pf\",\"set\",\"pf0\",\"numvfs\",\"2\"],"
    "\"progress\":true}\n";

/* -j --progress: each progress object on its JSON line on stdout. */
static void test_progress_json(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, numvfs_progress_req, FAKE_REPLY, progress_reply);
	r = RUN("-s", f->path, "-j", "--progress", "pf", "set", "pf0", "numvfs",
		"2");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(
	    r.out,
	    "{\"progress\":{\"op\":\"numvfs\",\"done\":1,\"total\":2}}\n"
	    "{\"progress\":{\"op\":\"numvfs\",\"done\":2,\"total\":2}}\n");
	assert_string_equal(r.err, "");
	run_free(&r);
}

/* --progress without -j, stderr not a terminal: a line per report. */
static void test_progress_text(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, numvfs_progress_req, FAKE_REPLY, progress_reply);
	r = RUN("-s", f->path, "--progress", "pf", "set", "pf0", "numvfs", "2");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "numvfs: 1/2 VFs\nnumvfs: 2/2 VFs\n");
	run_free(&r);
}

/* Not asked (-j, or no terminal): the request carries no flag, and a
 * progress line the daemon sent anyway is no reply to understand. */
static void test_progress_not_asked(void **state)
{
	struct fixture *f = *state;
	struct run r;

	fake_start(f, "{\"argv\":[\"pf\",\"set\",\"pf0\",\"numvfs\",\"2\"]}\n",
		   FAKE_REPLY, "{\"ok\":true,\"data\":null}\n");
	r = RUN("-s", f->path, "-j", "pf", "set", "pf0", "numvfs", "2");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_OK);
	assert_string_equal(r.out, "");
	run_free(&r);
	fake_start(f, NULL, FAKE_REPLY, progress_reply);
	r = RUN("-s", f->path, "-j", "pf", "set", "pf0", "numvfs", "2");
	fake_wait(f);
	assert_int_equal(r.code, VFLAG_EXIT_NODAEMON);
	assert_contains(r.err, "not understood");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ok_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ok_show_alias, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ok_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_words_unchanged, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_env_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_usage, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reply_too_big, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_no_daemon, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fallback_json, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_printers_chosen, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_local, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_progress_json, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_progress_text, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_progress_not_asked, setup,
					    teardown),
	    cmocka_unit_test(test_reply_parse),
	    cmocka_unit_test(test_request_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
