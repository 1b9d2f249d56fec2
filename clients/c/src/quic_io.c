/* The packet side of plqs_quic: datagrams in, datagrams out, timers, close. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gnutls/gnutls.h>

#include "quic.h"

#define PLQS_MAX_UDP_PAYLOAD 1452

static void die(plqs_quic *q, int liberr, const char *what) {
  if (q->reason[0] == 0) snprintf(q->reason, sizeof(q->reason), "%s: %s", what, ngtcp2_strerror(liberr));
  if (q->close_error.error_code == 0 && q->close_error.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT) {
    if (liberr == NGTCP2_ERR_CRYPTO)
      ngtcp2_connection_close_error_set_transport_error_tls_alert(&q->close_error, ngtcp2_conn_get_tls_alert(q->conn),
                                                                  NULL, 0);
    else
      ngtcp2_connection_close_error_set_transport_error_liberr(&q->close_error, liberr, NULL, 0);
  }
  q->dead = 1;
}

/* The peer's CONNECTION_CLOSE: keep its reason phrase (JOIN_ERROR's reason, "server draining", ...). */
static void peer_closed(plqs_quic *q) {
  ngtcp2_connection_close_error cc;
  ngtcp2_conn_get_connection_close_error(q->conn, &cc);
  if (q->reason[0] == 0) {
    int n = (int)(cc.reasonlen < 200 ? cc.reasonlen : 200);
    snprintf(q->reason, sizeof(q->reason), "server closed the connection (code %llu): %.*s",
             (unsigned long long)cc.error_code, n, cc.reason ? (const char *)cc.reason : "");
  }
  q->dead = 1;
}

/* A failed handshake: say which check refused the server, not just "ERR_CRYPTO". */
static void tls_reason(plqs_quic *q, int liberr) {
  unsigned status = gnutls_session_get_verify_cert_status(q->tls.session);
  gnutls_datum_t text = {NULL, 0};
  if (liberr != NGTCP2_ERR_CRYPTO || q->reason[0] != 0) return;
  if (q->tls.pin_mismatch) {
    snprintf(q->reason, sizeof(q->reason), "server certificate does not match the pinned SHA-256");
  } else if (status != 0 &&
             gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
    snprintf(q->reason, sizeof(q->reason), "server certificate refused: %s", (const char *)text.data);
    gnutls_free(text.data);
  } else {
    snprintf(q->reason, sizeof(q->reason), "TLS handshake failed (alert %u)", ngtcp2_conn_get_tls_alert(q->conn));
  }
}

int plqs_quic_read(plqs_quic *q, uint64_t now) {
  uint8_t buf[65536];
  for (int i = 0; i < 64 && !q->dead; i++) {
    ssize_t n = recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return PLQS_OK;
      /* ICMP port unreachable. Before the handshake it means nothing listens: fail the attempt now
       * rather than at the handshake timeout. After it, QUIC's own timers decide (it may be transient). */
      if (errno == ECONNREFUSED && ngtcp2_conn_get_handshake_completed(q->conn)) return PLQS_OK;
      if (errno == ECONNREFUSED) {
        snprintf(q->reason, sizeof(q->reason), "connection refused: nothing listens on that UDP port");
        q->dead = 1;
        q->silent = 1;
        return PLQS_ERR_NETWORK;
      }
      snprintf(q->reason, sizeof(q->reason), "recv: %s", strerror(errno));
      q->dead = 1;
      return PLQS_ERR_NETWORK;
    }
    ngtcp2_path path = {{(struct sockaddr *)&q->local, q->local_len}, {(struct sockaddr *)&q->remote, q->remote_len}, NULL};
    ngtcp2_pkt_info pi = {0};
    int rv = ngtcp2_conn_read_pkt(q->conn, &path, &pi, buf, (size_t)n, now);
    if (rv == NGTCP2_ERR_DRAINING || rv == NGTCP2_ERR_CLOSING) {
      peer_closed(q);
    } else if (rv == NGTCP2_ERR_DROP_CONN) {
      q->dead = 1;
      if (q->reason[0] == 0) snprintf(q->reason, sizeof(q->reason), "connection dropped");
    } else if (rv != 0) {
      tls_reason(q, rv);
      die(q, rv, "read");
      return rv == NGTCP2_ERR_CRYPTO ? PLQS_ERR_TLS : PLQS_ERR_NETWORK;
    }
  }
  return PLQS_OK;
}

static void advance(plqs_quic *q, size_t n) {
  while (n > 0 && q->cursor != NULL) {
    size_t left = q->cursor->len - q->cursor->sent, take = n < left ? n : left;
    q->cursor->sent += take;
    n -= take;
    if (q->cursor->sent == q->cursor->len) q->cursor = q->cursor->next;
  }
}

