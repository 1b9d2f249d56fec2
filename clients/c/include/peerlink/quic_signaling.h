/*
 * peerlink QUIC signaling client: KVS WebRTC signaling frames over one QUIC stream.
 *
 * The wire contract is docs/quic-signaling.md (ALPN "peerlink-signal/1", one client-opened
 * bidirectional stream after HANDSHAKE_DONE, 4-byte big-endian length-prefixed JSON frames, JOIN,
 * then the KVS WebSocket frames). The API follows the KVS WebRTC C SDK's signaling client so that
 * it can stand in for its libwebsockets transport (docs/kvs-c-sdk-quic.md):
 *
 *   plqs_config cfg = {0};
 *   cfg.server_host = "signal.example.com"; cfg.server_port = 4433;
 *   cfg.channel_name = "front-door"; cfg.role = PLQS_ROLE_MASTER;
 *   cfg.token = token;                       // `peerlink token --channel front-door --role master`
 *   cfg.callbacks.on_message = on_message;   // SDP_OFFER, ICE_CANDIDATE, STATUS_RESPONSE, ...
 *   plqs_client *c;
 *   if (plqs_create(&cfg, &c) == PLQS_OK && plqs_connect(c) == PLQS_OK) {
 *     uint32_t n; plqs_get_ice_config_count(c, &n);   // like signalingClientGetIceConfigInfoCount
 *     ...
 *   }
 *
 * Thread model: plqs_connect starts one I/O thread per client; only that thread touches ngtcp2,
 * gnutls and the socket. plqs_send, plqs_send_json, plqs_refresh_ice_config and the getters may be
 * called from any thread: frames go through a locked queue and wake the I/O thread through an
 * eventfd. Every callback runs on the I/O thread: keep them short, and do not call plqs_disconnect
 * or plqs_free from inside one (plqs_disconnect from a callback only asks the thread to stop).
 *
 * Reconnection: after the first successful join, a GO_AWAY frame or a lost connection makes the
 * client reconnect and join again, waiting 100 ms doubling to 10 s with jitter between attempts
 * (as the C SDK does); RECONNECT_ICE_SERVER makes it fetch fresh ICE servers (GET_ICE_CONFIG). A
 * JOIN_ERROR (bad token, unknown channel) is never retried: the state becomes DISCONNECTED and
 * plqs_get_last_error gives the server's reason.
 *
 * Security: the server certificate is verified by default, against the system trust store or
 * `ca_file`, with the host name checked; `pinned_sha256` instead accepts exactly one certificate
 * (the development certificate) by the SHA-256 of its DER encoding.
 */
#ifndef PEERLINK_QUIC_SIGNALING_H
#define PEERLINK_QUIC_SIGNALING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the C SDK's IceConfigInfo (MAX_ICE_CONFIG_COUNT, MAX_ICE_CONFIG_URI_COUNT, ...). */
#define PLQS_MAX_ICE_CONFIG_COUNT 5
#define PLQS_MAX_ICE_CONFIG_URI_COUNT 4
#define PLQS_MAX_ICE_CONFIG_URI_LEN 256
#define PLQS_MAX_ICE_CONFIG_USER_NAME_LEN 256
#define PLQS_MAX_ICE_CONFIG_CREDENTIAL_LEN 256
#define PLQS_MAX_ID_LEN 256
/* The largest frame either side may send (docs/quic-signaling.md, Framing). */
#define PLQS_MAX_FRAME_LEN 65536

/* Return codes. Stable: applications may switch on them. */
typedef enum plqs_status {
  PLQS_OK = 0,
  PLQS_ERR_INVALID_ARG = -1,   /* a NULL, empty or too long argument or config field */
  PLQS_ERR_NOMEM = -2,
  PLQS_ERR_STATE = -3,         /* not allowed in the current state (send before CONNECTED, ...) */
  PLQS_ERR_TLS = -4,           /* TLS set-up or certificate verification failed */
  PLQS_ERR_NETWORK = -5,       /* resolving, socket or QUIC failure */
  PLQS_ERR_TIMEOUT = -6,       /* no JOINED within connect_timeout_ms */
  PLQS_ERR_JOIN_REFUSED = -7,  /* JOIN_ERROR from the server: see plqs_get_last_error */
  PLQS_ERR_PROTOCOL = -8,      /* the server broke the wire contract */
  PLQS_ERR_TOO_LARGE = -9,     /* a frame over PLQS_MAX_FRAME_LEN */
  PLQS_ERR_NOT_FOUND = -10,    /* an ICE config index out of range */
} plqs_status;

/* Same values as the C SDK's SIGNALING_CLIENT_STATE, so a cast maps one onto the other. */
typedef enum plqs_state {
  PLQS_STATE_NEW = 1,
  PLQS_STATE_READY = 7,        /* created and configured; the QUIC join replaces GetEndpoint/GetIceConfig */
  PLQS_STATE_CONNECTING = 8,   /* QUIC handshake and JOIN in progress (also while reconnecting) */
  PLQS_STATE_CONNECTED = 9,    /* JOINED: ICE configuration present, frames flow */
  PLQS_STATE_DISCONNECTED = 10,
} plqs_state;

/* Same values as the C SDK's SIGNALING_CHANNEL_ROLE_TYPE. */
typedef enum plqs_role { PLQS_ROLE_MASTER = 1, PLQS_ROLE_VIEWER = 2 } plqs_role;

/* Same values as the C SDK's SIGNALING_MESSAGE_TYPE. */
typedef enum plqs_message_type {
  PLQS_MESSAGE_OFFER = 0,
  PLQS_MESSAGE_ANSWER = 1,
  PLQS_MESSAGE_ICE_CANDIDATE = 2,
  PLQS_MESSAGE_GO_AWAY = 3,
  PLQS_MESSAGE_RECONNECT_ICE_SERVER = 4,
  PLQS_MESSAGE_STATUS_RESPONSE = 5,
  PLQS_MESSAGE_UNKNOWN = 6,
} plqs_message_type;

