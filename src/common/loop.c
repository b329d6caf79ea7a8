/* epoll-based event loop. O(n) in watched fds for add/del; n is small
 * (control clients, one packet socket per bond member, netlink). */
#include "common/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define LOOP_MAX_FDS 256

struct loop_watch {
	int fd; /* -1: free */
	loop_cb cb;
	void *arg;
	unsigned gen; /* bumped on reuse, so stale events are ignored */
};

struct loop {
	int epfd;
	struct loop_watch watches[LOOP_MAX_FDS];
};

struct loop *loop_create(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	for (int i = 0; i < LOOP_MAX_FDS; i++)
		loop->watches[i].fd = -1;
	return loop;
}

void loop_destroy(struct loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop);
}

int loop_add(struct loop *loop, int fd, loop_cb cb, void *arg)
{
	struct loop_watch *free_slot = NULL;
	struct epoll_event ev = {.events = EPOLLIN};

	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		if (loop->watches[i].fd == fd)
			return -EEXIST;
		if (loop->watches[i].fd < 0 && !free_slot)
			free_slot = &loop->watches[i];
	}
	if (!free_slot)
		return -ENOSPC;
	free_slot->gen++;
	ev.data.u64 = (uint64_t)(free_slot - loop->watches) |
		      (uint64_t)free_slot->gen << 32;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	free_slot->fd = fd;
	free_slot->cb = cb;
	free_slot->arg = arg;
	return 0;
}

void loop_del(struct loop *loop, int fd)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		if (loop->watches[i].fd == fd) {
			epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
			loop->watches[i].fd = -1;
			return;
		}
	}
}

int loop_set_events(struct loop *loop, int fd, unsigned events)
{
	struct epoll_event ev = {0};

	if (events & LOOP_IN)
		ev.events |= EPOLLIN;
	if (events & LOOP_OUT)
		ev.events |= EPOLLOUT;
	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		struct loop_watch *w = &loop->watches[i];

		if (w->fd != fd)
			continue;
		/* the same cookie as loop_add's, so events stay matched */
		ev.data.u64 = (uint64_t)i | (uint64_t)w->gen << 32;
		if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
			return -errno;
		return 0;
	}
	return -ENOENT;
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(loop->epfd, evs, 32, timeout_ms);
	int ran = 0;

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		unsigned idx = (unsigned)(evs[i].data.u64 & 0xffffffffu);
		unsigned gen = (unsigned)(evs[i].data.u64 >> 32);
		struct loop_watch *w;

		if (idx >= LOOP_MAX_FDS)
			continue;
		w = &loop->watches[idx];
		/* An earlier callback in this batch may have removed it. */
		if (w->fd < 0 || w->gen != gen)
			continue;
		w->cb(w->arg, w->fd);
		ran++;
	}
	return ran;
}
