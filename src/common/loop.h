/* The event loop: epoll over file descriptors, each with a callback.
 * Single-threaded; callbacks may add and remove fds (including their own). */
#ifndef VFLAG_COMMON_LOOP_H
#define VFLAG_COMMON_LOOP_H

typedef void (*loop_cb)(void *arg, int fd);

struct loop;

struct loop *loop_create(void);
void loop_destroy(struct loop *loop);
/* Watches fd for input. -EEXIST if it is watched already. */
int loop_add(struct loop *loop, int fd, loop_cb cb, void *arg);
void loop_del(struct loop *loop, int fd);
/* Waits up to timeout_ms and runs the callbacks of ready fds. Returns the
 * number run, or -errno (-EINTR is not an error). */
int loop_run_once(struct loop *loop, int timeout_ms);

#endif
