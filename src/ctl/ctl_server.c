/* Unix stream socket, one JSON object per line each way.
 *
 * Why it is shaped like this: the server shares vflagd's one thread with
 * LACP and the link monitor, so nothing a client does may hold that thread.
 *  - Input: requests are taken from the socket one line at a time (peek,
 *    then take exactly the line), so what a client pipelines beyond its
 *    turn stays in the kernel and level-triggered epoll brings the client
 *    back next wake-up, after everyone else and the daemon's timers.
 *  - Output: replies are queued per client and written only as far as the
 *    socket takes them; the rest waits for EPOLLOUT. A client owing more
 *    than max_output bytes that asks for more is disconnected, not waited
 *    for: a client that does not read is a client that is gone.
 *  - Slots: at most max_clients; a newcomer at the limit closes the client
 *    idle the longest, so `vflagctl` always gets in.
 *  - Long operations: a handler may defer its reply (struct ctl_call); its
 *    client then takes no request until the reply, so replies stay in
 *    order, and is not idle meanwhile. The call outlives its client.
 * Memory per client: one line buffer (64 KiB) and at most max_output plus
 * one reply of output. */
#include "ctl/ctl_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "vflag/ctl.h"

#define TAG "ctl"
#define CTL_ACCEPTS_PER_TURN 4	 /* connections taken per wake-up */
#define CTL_TURN_MS 2		 /* a turn ends after this much handler time */
#define CTL_PEEK_CHUNK 4096	 /* bytes looked at per peek for a '\n' */
#define CTL_OUT_KEEP (16 * 1024) /* output buffer kept when emptied */

struct ctl_client {
	int fd;		 /* -1: free slot */
	unsigned events; /* LOOP_IN | LOOP_OUT as watched now */
	bool closing;	 /* takes no more requests; closed once flushed */
	char *in;	 /* VFLAG_CTL_MAX_LINE bytes: a partial line */
	size_t in_len;	 /* no '\n' in in[0..in_len) */
	char *out;	 /* unsent replies: out[out_off..out_len) */
	size_t out_off, out_len, out_cap;
	uint64_t last_active_ms; /* accepted, a request, or reply bytes taken */
	uint64_t active_seq; /* srv->seq at that moment: orders equal times */
	struct ctl_call *pending; /* a deferred request's call, or NULL */
	struct ctl_server *srv;
};

struct ctl_call {
	struct ctl_client *client; /* NULL once the client is gone */
	bool progress;		   /* the request asked for progress lines */
	bool deferred;		   /* the handler will answer later */
};

struct ctl_server {
	struct loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctl_handler handler;
	void *ctx;
	struct ctl_server_opts opts; /* defaults filled in */
	struct ctl_server_stats stats;
	struct log_ratelimit rl;    /* client-triggered warnings, all kinds */
	struct ctl_client *clients; /* opts.max_clients slots */
	uint64_t seq;		    /* bumped on each client's activity */
};

/* A warning a client can trigger: rate-limited across the server, so a
 * flood of bad clients costs a few lines a second (the counters keep the
 * full story). */
#define CTL_WARN_RL(srv, ...)                                                  \
	do {                                                                   \
		if (log_ratelimit_ok(&(srv)->rl))                              \
			log_msg(LOG_LVL_WARN, TAG, __VA_ARGS__);               \
	} while (0)

static size_t client_unsent(const struct ctl_client *c)
{
	return c->out_len - c->out_off;
}

/* The client did something: it is not idle, and is the last to evict. */
static void client_touch(struct ctl_client *c, uint64_t now)
{
	c->last_active_ms = now;
	c->active_seq = ++c->srv->seq;
}

