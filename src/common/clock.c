/* Monotonic clock with a test override. */
#include "common/clock.h"

#include <stdbool.h>
#include <time.h>

static bool clock_faked;
static uint64_t clock_fake_ms;

uint64_t clock_now_ms(void)
{
	struct timespec ts;

	if (clock_faked)
		return clock_fake_ms;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void clock_fake_set(uint64_t now_ms)
{
	clock_faked = true;
	clock_fake_ms = now_ms;
}

void clock_fake_clear(void)
{
	clock_faked = false;
}
