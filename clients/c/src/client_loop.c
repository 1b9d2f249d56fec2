/* The I/O thread: one QUIC connection at a time, JOIN, frames to callbacks, GO_AWAY and lost
 * connections to a reconnect with backoff, RECONNECT_ICE_SERVER to GET_ICE_CONFIG. */
#include <gnutls/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "frame.h"
#include "messages.h"

static const plqs_callbacks *cbs(plqs_client *c) { return &c->cfg.callbacks; }

static void queue_frame(plqs_client *c, const char *json) {
  uint8_t *frame;
  size_t len;
  if (json != NULL && plqs_frame_encode(json, strlen(json), &frame, &len) == PLQS_OK)
    plqs_quic_queue(&c->quic, frame, len);
}

static void on_stream_ready(void *ud) {
  plqs_client *c = ud;
  char *join = plqs_build_join(&c->cfg);
  queue_frame(c, join);
  free(join);
}

static void store_ice(plqs_client *c, const plqs_incoming *in) {
  pthread_mutex_lock(&c->lock);
  memcpy(c->ice, in->ice, sizeof(c->ice));
  c->ice_count = in->ice_count;
  pthread_mutex_unlock(&c->lock);
  if (cbs(c)->on_ice_config) cbs(c)->on_ice_config(cbs(c)->user_data, in->ice_count);
}

static void on_joined(plqs_client *c, const plqs_incoming *in) {
  c->joined = 1;
  plqs_backoff_reset(&c->backoff);
  pthread_mutex_lock(&c->lock);
  c->joins++;
  pthread_mutex_unlock(&c->lock);
  store_ice(c, in);
  plqs_set_state(c, PLQS_STATE_CONNECTED);
  pthread_mutex_lock(&c->lock);
  if (c->first_result == 0) c->first_result = 1;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
}

static void drop(plqs_client *c, const char *why) {
  pthread_mutex_lock(&c->lock);
  c->dropped++;
  pthread_mutex_unlock(&c->lock);
  if (cbs(c)->on_error) cbs(c)->on_error(cbs(c)->user_data, PLQS_ERR_PROTOCOL, why);
}

static void on_frame(void *ud, const char *json, size_t len) {
  plqs_client *c = ud;
  plqs_incoming in;
  if (plqs_parse_incoming(json, len, &in) != PLQS_OK) {
    drop(c, "malformed frame dropped");
    return;
  }
  if (in.kind == PLQS_IN_JOIN_ERROR && !c->joined) {
    char reason[256];
    snprintf(reason, sizeof(reason), "%u %s: %s", in.status_code, in.error_type, in.reason);
    plqs_set_error(c, PLQS_ERR_JOIN_REFUSED, reason, 0);
    /* A client error (bad token, unknown channel) is final; a busy or draining server is retried. */
    c->no_retry = in.status_code >= 400 && in.status_code < 500 && in.status_code != 429;
    c->fail_status = PLQS_ERR_JOIN_REFUSED;
  } else if (in.kind == PLQS_IN_JOINED && !c->joined) {
    on_joined(c, &in);
  } else if (!c->joined) {
    drop(c, "frame before JOINED dropped");
  } else if (in.kind == PLQS_IN_ICE_CONFIG) {
    store_ice(c, &in);
  } else if (in.kind == PLQS_IN_KVS) {
    if (in.msg.type == PLQS_MESSAGE_GO_AWAY) c->go_away = 1;
    if (in.msg.type == PLQS_MESSAGE_RECONNECT_ICE_SERVER) {
      uint8_t *frame;
      size_t flen;
      if (plqs_encode_get_ice_config(c, &frame, &flen) == PLQS_OK) plqs_quic_queue(&c->quic, frame, flen);
    }
    if (cbs(c)->on_message) cbs(c)->on_message(cbs(c)->user_data, &in.msg);
  } else {
    drop(c, "unexpected frame dropped");
  }
  plqs_incoming_clear(&in);
}

static void start_attempt(plqs_client *c, uint64_t now) {
  char err[256] = "";
  plqs_quic_events ev = {on_stream_ready, on_frame, c};
  c->reconnect_at = 0;
  c->joined = c->no_retry = c->go_away = 0;
  c->fail_status = PLQS_OK;
  plqs_set_state(c, PLQS_STATE_CONNECTING);
  int rc = plqs_quic_open(&c->quic, &c->cfg, ev, now, err, sizeof(err));
  c->quic_open = 1;
  c->attempt_deadline = now + (uint64_t)(c->cfg.connect_timeout_ms ? c->cfg.connect_timeout_ms : 10000) * 1000000u;
  if (rc != PLQS_OK) {
    c->quic.dead = 1;
    c->quic.silent = 1;
    c->fail_status = rc;
    snprintf(c->quic.reason, sizeof(c->quic.reason), "%s", err);
  } else {
    plqs_quic_write(&c->quic, now); /* the Initial: ngtcp2 has no timer until something is sent */
  }
  if (rc == PLQS_ERR_TLS || rc == PLQS_ERR_INVALID_ARG) c->no_retry = 1; /* retrying cannot help */
}

