/* vflagd's Prometheus endpoint (see metrics.h). */
#include "metrics/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "metrics/collect.h"

#define TAG "metrics"
#define METRICS_MAX_CONNECTIONS 16
#define METRICS_CONNECTION_TIMEOUT_S 10

struct metrics_server {
	struct vflagd *d;
	struct MHD_Daemon *mhd;
	int epfd; /* libmicrohttpd's epoll set, on the daemon's loop */
};

int metrics_parse_address(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;
	size_t hlen;

	if (!colon || colon == s)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port == 0 || port > 65535)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	static const char index_html[] =
	    "<html><body><a href=\"/metrics\">/metrics</a></body></html>\n";
	static const char not_found[] = "not found: try /metrics\n";
	static const char bad_method[] = "GET or HEAD only\n";
	struct metrics_server *s = cls;
	struct expo e;
	char *text;
	size_t len;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     (void *)bad_method, sizeof(bad_method) - 1,
			     MHD_RESPMEM_PERSISTENT);
	/* A GET has no body: answer on the first call, whatever the
	 * client sent. */
	*upload_len = 0;
	(void)con_cls;
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html", (void *)index_html,
			     sizeof(index_html) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain",
			     (void *)not_found, sizeof(not_found) - 1,
			     MHD_RESPMEM_PERSISTENT);
	expo_init(&e);
	metrics_collect(s->d, &e);
	text = expo_take(&e, &len);
	if (!text)
		return MHD_NO; /* out of memory: libmicrohttpd closes it */
	return reply(c, MHD_HTTP_OK, EXPO_CONTENT_TYPE, text, len,
		     MHD_RESPMEM_MUST_FREE);
}

static void on_ready(void *arg, int fd)
{
	struct metrics_server *s = arg;

	(void)fd;
	MHD_run(s->mhd);
}

static uint64_t server_next_deadline(void *arg)
{
	struct metrics_server *s = arg;
	MHD_UNSIGNED_LONG_LONG ms;

	if (!s->mhd || MHD_get_timeout(s->mhd, &ms) != MHD_YES)
		return UINT64_MAX;
	return clock_now_ms() + ms;
}

static void server_run(void *arg, uint64_t now)
{
	struct metrics_server *s = arg;

	(void)now;
	if (s->mhd)
		MHD_run(s->mhd);
}

static void on_mhd_log(void *arg, const char *fmt, va_list ap)
{
	char msg[256];

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	LOG_DBG(TAG, "libmicrohttpd: %s", msg);
}

struct metrics_server *metrics_server_open(struct vflagd *d,
					   const char *address, char *err,
					   size_t errlen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct metrics_server *s;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	socklen_t len;

	if (metrics_parse_address(address, &ss, &len)) {
		snprintf(err, errlen,
			 "metrics address %s: give ADDR:PORT or [ADDR6]:PORT",
			 address);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->d = d;
	s->epfd = -1;
	/* No thread: MHD_run() from the loop, over MHD's own epoll set. */
	s->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)METRICS_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)METRICS_CONNECTION_TIMEOUT_S, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, NULL, MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen,
			 "cannot serve metrics on %s (port taken, or no such "
			 "address here)",
			 address);
		goto free_server;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		snprintf(err, errlen, "libmicrohttpd has no epoll set");
		goto stop_mhd;
	}
	s->epfd = info->epoll_fd;
	if (loop_add(vflagd_loop(d), s->epfd, on_ready, s)) {
		snprintf(err, errlen, "cannot watch the metrics socket");
		goto stop_mhd;
	}
	if (vflagd_add_timer(d, &(struct vflagd_timer){server_next_deadline,
						       server_run, s})) {
		snprintf(err, errlen, "no timer left for the metrics server");
		goto unwatch;
	}
	return s;

unwatch:
	loop_del(vflagd_loop(d), s->epfd);
stop_mhd:
	MHD_stop_daemon(s->mhd);
free_server:
	free(s);
	return NULL;
}

void metrics_server_close(struct metrics_server *s)
{
	if (!s)
		return;
	loop_del(vflagd_loop(s->d), s->epfd);
	MHD_stop_daemon(s->mhd);
	free(s);
}
