/* Reconnect delays: 100 ms doubling to 10 s, like the KVS C SDK, with "equal jitter" (half the
 * step fixed, half random) so that a fleet of cameras told GO_AWAY together does not come back in
 * one burst. Pure: the random number is a parameter. */
#ifndef PLQS_BACKOFF_H
#define PLQS_BACKOFF_H

#include <stdint.h>

#define PLQS_BACKOFF_BASE_MS 100u
#define PLQS_BACKOFF_MAX_MS 10000u

typedef struct plqs_backoff {
  uint32_t attempt;
} plqs_backoff;

/* The step before jitter for the current attempt: 100, 200, 400, ... 10000, 10000, ... */
uint32_t plqs_backoff_step_ms(const plqs_backoff *b);
/* The delay before the next attempt, in [step/2, step]; advances the attempt counter. */
uint32_t plqs_backoff_next_ms(plqs_backoff *b, uint32_t random);
/* After a successful join. */
void plqs_backoff_reset(plqs_backoff *b);

#endif
