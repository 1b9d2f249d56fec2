/* What the two example programs share: command-line options, JSON-lines event output on stdout
 * (one object per line, for people and for tests), and a wait for "done" with a deadline. */
#ifndef PLQS_EXAMPLE_COMMON_H
#define PLQS_EXAMPLE_COMMON_H

#include <pthread.h>

#include "peerlink/quic_signaling.h"

typedef struct example {
  plqs_config config;
  int timeout_s;    /* give up after this long: exit 1 */
  int exchanges;    /* complete offer/answer/candidate exchanges before exit 0 */
  plqs_client *client;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int done;         /* 1 success, -1 failure */
  int completed;    /* exchanges completed */
} example;

/* Parses argv into ex->config (role given); prints usage and returns -1 on a bad command line. */
int example_parse_args(example *ex, int argc, char **argv, plqs_role role);
/* Prints {"event": name, key: value, ...} with string values; NULL key ends the list. */
void example_event(const char *name, ...);
void example_print_ice(plqs_client *c, const char *event);
/* Sends one KVS frame, printing an event; returns the plqs_status. */
int example_send(example *ex, plqs_message_type type, const char *recipient, const char *payload);
void example_finish(example *ex, int result);
/* Creates, connects, runs until done or the timeout, disconnects. Returns the exit code. */
int example_run(example *ex, void (*after_connect)(example *ex));

/* Shared callbacks (user_data = example). */
void example_on_state(void *user_data, plqs_state state);
void example_on_ice_config(void *user_data, uint32_t count);
void example_on_error(void *user_data, plqs_status status, const char *reason);

#endif
