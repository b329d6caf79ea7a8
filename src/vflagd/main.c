/* vflagd: owns the eswitch. Thin: parses options, wires the modules onto
 * one event loop, and tears everything down on SIGTERM/SIGINT. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "ctl/command.h"
#include "ctl/ctl_server.h"
#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "nl/nl.h"
#include "vflag/ctl.h"

#define TAG "vflagd"
#define VFLAGD_TICK_MS 10 /* bond timers and LACP; well under fast LACP's 1 s */

static bool vflagd_running = true;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vflagd [-s SOCKET] [-c CONFIG] [-l err|warn|info|debug]\n"
		"  -s SOCKET  control socket (default %s, or $%s)\n"
		"  -c CONFIG  apply a config file (vflagctl command lines) before serving\n"
		"  -l LEVEL   log level (default info)\n"
		"Runs in the foreground; SIGTERM or SIGINT tears everything down.\n",
		VFLAG_CTL_DEFAULT_SOCKET, VFLAG_CTL_SOCKET_ENV);
}

static void on_signal(void *arg, int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == sizeof(si))
		LOG_INFO(TAG, "signal %u: shutting down", si.ssi_signo);
	vflagd_running = false;
}

static void on_link_event(void *arg, const struct nl_link_event *ev)
{
	command_link_event(arg, ev);
}

struct vflagd {
	struct command_ctx ctx;
	struct nl_monitor *mon;
};

static void on_monitor(void *arg, int fd)
{
	struct vflagd *d = arg;
	int ret = nl_monitor_read(d->mon, on_link_event, &d->ctx);

	(void)fd;
	if (ret == -ENOBUFS)
		LOG_WARN(TAG, "link events were lost; the miimon poll will catch up");
}

int main(int argc, char **argv)
{
	const char *sock_path = getenv(VFLAG_CTL_SOCKET_ENV);
	const char *config = NULL;
	struct vflagd d = { 0 };
	struct ctl_server *srv = NULL;
	struct dp *dp = NULL;
	struct nl *nl = NULL;
	char err[1024];
	sigset_t mask;
	int sfd = -1, opt, status = 1;
	enum log_level level;

	if (!sock_path || !*sock_path)
		sock_path = VFLAG_CTL_DEFAULT_SOCKET;
	while ((opt = getopt(argc, argv, "s:c:l:h")) != -1) {
		switch (opt) {
		case 's':
			sock_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'l':
			if (log_level_parse(optarg, &level)) {
				fprintf(stderr, "vflagd: unknown log level '%s'\n", optarg);
				return 2;
			}
			log_set_level(level);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.ctx.loop = loop_create();
	if (!d.ctx.loop) {
		LOG_ERR(TAG, "cannot create the event loop");
		return 1;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || loop_add(d.ctx.loop, sfd, on_signal, NULL)) {
		LOG_ERR(TAG, "cannot watch signals: %s", strerror(errno));
		goto destroy_loop;
	}
	dp = dp_open(err, sizeof(err));
	if (!dp) {
		LOG_ERR(TAG, "%s", err);
		goto close_signals;
	}
	nl = nl_open();
	d.mon = nl_monitor_open();
	if (!nl || !d.mon) {
		LOG_ERR(TAG, "cannot open rtnetlink: %s", strerror(errno));
		goto close_nl;
	}
	if (loop_add(d.ctx.loop, nl_monitor_fd(d.mon), on_monitor, &d)) {
		LOG_ERR(TAG, "cannot watch link events");
		goto close_nl;
	}
	d.ctx.sw = eswitch_create(dp, nl);
	if (!d.ctx.sw) {
		LOG_ERR(TAG, "out of memory");
		goto close_nl;
	}
	if (config && command_config_load(&d.ctx, config, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		status = 2;
		goto teardown;
	}
	srv = ctl_server_open(d.ctx.loop, sock_path, command_run, &d.ctx, err, sizeof(err));
	if (!srv) {
		LOG_ERR(TAG, "%s", err);
		goto teardown;
	}
	LOG_INFO(TAG, "ready on %s", sock_path);

	while (vflagd_running) {
		int ret = loop_run_once(d.ctx.loop, VFLAGD_TICK_MS);

		if (ret < 0) {
			LOG_ERR(TAG, "event loop: %s", strerror(-ret));
			break;
		}
		command_tick(&d.ctx, clock_now_ms());
	}
	status = 0;

	ctl_server_close(srv);
teardown:
	if (command_teardown(&d.ctx, true, err, sizeof(err)))
		LOG_ERR(TAG, "teardown: %s", err);
	eswitch_destroy(d.ctx.sw);
close_nl:
	nl_monitor_close(d.mon);
	nl_close(nl);
	dp_close(dp);
close_signals:
	if (sfd >= 0)
		close(sfd);
destroy_loop:
	loop_destroy(d.ctx.loop);
	LOG_INFO(TAG, "stopped");
	return status;
}
