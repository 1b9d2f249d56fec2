#include "quic.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ngtcp2/ngtcp2_crypto.h>


static void set_reason(plqs_quic *q, const char *fmt, const char *detail) {
  if (q->reason[0] == 0) snprintf(q->reason, sizeof(q->reason), fmt, detail);
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref) { return ((plqs_quic *)ref->user_data)->conn; }

static void rand_cb(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx) {
  (void)ctx;
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *ud) {
  (void)conn;
  (void)ud;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0 ||
      gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  cid->datalen = cidlen;
  return 0;
}

static void open_stream(plqs_quic *q) {
  if (q->stream_id >= 0 || !q->want_stream) return;
  if (ngtcp2_conn_open_bidi_stream(q->conn, &q->stream_id, NULL) != 0) {
    q->stream_id = -1; /* no credit yet: extend_max_local_streams_bidi calls again */
    return;
  }
  q->events.on_stream_ready(q->events.user_data);
}

static int handshake_completed_cb(ngtcp2_conn *conn, void *ud) {
  plqs_quic *q = ud;
  (void)conn;
  if (plqs_tls_check_alpn(&q->tls) != PLQS_OK) {
    set_reason(q, "%s", "the server did not select ALPN " PLQS_ALPN);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

/* The contract: the stream is opened only once HANDSHAKE_DONE has arrived. */
static int handshake_confirmed_cb(ngtcp2_conn *conn, void *ud) {
  plqs_quic *q = ud;
  (void)conn;
  q->want_stream = 1;
  open_stream(q);
  return 0;
}

static int extend_bidi_cb(ngtcp2_conn *conn, uint64_t max_streams, void *ud) {
  (void)conn;
  (void)max_streams;
  open_stream(ud);
  return 0;
}

static int recv_stream_data_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t offset,
                               const uint8_t *data, size_t len, void *ud, void *stream_ud) {
  plqs_quic *q = ud;
  (void)offset;
  (void)stream_ud;
  if (stream_id != q->stream_id) return 0;
  for (size_t pos = 0; pos < len;) {
    size_t used = 0;
    const char *frame = NULL;
    size_t frame_len = 0;
    int rc = plqs_frame_decoder_feed(&q->decoder, data + pos, len - pos, &used, &frame, &frame_len);
    pos += used;
    if (rc < 0) {
      set_reason(q, "%s", rc == PLQS_ERR_TOO_LARGE ? "frame over 65536 bytes" : "empty frame");
      ngtcp2_connection_close_error_set_application_error(&q->close_error, 1, (const uint8_t *)q->reason,
                                                          strlen(q->reason));
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    if (rc == 1) q->events.on_frame(q->events.user_data, frame, frame_len);
  }
  if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) set_reason(q, "%s", "the server ended the stream");
  ngtcp2_conn_extend_max_stream_offset(conn, stream_id, len);
  ngtcp2_conn_extend_max_offset(conn, len);
  return 0;
}

static int acked_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset, uint64_t len, void *ud, void *sud) {
  plqs_quic *q = ud;
  (void)conn;
  (void)stream_id;
  (void)sud;
  uint64_t acked = offset + len;
  while (q->head != NULL && q->head->end <= acked && q->head != q->cursor) {
    plqs_chunk *c = q->head;
    q->head = c->next;
    if (q->tail == c) q->tail = NULL;
    free(c->data);
    free(c);
  }
  return 0;
}

static int stream_close_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t code, void *ud,
                           void *sud) {
  plqs_quic *q = ud;
  (void)conn;
  (void)flags;
  (void)code;
  (void)sud;
  if (stream_id == q->stream_id) {
    set_reason(q, "%s", "the server closed the stream");
    q->dead = 1;
  }
  return 0;
}

