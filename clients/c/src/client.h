/* The client object shared by the public API (client.c) and its I/O thread (client_loop.c). */
#ifndef PLQS_CLIENT_H
#define PLQS_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>

#include "backoff.h"
#include "outbox.h"
#include "peerlink/quic_signaling.h"
#include "quic.h"

#define PLQS_CONFIG_STRINGS 10

struct plqs_client {
  plqs_config cfg;                       /* strings point into owned[] */
  char *owned[PLQS_CONFIG_STRINGS];
  plqs_outbox outbox;

  pthread_mutex_t lock;                  /* guards the fields down to thread_started */
  pthread_cond_t cond;
  plqs_state state;
  plqs_ice_config_info ice[PLQS_MAX_ICE_CONFIG_COUNT];
  uint32_t ice_count;
  char last_error[256];
  uint64_t dropped;
  uint32_t joins;
  int first_result;                      /* plqs_connect's answer: 0 pending, 1 joined, < 0 error */
  pthread_t thread;
  int thread_started;

  atomic_int stop;                       /* ask the I/O thread to close and exit */
  atomic_uint_fast64_t ice_requests;     /* GET_ICE_CONFIG correlation ids */

  /* I/O thread only. */
  plqs_quic quic;
  int quic_open;
  int joined;
  int no_retry;                          /* a refused join or a bad local TLS set-up */
  int fail_status;                       /* why this attempt failed, when known before it ends */
  int go_away;
  uint64_t attempt_deadline;             /* monotonic ns */
  uint64_t reconnect_at;                 /* monotonic ns, 0: none */
  plqs_backoff backoff;
};

uint64_t plqs_now_ns(void);
void *plqs_io_main(void *client);
/* Locks, sets the state, unlocks, then calls on_state (when it changed). */
void plqs_set_state(plqs_client *c, plqs_state state);
/* Locks and records the reason; calls on_error when status < 0 and report is set. */
void plqs_set_error(plqs_client *c, int status, const char *reason, int report);
/* Builds GET_ICE_CONFIG with a fresh correlation id, encoded as a frame. */
int plqs_encode_get_ice_config(plqs_client *c, uint8_t **frame, size_t *len);

#endif
