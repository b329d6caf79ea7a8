/* vflagd: options, and the wiring of the control socket and signals onto
 * the daemon object (daemon.h), which owns everything else. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/notify.h"
#include "ctl/command.h"
#include "ctl/ctl_server.h"
#include "vflag/ctl.h"
#include "daemon/daemon.h"
#include "metrics/metrics.h"

#define TAG "vflagd"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: vflagd [-s SOCKET] [-c CONFIG] [-l err|warn|info|debug]\n"
	    "              [-m ADDR:PORT|none] [--teardown-on-exit]\n"
	    "  -s SOCKET  control socket (default %s, or $%s)\n"
	    "  -c CONFIG  apply a config file (vflagctl command lines) before "
	    "serving;\n"
	    "             replayed over what a restart adopted: the config "
	    "wins\n"
	    "  -l LEVEL   log level (default info)\n"
	    "  -m, --metrics ADDR:PORT|none\n"
	    "             serve Prometheus metrics on "
	    "http://ADDR:PORT/metrics\n"
	    "             (default %s; [ADDR6]:PORT for IPv6)\n"
	    "  --teardown-on-exit\n"
	    "             on SIGTERM/SIGINT remove everything (VFs, bonds, "
	    "PFs, pins)\n"
	    "Runs in the foreground. A restart adopts the datapath, PFs, VFs "
	    "and bonds\n"
	    "the previous vflagd of this network namespace left. SIGTERM or "
	    "SIGINT stop\n"
	    "the control plane and leave the datapath forwarding (vflagctl "
	    "teardown,\n"
	    "or --teardown-on-exit, removes everything).\n",
	    VFLAG_CTL_DEFAULT_SOCKET, VFLAG_CTL_SOCKET_ENV,
	    METRICS_DEFAULT_ADDRESS);
}

static void on_signal(void *arg, int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == sizeof(si))
		LOG_INFO(TAG, "signal %u: shutting down", si.ssi_signo);
	vflagd_stop(arg);
}

static uint64_t server_next_deadline(void *srv)
{
	return ctl_server_next_deadline(srv);
}

static void server_run(void *srv, uint64_t now)
{
	ctl_server_run(srv, now);
}

int main(int argc, char **argv)
{
	const char *sock_path = getenv(VFLAG_CTL_SOCKET_ENV);
	const char *config = NULL;
	const char *metrics_addr = METRICS_DEFAULT_ADDRESS;
	static const struct option long_opts[] = {
	    {"metrics", required_argument, NULL, 'm'},
	    {"teardown-on-exit", no_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct metrics_server *metrics = NULL;
	struct ctl_server *srv = NULL;
	struct vflagd *d;
	char err[1024];
	sigset_t mask;
	int sfd = -1, opt, status = 1;
	enum log_level level;
	bool teardown_on_exit = false;
	if (!sock_path || !*sock_path)
		sock_path = VFLAG_CTL_DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "s:c:l:m:h", long_opts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'T':
			teardown_on_exit = true;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'm': {
			struct sockaddr_storage ss;
			socklen_t sslen;

			if (strcmp(optarg, "none") &&
			    metrics_parse_address(optarg, &ss, &sslen)) {
				fprintf(stderr,
					"vflagd: -m %s: give ADDR:PORT, "
					"[ADDR6]:PORT or none\n",
					optarg);
				return 2;
			}
			metrics_addr = optarg;
			break;
		}
		case 'l':
			if (log_level_parse(optarg, &level)) {
				fprintf(stderr,
					"vflagd: unknown log level '%s'\n",
					optarg);
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

	d = vflagd_open(err, sizeof(err));
	if (!d) {
		LOG_ERR(TAG, "%s", err);
		return 1;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || loop_add(vflagd_loop(d), sfd, on_signal, d)) {
		LOG_ERR(TAG, "cannot watch signals: %s", strerror(errno));
		goto close_daemon;
	}
	/* Before the config: it is replayed over what we adopt. */
	if (vflagd_adopt(d, err, sizeof(err))) {
		LOG_ERR(TAG, "cannot adopt the previous vflagd's state: %s",
			err);
		goto close_daemon;
	}
	/* After adoption: rules a previous vflagd learned from bridges are
	 * learned again. Without it the bridges are not offloaded, no more. */
	if (vflagd_bridge_offload_start(d, err, sizeof(err)))
		LOG_WARN(TAG, "bridge offload off: %s", err);
	if (config && command_config_load(d, config, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		status = 2;
		goto teardown;
	}
	srv = ctl_server_open(vflagd_loop(d), sock_path, command_run, d, err,
			      sizeof(err));
	if (!srv) {
		LOG_ERR(TAG, "%s", err);
		goto teardown;
	}
	vflagd_add_timer(
	    d, &(struct vflagd_timer){server_next_deadline, server_run, srv});
	/* Metrics are an extra: a port taken (another vflagd in the same
	 * namespace) costs a warning, not the daemon. */
	if (strcmp(metrics_addr, "none")) {
		metrics =
		    metrics_server_open(d, metrics_addr, err, sizeof(err));
		if (metrics)
			LOG_INFO(TAG, "metrics on http://%s/metrics",
				 metrics_addr);
		else
			LOG_WARN(TAG, "%s: going on without metrics", err);
	}
	LOG_INFO(TAG, "ready on %s", sock_path);
	vflag_notify_ready(); /* systemd's Type=notify: serving from now on */

	if (vflagd_run(d) == 0)
		status = 0;
	vflag_notify_stopping();
	/* A long operation still running is settled now, its client told,
	 * and the state saved after it (daemon.h, jobs). */
	vflagd_jobs_cancel(d);

	metrics_server_close(metrics);
	ctl_server_close(srv);
teardown:
	/* Stop is not teardown (doc/architecture.md "Survivability"): the
	 * datapath forwards on, for the next vflagd to adopt. */
	if (teardown_on_exit && vflagd_teardown(d, true, err, sizeof(err)))
		LOG_ERR(TAG, "teardown: %s", err);
close_daemon:
	if (sfd >= 0) {
		loop_del(vflagd_loop(d), sfd);
		close(sfd);
	}
	if (teardown_on_exit) {
		vflagd_close(d);
	} else {
		vflagd_state_save(d);
		vflagd_close_keep(d);
	}
	LOG_INFO(TAG, "stopped");
	return status;
}
