#include "backoff.h"

uint32_t plqs_backoff_step_ms(const plqs_backoff *b) {
  uint32_t step = PLQS_BACKOFF_BASE_MS;
  for (uint32_t i = 0; i < b->attempt && step < PLQS_BACKOFF_MAX_MS; i++) step *= 2;
  return step > PLQS_BACKOFF_MAX_MS ? PLQS_BACKOFF_MAX_MS : step;
}

uint32_t plqs_backoff_next_ms(plqs_backoff *b, uint32_t random) {
  uint32_t step = plqs_backoff_step_ms(b);
  uint32_t half = step / 2;
  if (b->attempt < 64) b->attempt++;
  return half + random % (step - half + 1);
}

void plqs_backoff_reset(plqs_backoff *b) { b->attempt = 0; }