static void send_datagram(plqs_quic *q, const uint8_t *data, size_t len) {
  /* A full socket buffer or a transient error loses the datagram; QUIC's loss recovery resends. */
  ssize_t n;
  do n = send(q->fd, data, len, 0);
  while (n < 0 && errno == EINTR);
}

int plqs_quic_write(plqs_quic *q, uint64_t now) {
  uint8_t buf[PLQS_MAX_UDP_PAYLOAD];
  int blocked = 0;
  if (q->dead || ngtcp2_conn_is_in_closing_period(q->conn) || ngtcp2_conn_is_in_draining_period(q->conn)) return PLQS_OK;
  for (;;) {
    ngtcp2_vec v = {NULL, 0};
    size_t vcnt = 0;
    int64_t sid = -1;
    if (!blocked && q->stream_id >= 0 && q->cursor != NULL) {
      v.base = q->cursor->data + q->cursor->sent;
      v.len = q->cursor->len - q->cursor->sent;
      vcnt = 1;
      sid = q->stream_id;
    }
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi;
    ngtcp2_ssize written = -1;
    ngtcp2_ssize n = ngtcp2_conn_writev_stream(q->conn, &ps.path, &pi, buf, sizeof(buf), &written,
                                               NGTCP2_WRITE_STREAM_FLAG_MORE, sid, &v, vcnt, now);
    if (n == NGTCP2_ERR_WRITE_MORE) {
      advance(q, (size_t)written);
      continue;
    }
    if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED || n == NGTCP2_ERR_STREAM_SHUT_WR) {
      blocked = 1;
      continue;
    }
    if (n < 0) {
      die(q, (int)n, "write");
      return PLQS_ERR_NETWORK;
    }
    if (written > 0) advance(q, (size_t)written);
    if (n == 0) return PLQS_OK;
    send_datagram(q, buf, (size_t)n);
  }
}

int plqs_quic_handle_expiry(plqs_quic *q, uint64_t now) {
  if (q->dead) return PLQS_OK;
  int rv = ngtcp2_conn_handle_expiry(q->conn, now);
  if (rv == NGTCP2_ERR_IDLE_CLOSE || rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
    snprintf(q->reason, sizeof(q->reason), "%s",
             rv == NGTCP2_ERR_IDLE_CLOSE ? "idle timeout: no answer from the server" : "handshake timeout");
    q->dead = 1;
    q->silent = 1;
    return PLQS_ERR_TIMEOUT;
  }
  if (rv != 0) {
    die(q, rv, "timer");
    return PLQS_ERR_NETWORK;
  }
  return PLQS_OK;
}

uint64_t plqs_quic_expiry(plqs_quic *q) { return q->dead ? UINT64_MAX : ngtcp2_conn_get_expiry(q->conn); }

int plqs_quic_queue(plqs_quic *q, uint8_t *data, size_t len) {
  plqs_chunk *c = calloc(1, sizeof(*c));
  if (c == NULL) {
    free(data);
    return PLQS_ERR_NOMEM;
  }
  c->data = data;
  c->len = len;
  q->queued_end += len;
  c->end = q->queued_end;
  if (q->tail != NULL) q->tail->next = c;
  else q->head = c;
  q->tail = c;
  if (q->cursor == NULL) q->cursor = c;
  return PLQS_OK;
}

void plqs_quic_close(plqs_quic *q, uint64_t app_error, const char *reason, uint64_t now) {
  if (q->conn == NULL || q->fd < 0 || q->silent || ngtcp2_conn_is_in_closing_period(q->conn) ||
      ngtcp2_conn_is_in_draining_period(q->conn))
    return;
  uint8_t buf[PLQS_MAX_UDP_PAYLOAD];
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi;
  if (!q->dead || q->close_error.error_code == 0)
    ngtcp2_connection_close_error_set_application_error(&q->close_error, app_error, (const uint8_t *)reason,
                                                        strlen(reason));
  ngtcp2_ssize n = ngtcp2_conn_write_connection_close(q->conn, &ps.path, &pi, buf, sizeof(buf), &q->close_error, now);
  if (n > 0) send_datagram(q, buf, (size_t)n);
  q->dead = 1;
}

void plqs_quic_free(plqs_quic *q) {
  while (q->head != NULL) {
    plqs_chunk *c = q->head;
    q->head = c->next;
    free(c->data);
    free(c);
  }
  if (q->conn != NULL) ngtcp2_conn_del(q->conn);
  plqs_tls_free(&q->tls);
  plqs_frame_decoder_free(&q->decoder);
  if (q->fd >= 0) close(q->fd);
  memset(q, 0, sizeof(*q));
  q->fd = -1;
}
