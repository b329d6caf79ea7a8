/* Logging: one tag per module, a level changeable at run time, and a
 * rate limiter for every message that input can trigger.
 *
 * Single-threaded: vflagd runs one event loop; nothing here locks. */
#ifndef VFLAG_COMMON_LOG_H
#define VFLAG_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the level below which messages are dropped (default INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "err", "warn", "info", "debug"; returns -EINVAL otherwise. */
int log_level_parse(const char *name, enum log_level *level);
/* Sends messages to stderr (default) or, with quiet=true, nowhere
 * (unit tests). */
void log_set_quiet(bool quiet);

void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A token bucket: at most `burst` messages, refilled at `per_sec`. */
struct log_ratelimit {
	uint32_t per_sec;    /* refill rate */
	uint32_t burst;	     /* bucket size */
	uint64_t last_ms;    /* last refill */
	uint32_t tokens;     /* messages allowed now */
	uint64_t suppressed; /* dropped since the last one let through */
};
#define LOG_RATELIMIT_INIT(rate, b)                                            \
	{                                                                      \
		.per_sec = (rate), .burst = (b), .tokens = (b)                 \
	}

/* True if a message may be logged now; counts the ones it refuses. */
bool log_ratelimit_ok(struct log_ratelimit *rl);

#define LOG_ERR(tag, ...) log_msg(LOG_LVL_ERR, tag, __VA_ARGS__)
#define LOG_WARN(tag, ...) log_msg(LOG_LVL_WARN, tag, __VA_ARGS__)
#define LOG_INFO(tag, ...) log_msg(LOG_LVL_INFO, tag, __VA_ARGS__)
#define LOG_DBG(tag, ...) log_msg(LOG_LVL_DEBUG, tag, __VA_ARGS__)

/* A warning that input can trigger: rate-limited per call site. */
#define LOG_WARN_RL(tag, ...)                                                  \
	do {                                                                   \
		static struct log_ratelimit rl_ = LOG_RATELIMIT_INIT(5, 10);   \
		if (log_ratelimit_ok(&rl_))                                    \
			log_msg(LOG_LVL_WARN, tag, __VA_ARGS__);               \
	} while (0)

#endif
