/* Monotonic time in milliseconds, fakeable for unit tests.
 *
 * Protocol code (LACP, bond timers) never calls this: the event loop reads
 * the clock once per wake-up and passes `now` in. */
#ifndef VFLAG_COMMON_CLOCK_H
#define VFLAG_COMMON_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ms, or the fake time once clock_fake_set() was called. */
uint64_t clock_now_ms(void);
/* Freezes the clock at `now_ms` (tests). */
void clock_fake_set(uint64_t now_ms);
/* Returns to the real clock. */
void clock_fake_clear(void);

#endif
