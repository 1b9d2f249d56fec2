/* A minimal test harness: CHECK records a failure with its line and goes on. */
#ifndef PLQS_UNIT_H
#define PLQS_UNIT_H

#include <stdio.h>

extern int plqs_unit_failures;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      plqs_unit_failures++;                                                  \
    }                                                                        \
  } while (0)

/* Deterministic xorshift for fuzz loops. */
static inline unsigned plqs_unit_rand(unsigned *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

void test_frame(void);
void test_messages(void);
void test_misc(void);

#endif
