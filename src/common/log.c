/* Logging to stderr with a per-call-site rate limiter. */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"

static enum log_level log_level = LOG_LVL_INFO;
static bool log_quiet;

static const char *const log_level_names[] = {
    [LOG_LVL_ERR] = "err",
    [LOG_LVL_WARN] = "warn",
    [LOG_LVL_INFO] = "info",
    [LOG_LVL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *name, enum log_level *level)
{
	for (unsigned i = 0;
	     i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (!strcmp(name, log_level_names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_set_quiet(bool quiet)
{
	log_quiet = quiet;
}

void log_msg(enum log_level level, const char *tag, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level || log_quiet)
		return;
	fprintf(stderr, "vflagd: %s: %s: ", log_level_names[level], tag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool log_ratelimit_ok(struct log_ratelimit *rl)
{
	uint64_t now = clock_now_ms();
	uint64_t elapsed = now - rl->last_ms;

	if (elapsed >= 1000 / (rl->per_sec ? rl->per_sec : 1)) {
		uint64_t add = elapsed * rl->per_sec / 1000;

		rl->tokens = add + rl->tokens > rl->burst
				 ? rl->burst
				 : (uint32_t)(rl->tokens + add);
		rl->last_ms = now;
	}
	if (rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	return true;
}
