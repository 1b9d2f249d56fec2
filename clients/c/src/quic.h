/* One QUIC connection to the server carrying one bidirectional stream of frames: the ngtcp2
 * adapter. It owns the UDP socket; the caller owns the loop and the clock (poll on plqs_quic_fd,
 * call plqs_quic_read / plqs_quic_handle_expiry / plqs_quic_write with the monotonic time). */
#ifndef PLQS_QUIC_H
#define PLQS_QUIC_H

#include <ngtcp2/ngtcp2.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frame.h"
#include "peerlink/quic_signaling.h"
#include "tls.h"

typedef struct plqs_quic_events {
  /* The stream is open (after HANDSHAKE_DONE): time to queue JOIN. */
  void (*on_stream_ready)(void *user_data);
  /* One complete frame, NUL-terminated. */
  void (*on_frame)(void *user_data, const char *json, size_t len);
  void *user_data;
} plqs_quic_events;

typedef struct plqs_chunk {
  struct plqs_chunk *next;
  uint64_t end;  /* stream offset just past this chunk */
  size_t len;
  size_t sent;
  uint8_t *data; /* owned; ngtcp2 keeps pointers into it until the bytes are acknowledged */
} plqs_chunk;

typedef struct plqs_quic {
  int fd;
  struct sockaddr_storage local, remote;
  socklen_t local_len, remote_len;
  ngtcp2_conn *conn;
  plqs_tls tls;
  plqs_quic_events events;
  int64_t stream_id;   /* -1 until opened */
  int want_stream;     /* handshake confirmed, waiting for stream credit */
  plqs_chunk *head, *tail, *cursor; /* unacknowledged chunks; cursor = first with unsent bytes */
  uint64_t queued_end;
  plqs_frame_decoder decoder;
  ngtcp2_connection_close_error close_error; /* what we send when we close */
  int dead;            /* closing, draining, or failed: stop using it */
  int silent;          /* idle or handshake timeout: close without a CONNECTION_CLOSE */
  char reason[256];    /* why it died (ours or the peer's CONNECTION_CLOSE reason) */
} plqs_quic;

/* Resolves, opens the socket and starts the handshake. */
int plqs_quic_open(plqs_quic *q, const plqs_config *config, plqs_quic_events events, uint64_t now,
                   char *err, size_t err_len);
int plqs_quic_fd(const plqs_quic *q);
int plqs_quic_read(plqs_quic *q, uint64_t now);
int plqs_quic_write(plqs_quic *q, uint64_t now);
int plqs_quic_handle_expiry(plqs_quic *q, uint64_t now);
uint64_t plqs_quic_expiry(plqs_quic *q);
/* Appends an encoded frame (takes ownership of data, malloc'd). Needs an open stream. */
int plqs_quic_queue(plqs_quic *q, uint8_t *data, size_t len);
/* Sends CONNECTION_CLOSE with an application error code and reason, once. */
void plqs_quic_close(plqs_quic *q, uint64_t app_error, const char *reason, uint64_t now);
void plqs_quic_free(plqs_quic *q);

#endif
