/* vflagctl -b FILE against the real control server (ctl_server.c) in a
 * child process: every line answered over one connection, pipelined past
 * the window; refused lines reported with their line numbers and the
 * exit status 1; usage errors in the file stop it before anything is
 * sent. The handler counts "flow add" lines and refuses words "bad". */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/loop.h"
#include "ctl/ctl_server.h"
#include "vflag/ctl.h"
#include "vflagctl/vflagctl.h"

static char dir[64], sock[128], file[128];
static pid_t server;
static unsigned handled;

static json_t *handler(void *ctx, struct ctl_call *call, int argc, char **argv,
		       int *error, bool *usage, char *err, size_t errlen)
{
	handled++;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "bad")) {
			*error = EINVAL;
			snprintf(err, errlen, "bad word in command %u",
				 handled);
			return NULL;
		}
	return json_pack("{s:i}", "n", (int)handled);
}

static int setup(void **state)
{
	char err[128];

	strcpy(dir, "/tmp/vflagctl-batch.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s", dir);
	snprintf(file, sizeof(file), "%s/rules", dir);
	fflush(NULL);
	server = fork();
	if (server == 0) {
		struct loop *loop = loop_create();
		struct ctl_server *srv = ctl_server_open(
		    loop, sock, handler, NULL, err, sizeof(err));

		if (!srv)
			_exit(2);
		for (;;)
			loop_run_once(loop, 1000);
	}
	for (int i = 0; i < 200 && access(sock, F_OK); i++)
		usleep(10000);
	return access(sock, F_OK);
}

static int teardown(void **state)
{
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(sock);
	unlink(file);
	rmdir(dir);
	return 0;
}

static int run_batch(const char *content, char **out, char **err)
{
	FILE *f = fopen(file, "w");
	size_t ol, el;
	FILE *o = open_memstream(out, &ol), *e = open_memstream(err, &el);
	char *argv[] = {"vflagctl", "-s", sock, "-b", file, NULL};
	int code;

	fputs(content, f);
	fclose(f);
	code = vflagctl_main(5, argv, o, e);
	fclose(o);
	fclose(e);
	return code;
}

static void test_many_lines_pipelined(void **state)
{
	/* Past the window several times over. */
	size_t cap = 1 << 20, used = 0;
	char *content = malloc(cap), *out, *err;

	for (int i = 0; i < 1000; i++)
		used += (size_t)snprintf(
		    content + used, cap - used,
		    "flow add dev pf0_0 prio %d flower action drop  # %d\n",
		    i + 1, i);
	used += (size_t)snprintf(content + used, cap - used, "\n# done\n");
	assert_int_equal(run_batch(content, &out, &err), VFLAG_EXIT_OK);
	assert_string_equal(err, "");
	free(out);
	free(err);
	free(content);
}

static void test_refused_lines_named(void **state)
{
	char *out, *err;

	assert_int_equal(run_batch("flow add a\n"
				   "\n"
				   "flow add bad\n"
				   "flow add \"x y\"\n"
				   "bad again\n",
				   &out, &err),
			 VFLAG_EXIT_REFUSED);
	assert_non_null(strstr(err, ":3: Error: bad word"));
	assert_non_null(strstr(err, ":5: Error: bad word"));
	assert_null(strstr(err, ":4:"));
	assert_non_null(strstr(err, "2 of 4 command(s) failed"));
	free(out);
	free(err);
}

static void test_unterminated_quote_stops(void **state)
{
	char *out, *err;

	assert_int_equal(run_batch("flow add a\nflow add \"oops\n", &out, &err),
			 VFLAG_EXIT_USAGE);
	assert_non_null(strstr(err, ":2: unterminated quote"));
	free(out);
	free(err);
}

static void test_no_daemon(void **state)
{
	char *out, *err;

	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(sock);
	assert_int_equal(run_batch("flow show\n", &out, &err),
			 VFLAG_EXIT_NODAEMON);
	assert_non_null(strstr(err, "cannot reach vflagd"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_many_lines_pipelined, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_refused_lines_named, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unterminated_quote_stops,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_daemon, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
