/* The public API: configuration, the blocking connect, thread-safe send, the getters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "frame.h"
#include "messages.h"

uint64_t plqs_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int own(plqs_client *c, int slot, const char **field) {
  if (*field == NULL) return PLQS_OK;
  if (strlen(*field) > 8192) return PLQS_ERR_INVALID_ARG;
  c->owned[slot] = strdup(*field);
  if (c->owned[slot] == NULL) return PLQS_ERR_NOMEM;
  *field = c->owned[slot];
  return PLQS_OK;
}

static int valid_config(const plqs_config *k) {
  if (k->server_host == NULL || k->server_host[0] == 0) return 0;
  if ((k->channel_name == NULL) == (k->channel_arn == NULL)) return 0;
  if (k->role != PLQS_ROLE_MASTER && k->role != PLQS_ROLE_VIEWER) return 0;
  if (k->role == PLQS_ROLE_VIEWER && (k->client_id == NULL || k->client_id[0] == 0)) return 0;
  if (k->client_id != NULL && strlen(k->client_id) > PLQS_MAX_ID_LEN) return 0;
  return (k->token == NULL) != (k->presigned_url == NULL);
}

int plqs_create(const plqs_config *config, plqs_client **out) {
  if (config == NULL || out == NULL || !valid_config(config)) return PLQS_ERR_INVALID_ARG;
  plqs_client *c = calloc(1, sizeof(*c));
  if (c == NULL) return PLQS_ERR_NOMEM;
  c->cfg = *config;
  const char **fields[] = {&c->cfg.server_host, &c->cfg.server_name, &c->cfg.channel_name, &c->cfg.channel_arn,
                           &c->cfg.client_id,   &c->cfg.token,       &c->cfg.presigned_url, &c->cfg.ca_file,
                           &c->cfg.pinned_sha256};
  int rc = PLQS_OK;
  for (int i = 0; i < (int)(sizeof(fields) / sizeof(fields[0])) && rc == PLQS_OK; i++) rc = own(c, i, fields[i]);
  if (rc == PLQS_OK) rc = plqs_outbox_init(&c->outbox);
  if (rc != PLQS_OK) {
    for (int i = 0; i < PLQS_CONFIG_STRINGS; i++) free(c->owned[i]);
    free(c);
    return rc;
  }
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL);
  c->quic.fd = -1;
  c->state = PLQS_STATE_READY;
  *out = c;
  return PLQS_OK;
}

void plqs_set_state(plqs_client *c, plqs_state state) {
  pthread_mutex_lock(&c->lock);
  int changed = c->state != state;
  c->state = state;
  pthread_mutex_unlock(&c->lock);
  if (changed && c->cfg.callbacks.on_state) c->cfg.callbacks.on_state(c->cfg.callbacks.user_data, state);
}

void plqs_set_error(plqs_client *c, int status, const char *reason, int report) {
  pthread_mutex_lock(&c->lock);
  snprintf(c->last_error, sizeof(c->last_error), "%s", reason);
  pthread_mutex_unlock(&c->lock);
  if (report && status < 0 && c->cfg.callbacks.on_error)
    c->cfg.callbacks.on_error(c->cfg.callbacks.user_data, (plqs_status)status, reason);
}

static void join_thread(plqs_client *c) {
  pthread_mutex_lock(&c->lock);
  int started = c->thread_started;
  c->thread_started = 0;
  pthread_mutex_unlock(&c->lock);
  if (started) pthread_join(c->thread, NULL);
}

int plqs_connect(plqs_client *c) {
  if (c == NULL) return PLQS_ERR_INVALID_ARG;
  pthread_mutex_lock(&c->lock);
  int busy = c->state == PLQS_STATE_CONNECTING || c->state == PLQS_STATE_CONNECTED;
  pthread_mutex_unlock(&c->lock);
  if (busy) return PLQS_ERR_STATE;
  join_thread(c); /* a thread that ended on its own (refused join) */
  plqs_outbox_free_items(plqs_outbox_take_all(&c->outbox));
  atomic_store(&c->stop, 0);
  plqs_backoff_reset(&c->backoff);
  pthread_mutex_lock(&c->lock);
  c->first_result = 0;
  c->joins = 0;
  c->last_error[0] = 0;
  int rc = pthread_create(&c->thread, NULL, plqs_io_main, c);
  c->thread_started = rc == 0;
  while (rc == 0 && c->first_result == 0) pthread_cond_wait(&c->cond, &c->lock);
  int result = rc != 0 ? PLQS_ERR_NOMEM : c->first_result;
  pthread_mutex_unlock(&c->lock);
  if (result != 1) join_thread(c);
  return result == 1 ? PLQS_OK : result;
}