static void client_close(struct ctl_client *c)
{
	struct ctl_server *srv = c->srv;

	if (c->pending)
		c->pending->client =
		    NULL; /* the operation goes on without it */
	loop_del(srv->loop, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	*c = (struct ctl_client){.fd = -1, .srv = srv};
	srv->stats.clients--;
}

/* Watches the socket for what the client's state needs: input unless it
 * is closing, output while replies wait. Level-triggered EPOLLOUT on an
 * empty queue would wake the loop for nothing, hence the toggling. */
static void client_watch(struct ctl_client *c)
{
	unsigned want = (c->closing || c->pending ? 0 : LOOP_IN) |
			(client_unsent(c) ? LOOP_OUT : 0);

	if (want == c->events)
		return;
	if (loop_set_events(c->srv->loop, c->fd, want)) {
		client_close(c);
		return;
	}
	c->events = want;
}

/* Writes queued output as far as the socket takes it, never waiting.
 * Closes the client on a write error, or when it is closing and all is
 * sent. Returns false if the client was closed. */
static bool client_flush(struct ctl_client *c)
{
	bool progress = false;

	while (client_unsent(c)) {
		ssize_t n = send(c->fd, c->out + c->out_off, client_unsent(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
			progress = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		client_close(c); /* gone: EPIPE, ECONNRESET */
		return false;
	}
	if (progress)
		client_touch(c, clock_now_ms());
	if (client_unsent(c))
		return true;
	c->out_off = c->out_len = 0;
	if (c->out_cap > CTL_OUT_KEEP) {
		/* a big reply went out; do not hold its memory while idle */
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	if (c->closing && !c->pending) {
		client_close(c);
		return false;
	}
	return true;
}

/* Queues a reply line (taking it) and writes what the socket takes now.
 * Returns false if the client was closed. */
static bool client_queue(struct ctl_client *c, char *line)
{
	size_t len;

	if (!line) {
		client_close(c); /* out of memory: no reply would be worse */
		return false;
	}
	len = strlen(line);
	if (c->out_off && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_off, client_unsent(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *out;

		while (cap < c->out_len + len)
			cap *= 2;
		out = realloc(c->out, cap);
		if (!out) {
			free(line);
			client_close(c);
			return false;
		}
		c->out = out;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	free(line);
	return client_flush(c);
}

/* Runs the request in[0..len) as a call: NULL if the handler deferred it
 * (then it is c->pending), else the reply line. */
static char *client_call(struct ctl_client *c, size_t len)
{
	struct ctl_server *srv = c->srv;
	const char *argv[VFLAG_CTL_MAX_ARGS + 1];
	struct ctl_call *call;
	char err[1024] = "";
	bool usage = false;
	int argc, error = 0;
	json_t *req, *data;

	if (ctl_request_parse(c->in, len, &req, &argc, argv, err, sizeof(err)))
		return ctl_reply_line(NULL, EINVAL, true, err);
	call = calloc(1, sizeof(*call));
	if (!call) {
		json_decref(req);
		return ctl_reply_line(NULL, ENOMEM, false, "out of memory");
	}
	call->client = c;
	call->progress = ctl_request_wants_progress(req);
	data = srv->handler(srv->ctx, call, argc, (char **)argv, &error, &usage,
			    err, sizeof(err));
	json_decref(req);
	if (call->deferred) {
		json_decref(data);
		c->pending = call;
		return NULL;
	}
	free(call);
	return ctl_reply_line(data, error, usage, err);
}

/* Answers the line in[0..len). Returns false if the client was closed. */
static bool client_request(struct ctl_client *c, size_t len)
{
	struct ctl_server *srv = c->srv;
	char *line;

	/* Checked before running it, so one big reply (vf show of many PFs)
	 * always fits: a client owes at most max_output plus one reply. */
	if (client_unsent(c) > srv->opts.max_output) {
		srv->stats.output_overflows++;
		CTL_WARN_RL(srv,
			    "control client does not read its replies "
			    "(%zu bytes unsent): disconnected",
			    client_unsent(c));
		client_close(c);
		return false;
	}
	srv->stats.requests++;
	client_touch(c, clock_now_ms());
	line = client_call(c, len);
	if (c->pending) {
		srv->stats.deferred++;
		return true;
	}
	return client_queue(c, line);
}

/* Takes and answers the client's requests, at most a turn's worth; what is
 * left stays in the socket for the next wake-up. */
static void client_serve(struct ctl_client *c)
{
	struct ctl_server *srv = c->srv;
	uint64_t start = clock_now_ms();
	unsigned done = 0;

	for (;;) {
		size_t room = VFLAG_CTL_MAX_LINE - c->in_len;
		size_t peek = room < CTL_PEEK_CHUNK ? room : CTL_PEEK_CHUNK;
		ssize_t n = recv(c->fd, c->in + c->in_len, peek,
				 MSG_PEEK | MSG_DONTWAIT);
		char *nl;
		size_t take;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			client_close(c);
			return;
		}
		if (n == 0) {
			/* The client half-closed: it still gets the replies it
			 * asked for, then the connection ends. A partial line
			 * is dropped, as it always was. */
			c->closing = true;
			if (!client_unsent(c) && !c->pending)
				client_close(c);
			return;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		take = nl ? (size_t)(nl - (c->in + c->in_len)) + 1 : (size_t)n;
		/* Exactly what was peeked; nothing else reads this socket. */
		n = recv(c->fd, c->in + c->in_len, take, MSG_DONTWAIT);
		if (n != (ssize_t)take) {
			client_close(c);
			return;
		}
		c->in_len += take;
		if (!nl) {
			if (c->in_len < VFLAG_CTL_MAX_LINE)
				continue;
			srv->stats.lines_too_long++;
			CTL_WARN_RL(
			    srv,
			    "control client sent a line over %d bytes: closed",
			    VFLAG_CTL_MAX_LINE);
			c->closing = true;
			client_queue(
			    c, ctl_reply_line(NULL, E2BIG, true,
					      "request line too long (at most "
					      "65536 bytes)"));
			return;
		}
		c->in_len = 0;
		if (!client_request(c, (size_t)(nl - c->in)))
			return;
		if (c->pending)
			return; /* no more requests until its reply */
		if (++done >= srv->opts.requests_per_turn ||
		    clock_now_ms() - start >= CTL_TURN_MS)
			break;
	}
	/* Turn over. Whatever is still waiting stays in the socket, and
	 * level-triggered epoll brings this client back next wake-up. */
	{
		char b;

		if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
			srv->stats.turns_yielded++;
	}
}

/* One wake-up of a client's socket: writable, readable, or both. */
static void client_event(void *arg, int fd)
{
	struct ctl_client *c = arg;

	(void)fd;
	if (client_unsent(c) && !client_flush(c))
		return;
	if (!c->closing && !c->pending) {
		client_serve(c);
		if (c->fd < 0)
			return;
	}
	client_watch(c);
}

/* The client idle the longest, or NULL with none. O(n), n <= 128.
 * (By activity order, not time: the clock may not move between two.) */
static struct ctl_client *client_oldest(struct ctl_server *srv)
{
	struct ctl_client *old = NULL;

	for (unsigned i = 0; i < srv->opts.max_clients; i++) {
		struct ctl_client *c = &srv->clients[i];

		/* one waiting for a long operation is not idle */
		if (c->fd >= 0 && !c->pending &&
		    (!old || c->active_seq < old->active_seq))
			old = c;
	}
	return old;
}

/* Closes the longest-idle client for a newcomer. False with none. */
static bool client_evict(struct ctl_server *srv, uint64_t now)
{
	struct ctl_client *c = client_oldest(srv);

	if (!c)
		return false;
	srv->stats.evicted++;
	CTL_WARN_RL(srv,
		    "%u control clients: closed one idle for %llu ms to let a "
		    "new one in",
		    srv->opts.max_clients,
		    (unsigned long long)(now - c->last_active_ms));
	client_close(c);
	return true;
}

static struct ctl_client *client_slot(struct ctl_server *srv)
{
	for (unsigned i = 0; i < srv->opts.max_clients; i++)
		if (srv->clients[i].fd < 0)
			return &srv->clients[i];
	return NULL;
}

/* Takes cfd as a client, making room if needed. */
static void client_add(struct ctl_server *srv, int cfd)
{
	uint64_t now = clock_now_ms();
	struct ctl_client *c = client_slot(srv);

	if (!c) {
		ctl_server_run(srv, now);
		c = client_slot(srv);
	}
	if (!c && client_evict(srv, now))
		c = client_slot(srv);
	if (!c)
		goto refuse;
	c->in = malloc(VFLAG_CTL_MAX_LINE);
	if (!c->in)
		goto refuse;
	/* The loop's table may be full of bond sockets; a control client
	 * still gets in, at the expense of the longest-idle one. */
	if (loop_add(srv->loop, cfd, client_event, c) &&
	    (!client_evict(srv, now) ||
	     loop_add(srv->loop, cfd, client_event, c)))
		goto free_in;
	c->fd = cfd;
	c->events = LOOP_IN;
	client_touch(c, now);
	srv->stats.accepted++;
	srv->stats.clients++;
	return;

free_in:
	free(c->in);
	c->in = NULL;
refuse:
	srv->stats.refused++;
	CTL_WARN_RL(
	    srv, "cannot take a control client (out of memory or loop full)");
	close(cfd);
}

static void server_accept(void *arg, int fd)
{
	struct ctl_server *srv = arg;

	for (int i = 0; i < CTL_ACCEPTS_PER_TURN; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (cfd >= 0) {
			client_add(srv, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of fds, the listening socket stays readable and
			 * would spin the loop: give one back and try again. */
			srv->stats.refused++;
			CTL_WARN_RL(srv, "out of file descriptors accepting a "
					 "control client");
			if (client_evict(srv, clock_now_ms()))
				continue;
		}
		return; /* EAGAIN: all taken */
	}
}

static void mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	mkdir(dir, 0755);
}

struct ctl_server *ctl_server_open(struct loop *loop, const char *path,
				   ctl_handler handler, void *ctx, char *err,
				   size_t errlen)
{
	return ctl_server_open_opts(loop, path, handler, ctx, NULL, err,
				    errlen);
}

/* Fills in the defaults; -EINVAL with err set for a limit out of range. */
static int opts_resolve(const struct ctl_server_opts *in,
			struct ctl_server_opts *out, char *err, size_t errlen)
{
	*out = in ? *in : (struct ctl_server_opts){0};
	if (!out->max_clients)
		out->max_clients = CTL_SERVER_MAX_CLIENTS;
	if (!out->idle_timeout_ms)
		out->idle_timeout_ms = CTL_SERVER_IDLE_TIMEOUT_MS;
	if (!out->max_output)
		out->max_output = CTL_SERVER_MAX_OUTPUT;
	if (!out->requests_per_turn)
		out->requests_per_turn = CTL_SERVER_REQUESTS_PER_TURN;
	if (out->max_clients > CTL_SERVER_MAX_CLIENTS_LIMIT) {
		snprintf(err, errlen, "at most %d control clients, not %u",
			 CTL_SERVER_MAX_CLIENTS_LIMIT, out->max_clients);
		return -EINVAL;
	}
	return 0;
}

struct ctl_server *ctl_server_open_opts(struct loop *loop, const char *path,
					ctl_handler handler, void *ctx,
					const struct ctl_server_opts *opts,
					char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctl_server *srv;
	mode_t old_umask;
	int probe;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (opts_resolve(opts, &srv->opts, err, errlen))
		goto free_srv;
	srv->clients = calloc(srv->opts.max_clients, sizeof(*srv->clients));
	if (!srv->clients) {
		snprintf(err, errlen, "out of memory");
		goto free_srv;
	}
	for (unsigned i = 0; i < srv->opts.max_clients; i++)
		srv->clients[i] = (struct ctl_client){.fd = -1, .srv = srv};
	srv->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 10);
	srv->loop = loop;
	srv->handler = handler;
	srv->ctx = ctx;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	mkdir_parent(path);

	/* Another vflagd answering there? Then do not steal its socket. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 &&
	    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		snprintf(err, errlen, "another vflagd is serving %s", path);
		goto free_srv;
	}
	if (probe >= 0)
		close(probe);
	/* Replace a stale socket, never anything else a mistyped -s names. */
	{
		struct stat st;

		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
				 path);
			goto free_srv;
		}
	}
	unlink(path);

	srv->fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto free_srv;
	}
	old_umask = umask(0177); /* the socket file is born 0600 */
	if (bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old_umask);
		snprintf(err, errlen, "cannot bind %s: %s", path,
			 strerror(errno));
		goto close_fd;
	}
	umask(old_umask);
	chmod(path, 0600);
	if (listen(srv->fd, CTL_SERVER_MAX_CLIENTS) < 0 ||
	    loop_add(loop, srv->fd, server_accept, srv)) {
		snprintf(err, errlen, "cannot listen on %s: %s", srv->path,
			 strerror(errno));
		goto unlink_path;
	}
	return srv;

unlink_path:
	unlink(path);
close_fd:
	close(srv->fd);
free_srv:
	free(srv->clients);
	free(srv);
	return NULL;
}

void ctl_server_close(struct ctl_server *srv)
{
	if (!srv)
		return;
	for (unsigned i = 0; i < srv->opts.max_clients; i++)
		if (srv->clients[i].fd >= 0)
			client_close(&srv->clients[i]);
	loop_del(srv->loop, srv->fd);
	close(srv->fd);
	unlink(srv->path);
	free(srv->clients);
	free(srv);
}

uint64_t ctl_server_next_deadline(const struct ctl_server *srv)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < srv->opts.max_clients; i++) {
		const struct ctl_client *c = &srv->clients[i];

		if (c->fd >= 0 && !c->pending &&
		    c->last_active_ms + srv->opts.idle_timeout_ms < next)
			next = c->last_active_ms + srv->opts.idle_timeout_ms;
	}
	return next;
}