/* One ICE server entry, shaped like the C SDK's IceConfigInfo (ttl in seconds, not 100 ns units). */
typedef struct plqs_ice_config_info {
  uint64_t ttl_seconds;
  uint32_t uri_count;
  char uris[PLQS_MAX_ICE_CONFIG_URI_COUNT][PLQS_MAX_ICE_CONFIG_URI_LEN + 1];
  char user_name[PLQS_MAX_ICE_CONFIG_USER_NAME_LEN + 1];  /* empty for STUN */
  char password[PLQS_MAX_ICE_CONFIG_CREDENTIAL_LEN + 1];  /* empty for STUN */
} plqs_ice_config_info;

/* An outgoing KVS frame: action, RecipientClientId, MessagePayload (base64 of payload), CorrelationId. */
typedef struct plqs_message {
  plqs_message_type type;         /* OFFER, ANSWER or ICE_CANDIDATE */
  const char *recipient_client_id; /* the viewer's id (master); ignored by the server for viewers */
  const char *correlation_id;      /* optional: ask for a STATUS_RESPONSE on failure */
  const char *payload;             /* the SDP or candidate JSON, not yet base64 */
  size_t payload_len;
} plqs_message;

/* The statusResponse object of a STATUS_RESPONSE frame, like the C SDK's StatusResponse. */
typedef struct plqs_status_response {
  char correlation_id[PLQS_MAX_ID_LEN + 1];
  char error_type[PLQS_MAX_ID_LEN + 1];
  uint32_t status_code;
  char description[PLQS_MAX_ID_LEN + 1];
} plqs_status_response;

/* An incoming KVS frame, parsed like the C SDK's ReceivedSignalingMessage. Valid during the callback. */
typedef struct plqs_received_message {
  plqs_message_type type;
  const char *message_type;      /* the frame's messageType as sent */
  const char *sender_client_id;  /* "" when absent (frames to a viewer) */
  const char *payload;           /* base64-decoded messagePayload, NUL-terminated; "" when absent */
  size_t payload_len;
  plqs_status_response status_response; /* filled for STATUS_RESPONSE */
  const char *raw_json;          /* the whole frame, for the C SDK's own parseSignalingMessage */
  size_t raw_json_len;
} plqs_received_message;

typedef struct plqs_callbacks {
  void (*on_state)(void *user_data, plqs_state state);
  void (*on_message)(void *user_data, const plqs_received_message *message);
  /* JOINED and ICE_CONFIG: the ICE servers changed (read them with plqs_get_ice_config_info). */
  void (*on_ice_config)(void *user_data, uint32_t count);
  /* A non-fatal error: a dropped frame, a failed reconnect attempt, ... */
  void (*on_error)(void *user_data, plqs_status status, const char *reason);
  void *user_data;
} plqs_callbacks;

typedef struct plqs_config {
  const char *server_host;   /* name or address of the peerlink server (required) */
  uint16_t server_port;      /* 0: 4433 */
  const char *server_name;   /* TLS name to send and verify; NULL: server_host */
  const char *channel_name;  /* one of channel_name or channel_arn is required */
  const char *channel_arn;
  plqs_role role;            /* required */
  const char *client_id;     /* required for a viewer */
  const char *token;         /* one of token or presigned_url is required */
  const char *presigned_url;
  const char *ca_file;       /* PEM trust anchors; NULL: the system trust store */
  const char *pinned_sha256; /* hex SHA-256 of the server certificate's DER (colons allowed) */
  uint32_t keepalive_ms;     /* QUIC PING interval; 0: 15000 */
  uint32_t connect_timeout_ms; /* handshake + join; 0: 10000 */
  plqs_callbacks callbacks;
} plqs_config;

typedef struct plqs_client plqs_client;

/* Copies the config. State READY. */
int plqs_create(const plqs_config *config, plqs_client **out);
/* Starts the I/O thread and blocks until JOINED (PLQS_OK) or failure. */
int plqs_connect(plqs_client *client);
/* Queues an outgoing KVS frame (base64-encodes the payload). Any thread. Needs CONNECTED. */
int plqs_send(plqs_client *client, const plqs_message *message);
/* Queues a frame already built as JSON (the C SDK's own template). Any thread. Needs CONNECTED. */
int plqs_send_json(plqs_client *client, const char *json, size_t json_len);
/* Asks the server for fresh ICE servers (GET_ICE_CONFIG); on_ice_config reports the answer. */
int plqs_refresh_ice_config(plqs_client *client);
int plqs_get_ice_config_count(plqs_client *client, uint32_t *count);
int plqs_get_ice_config_info(plqs_client *client, uint32_t index, plqs_ice_config_info *out);
plqs_state plqs_get_state(plqs_client *client);
/* The last error's reason (a JOIN_ERROR's reason, a TLS failure, ...), NUL-terminated. */
void plqs_get_last_error(plqs_client *client, char *buf, size_t buf_len);
/* Frames received and dropped as malformed (bad JSON, bad base64): a count, never a crash. */
uint64_t plqs_get_dropped_frames(plqs_client *client);
/* Number of successful joins since plqs_connect (1 + reconnects). */
uint32_t plqs_get_join_count(plqs_client *client);
/* Closes the connection (CONNECTION_CLOSE) and stops the I/O thread. State DISCONNECTED. */
int plqs_disconnect(plqs_client *client);
/* Disconnects if needed and frees everything. */
void plqs_free(plqs_client *client);
const char *plqs_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif /* PEERLINK_QUIC_SIGNALING_H */
