#include "messages.h"

#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

static const char *const kvs_types[] = {"SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE", "GO_AWAY",
                                        "RECONNECT_ICE_SERVER", "STATUS_RESPONSE"};

plqs_message_type plqs_message_type_from_string(const char *s) {
  for (size_t i = 0; s != NULL && i < sizeof(kvs_types) / sizeof(kvs_types[0]); i++)
    if (strcmp(s, kvs_types[i]) == 0) return (plqs_message_type)i;
  return PLQS_MESSAGE_UNKNOWN;
}

const char *plqs_message_type_to_string(plqs_message_type t) {
  return (unsigned)t < sizeof(kvs_types) / sizeof(kvs_types[0]) ? kvs_types[t] : "UNKNOWN";
}

static char *dump_and_free(json_t *obj) {
  if (obj == NULL) return NULL;
  char *s = json_dumps(obj, JSON_COMPACT);
  json_decref(obj);
  return s;
}

char *plqs_build_join(const plqs_config *c) {
  json_t *o = json_pack("{s:s, s:s, s:s}", "action", "JOIN", "protocol", "kvs", "role",
                        c->role == PLQS_ROLE_MASTER ? "master" : "viewer");
  if (o == NULL) return NULL;
  int bad = 0;
  if (c->channel_arn != NULL) bad |= json_object_set_new(o, "channel_arn", json_string(c->channel_arn));
  else bad |= json_object_set_new(o, "channel_name", json_string(c->channel_name));
  if (c->client_id != NULL) bad |= json_object_set_new(o, "client_id", json_string(c->client_id));
  if (c->token != NULL) bad |= json_object_set_new(o, "token", json_string(c->token));
  else bad |= json_object_set_new(o, "presigned_url", json_string(c->presigned_url));
  if (bad) {
    json_decref(o);
    return NULL;
  }
  return dump_and_free(o);
}

char *plqs_build_get_ice_config(const char *correlation_id) {
  return dump_and_free(json_pack("{s:s, s:s}", "action", "GET_ICE_CONFIG", "CorrelationId", correlation_id));
}

int plqs_build_message(const plqs_message *m, plqs_role role, char **out) {
  if (m == NULL || out == NULL || m->payload == NULL || m->payload_len == 0) return PLQS_ERR_INVALID_ARG;
  if (m->type != PLQS_MESSAGE_OFFER && m->type != PLQS_MESSAGE_ANSWER && m->type != PLQS_MESSAGE_ICE_CANDIDATE)
    return PLQS_ERR_INVALID_ARG;
  if (role == PLQS_ROLE_MASTER && (m->recipient_client_id == NULL || m->recipient_client_id[0] == 0))
    return PLQS_ERR_INVALID_ARG;
  gnutls_datum_t raw = {(unsigned char *)m->payload, (unsigned int)m->payload_len};
  gnutls_datum_t b64 = {NULL, 0};
  if (m->payload_len > PLQS_MAX_FRAME_LEN || gnutls_base64_encode2(&raw, &b64) < 0) return PLQS_ERR_TOO_LARGE;
  json_t *o = json_pack("{s:s, s:s#}", "action", plqs_message_type_to_string(m->type), "MessagePayload",
                        (const char *)b64.data, (size_t)b64.size);
  gnutls_free(b64.data);
  if (o == NULL) return PLQS_ERR_NOMEM;
  int bad = 0;
  if (m->recipient_client_id != NULL)
    bad |= json_object_set_new(o, "RecipientClientId", json_string(m->recipient_client_id));
  if (m->correlation_id != NULL) bad |= json_object_set_new(o, "CorrelationId", json_string(m->correlation_id));
  if (bad) {
    json_decref(o);
    return PLQS_ERR_INVALID_ARG; /* json_string refuses invalid UTF-8 */
  }
  *out = dump_and_free(o);
  return *out == NULL ? PLQS_ERR_NOMEM : PLQS_OK;
}

int plqs_check_outgoing_json(const char *json, size_t len) {
  json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
  int ok = json_is_object(o) && json_is_string(json_object_get(o, "action"));
  json_decref(o);
  return ok ? PLQS_OK : PLQS_ERR_INVALID_ARG;
}

static const char *str_or(json_t *o, const char *key, const char *fallback) {
  const char *s = json_string_value(json_object_get(o, key));
  return s != NULL ? s : fallback;
}

/* A number or a decimal string (AWS sends statusCode as a string). */
static uint32_t uint_of(json_t *v) {
  if (json_is_integer(v) && json_integer_value(v) >= 0) return (uint32_t)json_integer_value(v);
  if (json_is_string(v)) return (uint32_t)strtoul(json_string_value(v), NULL, 10);
  return 0;
}

static void copy_bounded(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = 0;
}

/* iceServers -> IceConfigInfo entries: at most 5 servers, 4 URIs each; a URI or credential longer
 * than the SDK's field is a malformed frame rather than a silently truncated one. */