int ctl_server_run(struct ctl_server *srv, uint64_t now_ms)
{
	int closed = 0;

	for (unsigned i = 0; i < srv->opts.max_clients; i++) {
		struct ctl_client *c = &srv->clients[i];

		if (c->fd < 0 || c->pending ||
		    now_ms - c->last_active_ms < srv->opts.idle_timeout_ms ||
		    c->last_active_ms > now_ms)
			continue;
		client_close(c);
		srv->stats.idle_closed++;
		closed++;
	}
	if (closed)
		LOG_DBG(TAG, "closed %d control client(s) idle for %u ms",
			closed, srv->opts.idle_timeout_ms);
	return closed;
}

void ctl_server_get_stats(const struct ctl_server *srv,
			  struct ctl_server_stats *stats)
{
	*stats = srv->stats;
}

bool ctl_call_wants_progress(const struct ctl_call *call)
{
	return call && call->progress;
}

void ctl_call_defer(struct ctl_call *call)
{
	call->deferred = true;
}

void ctl_call_progress(struct ctl_call *call, json_t *progress)
{
	struct ctl_client *c = call->client;
	char *line;

	if (!c || !call->progress ||
	    client_unsent(c) > c->srv->opts.max_output) {
		json_decref(progress);
		return;
	}
	line = ctl_progress_line(progress);
	if (line && client_queue(c, line)) /* no memory: one report less */
		client_watch(c);
}

void ctl_call_reply(struct ctl_call *call, json_t *data, int error, bool usage,
		    const char *err)
{
	struct ctl_client *c = call->client;

	free(call);
	if (!c) {
		json_decref(data);
		return;
	}
	c->pending = NULL;
	/* Its client takes requests again: what it pipelined meanwhile
	 * waits in the socket, and the watch on input brings it back. */
	if (client_queue(c, ctl_reply_line(data, error, usage, err)))
		client_watch(c);
}
