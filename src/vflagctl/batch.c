/* vflagctl -b: see batch.h. */
#include "vflagctl/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "vflag/ctl.h"
#include "vflagctl/client.h"
#include "vflagctl/print.h"

#define BATCH_MAX_WORDS 256

struct reader {
	int fd;
	char *buf;
	size_t len, cap;
};

/* The next reply line (its '\n' replaced by NUL) in r->buf[0..*n); the
 * caller consumes it with reader_take. 0 or -errno (-ECONNRESET: EOF). */
static int reader_line(struct reader *r, size_t *n)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		ssize_t got;

		if (nl) {
			*nl = '\0';
			*n = (size_t)(nl - r->buf);
			return 0;
		}
		if (r->len == r->cap) {
			char *bigger;

			if (r->cap >= VFLAGCTL_MAX_REPLY)
				return -EMSGSIZE;
			bigger = realloc(r->buf, r->cap * 2);
			if (!bigger)
				return -ENOMEM;
			r->buf = bigger;
			r->cap *= 2;
		}
		got = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -ECONNRESET;
		r->len += (size_t)got;
	}
}

static void reader_take(struct reader *r, size_t n)
{
	memmove(r->buf, r->buf + n + 1, r->len - n - 1);
	r->len -= n + 1;
}

/* Splits line into words in place; -EINVAL for an open quote. */
static int split(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return -E2BIG;
		if (*p == '"') {
			argv[n++] = ++p;
			p = strchr(p, '"');
			if (!p)
				return -EINVAL;
		} else {
			argv[n++] = p;
			p += strcspn(p, " \t\r\n");
		}
		if (!*p)
			return n;
		*p++ = '\0';
	}
}

struct pending {
	char *req; /* encoded request */
	unsigned line;
};

int vflagctl_batch(const char *socket_path, const char *file, FILE *out,
		   FILE *err)
{
	FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
	struct pending *q = NULL;
	size_t nq = 0, capq = 0, sent = 0, done = 0, lnlen = 0;
	struct reader r = {.fd = -1};
	unsigned lineno = 0, failed = 0;
	int code = VFLAG_EXIT_OK;
	char *ln = NULL;

	if (!in) {
		fprintf(err, "vflagctl: cannot open %s: %s\n", file,
			strerror(errno));
		return VFLAG_EXIT_USAGE;
	}
	/* Read and encode every line first: a usage error anywhere stops
	 * the run before anything is sent, as tc -batch does not; say it
	 * with the line. */
	while (getline(&ln, &lnlen, in) >= 0) {
		char *argv[BATCH_MAX_WORDS];
		int argc = split(ln, argv, BATCH_MAX_WORDS);

		lineno++;
		if (argc == 0)
			continue;
		if (argc < 0) {
			fprintf(err, "%s:%u: %s\n", file, lineno,
				argc == -E2BIG ? "too many words"
					       : "unterminated quote");
			code = VFLAG_EXIT_USAGE;
			continue;
		}
		if (nq == capq) {
			struct pending *bigger;

			capq = capq ? capq * 2 : 1024;
			bigger = realloc(q, capq * sizeof(*q));
			if (!bigger) {
				fprintf(err, "vflagctl: out of memory\n");
				code = VFLAG_EXIT_USAGE;
				goto out;
			}
			q = bigger;
		}
		q[nq].req = vflagctl_request_encode(argc, argv);
		q[nq].line = lineno;
		if (!q[nq].req || strlen(q[nq].req) > VFLAG_CTL_MAX_LINE) {
			fprintf(err,
				"%s:%u: command cannot be sent (too long, "
				"or not UTF-8)\n",
				file, lineno);
			free(q[nq].req);
			code = VFLAG_EXIT_USAGE;
			continue;
		}
		nq++;
	}
	if (code != VFLAG_EXIT_OK)
		goto out;
	r.fd = vflagctl_connect(socket_path);
	if (r.fd < 0) {
		fprintf(err, "vflagctl: cannot reach vflagd at %s: %s\n",
			socket_path, strerror(-r.fd));
		code = VFLAG_EXIT_NODAEMON;
		goto out;
	}
	r.cap = 64 * 1024;
	r.buf = malloc(r.cap);
	while (r.buf && done < nq) {
		struct vflagctl_reply reply;
		char why[256];
		size_t n = 0;
		int ret;

		while (sent < nq && sent - done < VFLAGCTL_BATCH_WINDOW) {
			const char *s = q[sent].req;
			size_t len = strlen(s);

			while (len) {
				ssize_t w = send(r.fd, s, len, MSG_NOSIGNAL);

				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					goto lost;
				s += w;
				len -= (size_t)w;
			}
			sent++;
		}
		ret = reader_line(&r, &n);
		if (ret)
			goto lost;
		if (vflagctl_reply_parse(r.buf, n, &reply, why, sizeof(why))) {
			fprintf(err, "%s:%u: reply not understood: %s\n", file,
				q[done].line, why);
			code = VFLAG_EXIT_NODAEMON;
			goto out;
		}
		reader_take(&r, n);
		if (!reply.ok) {
			char buf[1024];

			fprintf(
			    err, "%s:%u: Error: %s\n", file, q[done].line,
			    vflagctl_sanitize(reply.error, buf, sizeof(buf)));
			failed++;
		}
		vflagctl_reply_release(&reply);
		done++;
	}
	if (failed) {
		fprintf(err, "%u of %zu command(s) failed\n", failed, nq);
		code = VFLAG_EXIT_REFUSED;
	}
	(void)out;
	goto out;
lost:
	fprintf(err, "%s:%u: lost vflagd at %s: %s\n", file,
		done < nq ? q[done].line : lineno, socket_path,
		strerror(errno ? errno : ECONNRESET));
	code = VFLAG_EXIT_NODAEMON;
out:
	for (size_t i = 0; i < nq; i++)
		free(q[i].req);
	free(q);
	free(ln);
	free(r.buf);
	if (r.fd >= 0)
		close(r.fd);
	if (in != stdin)
		fclose(in);
	return code;
}