static int parse_ice_servers(json_t *arr, plqs_incoming *in) {
  if (!json_is_array(arr)) return PLQS_ERR_PROTOCOL;
  size_t i;
  json_t *srv;
  json_array_foreach(arr, i, srv) {
    if (in->ice_count == PLQS_MAX_ICE_CONFIG_COUNT) break;
    plqs_ice_config_info *info = &in->ice[in->ice_count];
    memset(info, 0, sizeof(*info));
    json_t *uris = json_object_get(srv, "uris");
    if (!json_is_array(uris)) return PLQS_ERR_PROTOCOL;
    size_t j;
    json_t *uri;
    json_array_foreach(uris, j, uri) {
      const char *u = json_string_value(uri);
      if (u == NULL || strlen(u) > PLQS_MAX_ICE_CONFIG_URI_LEN) return PLQS_ERR_PROTOCOL;
      if (info->uri_count < PLQS_MAX_ICE_CONFIG_URI_COUNT) copy_bounded(info->uris[info->uri_count++], sizeof(info->uris[0]), u);
    }
    const char *user = str_or(srv, "username", ""), *pass = str_or(srv, "password", "");
    if (strlen(user) > PLQS_MAX_ICE_CONFIG_USER_NAME_LEN || strlen(pass) > PLQS_MAX_ICE_CONFIG_CREDENTIAL_LEN)
      return PLQS_ERR_PROTOCOL;
    copy_bounded(info->user_name, sizeof(info->user_name), user);
    copy_bounded(info->password, sizeof(info->password), pass);
    info->ttl_seconds = uint_of(json_object_get(srv, "ttl"));
    in->ice_count++;
  }
  return PLQS_OK;
}

static int parse_kvs(json_t *root, const char *type, plqs_incoming *in) {
  plqs_received_message *m = &in->msg;
  m->type = plqs_message_type_from_string(type);
  m->message_type = type;
  m->sender_client_id = str_or(root, "senderClientId", "");
  const char *b64 = str_or(root, "messagePayload", "");
  gnutls_datum_t enc = {(unsigned char *)b64, (unsigned int)strlen(b64)};
  gnutls_datum_t dec = {NULL, 0};
  if (enc.size > 0 && gnutls_base64_decode2(&enc, &dec) < 0) return PLQS_ERR_PROTOCOL;
  in->payload = malloc(dec.size + 1);
  if (in->payload == NULL) {
    gnutls_free(dec.data);
    return PLQS_ERR_NOMEM;
  }
  if (dec.size > 0) memcpy(in->payload, dec.data, dec.size);
  in->payload[dec.size] = 0;
  gnutls_free(dec.data);
  m->payload = in->payload;
  m->payload_len = dec.size;
  json_t *st = json_object_get(root, "statusResponse");
  if (json_is_object(st)) {
    plqs_status_response *r = &m->status_response;
    copy_bounded(r->correlation_id, sizeof(r->correlation_id), str_or(st, "correlationId", ""));
    copy_bounded(r->error_type, sizeof(r->error_type), str_or(st, "errorType", ""));
    copy_bounded(r->description, sizeof(r->description), str_or(st, "description", ""));
    r->status_code = uint_of(json_object_get(st, "statusCode"));
  }
  return PLQS_OK;
}

int plqs_parse_incoming(const char *json, size_t len, plqs_incoming *in) {
  memset(in, 0, sizeof(*in));
  in->root = json_loadb(json, len, 0, NULL);
  const char *type = json_string_value(json_object_get(in->root, "messageType"));
  int rc = PLQS_ERR_PROTOCOL;
  if (type == NULL) {
    rc = PLQS_ERR_PROTOCOL;
  } else if (strcmp(type, "JOINED") == 0) {
    in->kind = PLQS_IN_JOINED;
    in->keepalive_ms = uint_of(json_object_get(in->root, "keepaliveMs"));
    rc = parse_ice_servers(json_object_get(in->root, "iceServers"), in);
  } else if (strcmp(type, "ICE_CONFIG") == 0) {
    in->kind = PLQS_IN_ICE_CONFIG;
    in->correlation_id = str_or(in->root, "correlationId", "");
    rc = parse_ice_servers(json_object_get(in->root, "iceServers"), in);
  } else if (strcmp(type, "JOIN_ERROR") == 0) {
    in->kind = PLQS_IN_JOIN_ERROR;
    in->status_code = uint_of(json_object_get(in->root, "statusCode"));
    in->error_type = str_or(in->root, "errorType", "");
    in->reason = str_or(in->root, "reason", "");
    rc = PLQS_OK;
  } else {
    in->kind = PLQS_IN_KVS;
    rc = parse_kvs(in->root, type, in);
    in->msg.raw_json = json;
    in->msg.raw_json_len = len;
  }
  if (rc != PLQS_OK) plqs_incoming_clear(in);
  return rc;
}

void plqs_incoming_clear(plqs_incoming *in) {
  json_decref(in->root);
  free(in->payload);
  memset(in, 0, sizeof(*in));
}
