/* The event loop: epoll over file descriptors, each with a callback.
 * Single-threaded; callbacks may add and remove fds (including their own). */
#ifndef VFLAG_COMMON_LOOP_H
#define VFLAG_COMMON_LOOP_H

typedef void (*loop_cb)(void *arg, int fd);

/* What a watched fd wakes the loop for. Errors and hang-ups always do. */
enum loop_events {
	LOOP_IN = 1u << 0,  /* readable (what loop_add watches) */
	LOOP_OUT = 1u << 1, /* writable: for output queued while it was full */
};

struct loop;

struct loop *loop_create(void);
void loop_destroy(struct loop *loop);
/* Watches fd for input. -EEXIST if it is watched already. */
int loop_add(struct loop *loop, int fd, loop_cb cb, void *arg);
void loop_del(struct loop *loop, int fd);
/* Changes what a watched fd wakes the loop for (LOOP_IN | LOOP_OUT, or 0
 * for errors and hang-ups only). The callback is the same for all; it
 * finds out what is ready by trying. -ENOENT if fd is not watched. */
int loop_set_events(struct loop *loop, int fd, unsigned events);
/* Waits up to timeout_ms and runs the callbacks of ready fds. Returns the
 * number run, or -errno (-EINTR is not an error). */
int loop_run_once(struct loop *loop, int timeout_ms);

#endif