static int push_json(plqs_client *c, const char *json, size_t len) {
  if (plqs_get_state(c) != PLQS_STATE_CONNECTED) return PLQS_ERR_STATE;
  uint8_t *frame;
  size_t frame_len;
  int rc = plqs_frame_encode(json, len, &frame, &frame_len);
  return rc == PLQS_OK ? plqs_outbox_push(&c->outbox, frame, frame_len) : rc;
}

int plqs_send(plqs_client *c, const plqs_message *m) {
  if (c == NULL) return PLQS_ERR_INVALID_ARG;
  char *json = NULL;
  int rc = plqs_build_message(m, c->cfg.role, &json);
  if (rc == PLQS_OK) rc = push_json(c, json, strlen(json));
  free(json);
  return rc;
}

int plqs_send_json(plqs_client *c, const char *json, size_t len) {
  if (c == NULL || json == NULL) return PLQS_ERR_INVALID_ARG;
  int rc = plqs_check_outgoing_json(json, len);
  return rc == PLQS_OK ? push_json(c, json, len) : rc;
}

int plqs_encode_get_ice_config(plqs_client *c, uint8_t **frame, size_t *len) {
  char id[32];
  snprintf(id, sizeof(id), "ice-%llu", (unsigned long long)atomic_fetch_add(&c->ice_requests, 1) + 1);
  char *json = plqs_build_get_ice_config(id);
  if (json == NULL) return PLQS_ERR_NOMEM;
  int rc = plqs_frame_encode(json, strlen(json), frame, len);
  free(json);
  return rc;
}

int plqs_refresh_ice_config(plqs_client *c) {
  if (c == NULL) return PLQS_ERR_INVALID_ARG;
  if (plqs_get_state(c) != PLQS_STATE_CONNECTED) return PLQS_ERR_STATE;
  uint8_t *frame;
  size_t len;
  int rc = plqs_encode_get_ice_config(c, &frame, &len);
  return rc == PLQS_OK ? plqs_outbox_push(&c->outbox, frame, len) : rc;
}

int plqs_get_ice_config_count(plqs_client *c, uint32_t *count) {
  if (c == NULL || count == NULL) return PLQS_ERR_INVALID_ARG;
  pthread_mutex_lock(&c->lock);
  *count = c->ice_count;
  pthread_mutex_unlock(&c->lock);
  return PLQS_OK;
}

int plqs_get_ice_config_info(plqs_client *c, uint32_t index, plqs_ice_config_info *out) {
  if (c == NULL || out == NULL) return PLQS_ERR_INVALID_ARG;
  pthread_mutex_lock(&c->lock);
  int found = index < c->ice_count;
  if (found) *out = c->ice[index];
  pthread_mutex_unlock(&c->lock);
  return found ? PLQS_OK : PLQS_ERR_NOT_FOUND;
}

plqs_state plqs_get_state(plqs_client *c) {
  pthread_mutex_lock(&c->lock);
  plqs_state s = c->state;
  pthread_mutex_unlock(&c->lock);
  return s;
}

void plqs_get_last_error(plqs_client *c, char *buf, size_t len) {
  if (c == NULL || buf == NULL || len == 0) return;
  pthread_mutex_lock(&c->lock);
  snprintf(buf, len, "%s", c->last_error);
  pthread_mutex_unlock(&c->lock);
}

uint64_t plqs_get_dropped_frames(plqs_client *c) {
  pthread_mutex_lock(&c->lock);
  uint64_t n = c->dropped;
  pthread_mutex_unlock(&c->lock);
  return n;
}

uint32_t plqs_get_join_count(plqs_client *c) {
  pthread_mutex_lock(&c->lock);
  uint32_t n = c->joins;
  pthread_mutex_unlock(&c->lock);
  return n;
}

int plqs_disconnect(plqs_client *c) {
  if (c == NULL) return PLQS_ERR_INVALID_ARG;
  atomic_store(&c->stop, 1);
  plqs_outbox_wake(&c->outbox);
  pthread_mutex_lock(&c->lock);
  int self = c->thread_started && pthread_equal(pthread_self(), c->thread);
  pthread_mutex_unlock(&c->lock);
  if (!self) join_thread(c);
  return PLQS_OK;
}

void plqs_free(plqs_client *c) {
  if (c == NULL) return;
  plqs_disconnect(c);
  plqs_outbox_destroy(&c->outbox);
  pthread_cond_destroy(&c->cond);
  pthread_mutex_destroy(&c->lock);
  for (int i = 0; i < PLQS_CONFIG_STRINGS; i++) free(c->owned[i]);
  free(c);
}

const char *plqs_strerror(int status) {
  static const char *const names[] = {"ok", "invalid argument", "out of memory", "not allowed in this state",
                                      "TLS failure", "network failure", "timeout", "join refused",
                                      "protocol violation", "frame too large", "not found"};
  return status <= 0 && -status < (int)(sizeof(names) / sizeof(names[0])) ? names[-status] : "unknown status";
}