/* The connection is over: report, then either stop (first attempt, refusal, disconnect) or retry. */
static void end_attempt(plqs_client *c, int status, uint64_t now) {
  if (c->fail_status != PLQS_OK) status = c->fail_status;
  if (status == PLQS_OK && !c->go_away) status = PLQS_ERR_NETWORK;
  char reason[300];
  snprintf(reason, sizeof(reason), "%s",
           c->go_away ? "server sent GO_AWAY" : (c->quic.reason[0] ? c->quic.reason : "connection closed"));
  plqs_quic_close(&c->quic, 0, c->go_away ? "go away" : "client closing", now);
  plqs_quic_free(&c->quic);
  c->quic_open = 0;
  c->joined = 0;
  pthread_mutex_lock(&c->lock);
  int first = c->first_result == 0;
  pthread_mutex_unlock(&c->lock);
  if (status == PLQS_ERR_JOIN_REFUSED) { /* the server's reason is already recorded */
    if (!first && cbs(c)->on_error) cbs(c)->on_error(cbs(c)->user_data, status, c->last_error);
  } else {
    plqs_set_error(c, status, reason, !first);
  }
  plqs_set_state(c, PLQS_STATE_DISCONNECTED);
  pthread_mutex_lock(&c->lock);
  if (first) c->first_result = status < 0 ? status : PLQS_ERR_NETWORK;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
  if (first || c->no_retry || atomic_load(&c->stop)) {
    atomic_store(&c->stop, 1);
    return;
  }
  uint32_t r = 0;
  (void)gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r));
  c->reconnect_at = now + (uint64_t)plqs_backoff_next_ms(&c->backoff, r) * 1000000u;
}

static void flush_outbox(plqs_client *c) {
  plqs_outbox_item *items = plqs_outbox_take_all(&c->outbox);
  for (plqs_outbox_item *it = items; it != NULL; it = it->next) {
    plqs_quic_queue(&c->quic, it->frame, it->len);
    it->frame = NULL;
  }
  plqs_outbox_free_items(items);
}

static int poll_timeout_ms(plqs_client *c, uint64_t now) {
  uint64_t wake = UINT64_MAX;
  if (c->quic_open) {
    wake = plqs_quic_expiry(&c->quic);
    if (!c->joined && c->attempt_deadline < wake) wake = c->attempt_deadline;
    if (c->quic.dead) wake = now;
  } else if (c->reconnect_at != 0) {
    wake = c->reconnect_at;
  }
  if (wake == UINT64_MAX) return -1;
  if (wake <= now) return 0;
  uint64_t ms = (wake - now + 999999u) / 1000000u;
  return ms > 60000 ? 60000 : (int)ms;
}

static void step(plqs_client *c, short quic_events, uint64_t now) {
  int status = PLQS_OK;
  if (quic_events & (POLLIN | POLLERR)) status = plqs_quic_read(&c->quic, now);
  if (!c->quic.dead && plqs_quic_expiry(&c->quic) <= now) status = plqs_quic_handle_expiry(&c->quic, now);
  if (c->joined) flush_outbox(c);
  if (!c->quic.dead) plqs_quic_write(&c->quic, now);
  if (c->go_away || c->no_retry || c->fail_status == PLQS_ERR_JOIN_REFUSED) c->quic.dead = 1;
  if (!c->quic.dead && !c->joined && now >= c->attempt_deadline) {
    snprintf(c->quic.reason, sizeof(c->quic.reason), "no JOINED within the connect timeout");
    c->quic.dead = 1;
    status = PLQS_ERR_TIMEOUT;
  }
  if (c->quic.dead) end_attempt(c, status, now);
}

void *plqs_io_main(void *arg) {
  plqs_client *c = arg;
  start_attempt(c, plqs_now_ns());
  while (!atomic_load(&c->stop)) {
    uint64_t now = plqs_now_ns();
    struct pollfd fds[2] = {{c->outbox.eventfd, POLLIN, 0}, {c->quic_open ? c->quic.fd : -1, POLLIN, 0}};
    poll(fds, 2, poll_timeout_ms(c, now));
    now = plqs_now_ns();
    if (fds[0].revents & POLLIN) plqs_outbox_ack_wake(&c->outbox);
    if (atomic_load(&c->stop)) break;
    if (c->quic_open) step(c, fds[1].revents, now);
    else if (c->reconnect_at != 0 && now >= c->reconnect_at) start_attempt(c, now);
  }
  if (c->quic_open) {
    plqs_quic_write(&c->quic, plqs_now_ns()); /* what the app queued last */
    plqs_quic_close(&c->quic, 0, "client disconnect", plqs_now_ns());
    plqs_quic_free(&c->quic);
    c->quic_open = 0;
  }
  plqs_set_state(c, PLQS_STATE_DISCONNECTED);
  return NULL;
}
