#include <stdio.h>

#include "unit.h"

int plqs_unit_failures = 0;

int main(void) {
  struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {{"frame", test_frame}, {"messages", test_messages}, {"misc", test_misc}};
  for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
    int before = plqs_unit_failures;
    tests[i].fn();
    printf("%s %s\n", plqs_unit_failures == before ? "ok  " : "FAIL", tests[i].name);
  }
  return plqs_unit_failures == 0 ? 0 : 1;
}
