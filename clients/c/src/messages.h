/* The JSON frames of docs/quic-signaling.md and docs/kvs.md, built and parsed with jansson. Pure:
 * no I/O, no time. */
#ifndef PLQS_MESSAGES_H
#define PLQS_MESSAGES_H

#include <jansson.h>
#include <stddef.h>

#include "peerlink/quic_signaling.h"

typedef enum plqs_incoming_kind {
  PLQS_IN_JOINED,
  PLQS_IN_JOIN_ERROR,
  PLQS_IN_ICE_CONFIG,
  PLQS_IN_KVS, /* every other messageType: SDP_OFFER, ..., GO_AWAY, RECONNECT_ICE_SERVER */
} plqs_incoming_kind;

typedef struct plqs_incoming {
  plqs_incoming_kind kind;
  json_t *root;    /* owns the strings pointed to below */
  char *payload;   /* owns msg.payload */
  plqs_received_message msg;
  /* JOINED and ICE_CONFIG */
  plqs_ice_config_info ice[PLQS_MAX_ICE_CONFIG_COUNT];
  uint32_t ice_count;
  uint32_t keepalive_ms;     /* JOINED: 0 when absent */
  const char *correlation_id; /* ICE_CONFIG */
  /* JOIN_ERROR */
  uint32_t status_code;
  const char *error_type;
  const char *reason;
} plqs_incoming;

/* The JOIN request for this config (malloc'd, compact JSON), or NULL when out of memory. */
char *plqs_build_join(const plqs_config *config);
char *plqs_build_get_ice_config(const char *correlation_id);
/* An outgoing KVS frame in the C SDK's format; PLQS_ERR_INVALID_ARG for a type other than
 * OFFER/ANSWER/ICE_CANDIDATE, a missing payload, or a master's missing recipient. */
int plqs_build_message(const plqs_message *message, plqs_role role, char **out);
/* PLQS_OK when json is one JSON object with a string "action". */
int plqs_check_outgoing_json(const char *json, size_t len);

/* Parses one incoming frame. PLQS_ERR_PROTOCOL for anything malformed (the caller counts a drop).
 * On success the caller owns *out and releases it with plqs_incoming_clear. */
int plqs_parse_incoming(const char *json, size_t len, plqs_incoming *out);
void plqs_incoming_clear(plqs_incoming *in);

plqs_message_type plqs_message_type_from_string(const char *s);
const char *plqs_message_type_to_string(plqs_message_type t);

#endif