static int open_socket(plqs_quic *q, const plqs_config *c, char *err, size_t err_len) {
  char port[8];
  struct addrinfo hints = {0}, *res = NULL;
  snprintf(port, sizeof(port), "%u", c->server_port ? c->server_port : 4433u);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  int rv = getaddrinfo(c->server_host, port, &hints, &res);
  if (rv != 0) {
    snprintf(err, err_len, "cannot resolve %s: %s", c->server_host, gai_strerror(rv));
    return PLQS_ERR_NETWORK;
  }
  q->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (q->fd < 0 || connect(q->fd, res->ai_addr, res->ai_addrlen) != 0) {
    snprintf(err, err_len, "udp socket to %s:%s: %s", c->server_host, port, strerror(errno));
    freeaddrinfo(res);
    return PLQS_ERR_NETWORK;
  }
  memcpy(&q->remote, res->ai_addr, res->ai_addrlen);
  q->remote_len = res->ai_addrlen;
  freeaddrinfo(res);
  q->local_len = sizeof(q->local);
  getsockname(q->fd, (struct sockaddr *)&q->local, &q->local_len);
  return PLQS_OK;
}

int plqs_quic_open(plqs_quic *q, const plqs_config *c, plqs_quic_events events, uint64_t now, char *err,
                   size_t err_len) {
  memset(q, 0, sizeof(*q));
  q->fd = -1;
  q->stream_id = -1;
  q->events = events;
  plqs_frame_decoder_init(&q->decoder);
  ngtcp2_connection_close_error_default(&q->close_error);
  int rc = open_socket(q, c, err, err_len);
  if (rc == PLQS_OK) rc = plqs_tls_init(&q->tls, c, c->server_name ? c->server_name : c->server_host, err, err_len);
  if (rc != PLQS_OK) return rc;
  q->tls.conn_ref.get_conn = get_conn;
  q->tls.conn_ref.user_data = q;

  ngtcp2_callbacks cb = {
      .client_initial = ngtcp2_crypto_client_initial_cb,
      .recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
      .handshake_completed = handshake_completed_cb,
      .encrypt = ngtcp2_crypto_encrypt_cb,
      .decrypt = ngtcp2_crypto_decrypt_cb,
      .hp_mask = ngtcp2_crypto_hp_mask_cb,
      .recv_stream_data = recv_stream_data_cb,
      .acked_stream_data_offset = acked_cb,
      .stream_close = stream_close_cb,
      .recv_retry = ngtcp2_crypto_recv_retry_cb,
      .extend_max_local_streams_bidi = extend_bidi_cb,
      .rand = rand_cb,
      .get_new_connection_id = new_cid_cb,
      .update_key = ngtcp2_crypto_update_key_cb,
      .handshake_confirmed = handshake_confirmed_cb,
      .delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
      .delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
      .get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
      .version_negotiation = ngtcp2_crypto_version_negotiation_cb,
  };
  ngtcp2_cid dcid, scid;
  dcid.datalen = NGTCP2_MIN_INITIAL_DCIDLEN;
  scid.datalen = 8;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen) != 0 ||
      gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen) != 0) {
    snprintf(err, err_len, "no randomness");
    return PLQS_ERR_TLS;
  }
  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now;
  settings.handshake_timeout = (uint64_t)(c->connect_timeout_ms ? c->connect_timeout_ms : 10000) * NGTCP2_MILLISECONDS;
  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_streams_bidi = 0; /* the server opens no streams (docs/quic-signaling.md) */
  params.initial_max_streams_uni = 0;
  params.initial_max_stream_data_bidi_local = 256 * 1024;
  params.initial_max_data = 1024 * 1024;
  params.max_idle_timeout = 60 * NGTCP2_SECONDS;
  ngtcp2_path path = {{(struct sockaddr *)&q->local, q->local_len}, {(struct sockaddr *)&q->remote, q->remote_len}, NULL};
  rc = ngtcp2_conn_client_new(&q->conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &settings, &params, NULL, q);
  if (rc != 0) {
    snprintf(err, err_len, "ngtcp2_conn_client_new: %s", ngtcp2_strerror(rc));
    return PLQS_ERR_NETWORK;
  }
  ngtcp2_conn_set_tls_native_handle(q->conn, q->tls.session);
  ngtcp2_conn_set_keep_alive_timeout(q->conn, (uint64_t)(c->keepalive_ms ? c->keepalive_ms : 15000) * NGTCP2_MILLISECONDS);
  return PLQS_OK;
}

int plqs_quic_fd(const plqs_quic *q) { return q->fd; }
