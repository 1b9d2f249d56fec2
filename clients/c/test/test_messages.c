#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "unit.h"

static json_t *load(const char *s) { return json_loads(s, 0, NULL); }

static void builds_join(void) {
  plqs_config c = {0};
  c.channel_name = "front-door";
  c.role = PLQS_ROLE_VIEWER;
  c.client_id = "phone-1";
  c.token = "t.o.k";
  char *s = plqs_build_join(&c);
  json_t *o = load(s);
  CHECK(strcmp(json_string_value(json_object_get(o, "action")), "JOIN") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "protocol")), "kvs") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "channel_name")), "front-door") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "role")), "viewer") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "client_id")), "phone-1") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "token")), "t.o.k") == 0);
  CHECK(json_object_get(o, "presigned_url") == NULL && json_object_get(o, "channel_arn") == NULL);
  json_decref(o);
  free(s);
  c = (plqs_config){0};
  c.channel_arn = "arn:aws:kinesisvideo:us-east-1:0:channel/x/1";
  c.role = PLQS_ROLE_MASTER;
  c.presigned_url = "wss://h/kvs?X-Amz-Signature=ab";
  s = plqs_build_join(&c);
  o = load(s);
  CHECK(strcmp(json_string_value(json_object_get(o, "role")), "master") == 0);
  CHECK(json_string_value(json_object_get(o, "channel_arn")) != NULL && json_object_get(o, "channel_name") == NULL);
  CHECK(json_string_value(json_object_get(o, "presigned_url")) != NULL && json_object_get(o, "client_id") == NULL);
  json_decref(o);
  free(s);
}

static void builds_kvs_frame_like_the_c_sdk(void) {
  plqs_message m = {PLQS_MESSAGE_OFFER, "viewer-1", "c-1", "{\"type\":\"offer\"}", 16};
  char *s = NULL;
  CHECK(plqs_build_message(&m, PLQS_ROLE_MASTER, &s) == PLQS_OK);
  json_t *o = load(s);
  CHECK(strcmp(json_string_value(json_object_get(o, "action")), "SDP_OFFER") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "RecipientClientId")), "viewer-1") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "MessagePayload")), "eyJ0eXBlIjoib2ZmZXIifQ==") == 0);
  CHECK(strcmp(json_string_value(json_object_get(o, "CorrelationId")), "c-1") == 0);
  json_decref(o);
  free(s);
  m.type = PLQS_MESSAGE_GO_AWAY;
  CHECK(plqs_build_message(&m, PLQS_ROLE_MASTER, &s) == PLQS_ERR_INVALID_ARG);
  m.type = PLQS_MESSAGE_ICE_CANDIDATE;
  m.recipient_client_id = NULL;
  CHECK(plqs_build_message(&m, PLQS_ROLE_MASTER, &s) == PLQS_ERR_INVALID_ARG);
  CHECK(plqs_build_message(&m, PLQS_ROLE_VIEWER, &s) == PLQS_OK);
  free(s);
  CHECK(plqs_check_outgoing_json("{\"action\":\"SDP_ANSWER\"}", 23) == PLQS_OK);
  CHECK(plqs_check_outgoing_json("[1]", 3) == PLQS_ERR_INVALID_ARG);
  CHECK(plqs_check_outgoing_json("{\"action\":1}", 12) == PLQS_ERR_INVALID_ARG);
  s = plqs_build_get_ice_config("c-17");
  CHECK(strcmp(s, "{\"action\":\"GET_ICE_CONFIG\",\"CorrelationId\":\"c-17\"}") == 0);
  free(s);
}

static int parse(const char *s, plqs_incoming *in) { return plqs_parse_incoming(s, strlen(s), in); }

static void parses_joined_into_ice_config_info(void) {
  plqs_incoming in;
  const char *joined =
      "{\"messageType\":\"JOINED\",\"role\":\"VIEWER\",\"keepaliveMs\":15000,\"iceServers\":["
      "{\"uris\":[\"stun:1.2.3.4:3478\"]},"
      "{\"uris\":[\"turn:a:1?transport=udp\",\"turn:a:1?transport=tcp\",\"turns:a:2\",\"turn:b:1\",\"turn:c:1\"],"
      "\"username\":\"1733:phone-1\",\"password\":\"pw\",\"ttl\":300},"
      "{\"uris\":[]},{\"uris\":[]},{\"uris\":[]},{\"uris\":[\"turn:sixth:1\"]}]}";
  CHECK(parse(joined, &in) == PLQS_OK);
  CHECK(in.kind == PLQS_IN_JOINED && in.keepalive_ms == 15000);
  CHECK(in.ice_count == PLQS_MAX_ICE_CONFIG_COUNT);           /* the sixth server is dropped */
  CHECK(in.ice[0].uri_count == 1 && in.ice[0].user_name[0] == 0 && in.ice[0].ttl_seconds == 0);
  CHECK(in.ice[1].uri_count == PLQS_MAX_ICE_CONFIG_URI_COUNT); /* the fifth URI is dropped */
  CHECK(strcmp(in.ice[1].uris[3], "turn:b:1") == 0 && in.ice[1].ttl_seconds == 300);
  CHECK(strcmp(in.ice[1].user_name, "1733:phone-1") == 0 && strcmp(in.ice[1].password, "pw") == 0);
  plqs_incoming_clear(&in);

  char longuri[400] = "{\"messageType\":\"ICE_CONFIG\",\"iceServers\":[{\"uris\":[\"turn:";
  memset(longuri + strlen(longuri), 'a', 300);
  strcat(longuri, "\"]}]}");
  CHECK(parse(longuri, &in) == PLQS_ERR_PROTOCOL);
  CHECK(parse("{\"messageType\":\"JOINED\"}", &in) == PLQS_ERR_PROTOCOL); /* no iceServers */
  CHECK(parse("{\"messageType\":\"ICE_CONFIG\",\"correlationId\":\"c-17\",\"iceServers\":[]}", &in) == PLQS_OK);
  CHECK(in.kind == PLQS_IN_ICE_CONFIG && in.ice_count == 0 && strcmp(in.correlation_id, "c-17") == 0);
  plqs_incoming_clear(&in);
}

static void parses_join_error_and_kvs_frames(void) {
  plqs_incoming in;
  CHECK(parse("{\"messageType\":\"JOIN_ERROR\",\"statusCode\":403,\"errorType\":\"AccessDeniedException\","
              "\"reason\":\"token expired\"}", &in) == PLQS_OK);
  CHECK(in.kind == PLQS_IN_JOIN_ERROR && in.status_code == 403 && strcmp(in.reason, "token expired") == 0);
  plqs_incoming_clear(&in);

  const char *offer = "{\"senderClientId\":\"viewer-1\",\"messageType\":\"SDP_OFFER\","
                      "\"messagePayload\":\"eyJ0eXBlIjoib2ZmZXIifQ==\"}";
  CHECK(parse(offer, &in) == PLQS_OK);
  CHECK(in.kind == PLQS_IN_KVS && in.msg.type == PLQS_MESSAGE_OFFER);
  CHECK(strcmp(in.msg.sender_client_id, "viewer-1") == 0 && in.msg.payload_len == 16);
  CHECK(strcmp(in.msg.payload, "{\"type\":\"offer\"}") == 0 && in.msg.raw_json_len == strlen(offer));
  plqs_incoming_clear(&in);

  CHECK(parse("{\"messageType\":\"STATUS_RESPONSE\",\"statusResponse\":{\"correlationId\":\"c-1\","
              "\"errorType\":\"InvalidArgumentException\",\"statusCode\":\"400\",\"description\":\"bad\"}}", &in) == PLQS_OK);
  CHECK(in.msg.type == PLQS_MESSAGE_STATUS_RESPONSE && in.msg.status_response.status_code == 400);
  CHECK(strcmp(in.msg.status_response.correlation_id, "c-1") == 0 && in.msg.payload_len == 0);
  plqs_incoming_clear(&in);
  CHECK(parse("{\"messageType\":\"GO_AWAY\"}", &in) == PLQS_OK && in.msg.type == PLQS_MESSAGE_GO_AWAY);
  plqs_incoming_clear(&in);
  CHECK(parse("{\"messageType\":\"RECONNECT_ICE_SERVER\"}", &in) == PLQS_OK &&
        in.msg.type == PLQS_MESSAGE_RECONNECT_ICE_SERVER);
  plqs_incoming_clear(&in);
  CHECK(parse("{\"messageType\":\"SDP_ANSWER\",\"messagePayload\":\"!!!not base64\"}", &in) == PLQS_ERR_PROTOCOL);
  CHECK(parse("{\"messageType\":7}", &in) == PLQS_ERR_PROTOCOL);
  CHECK(parse("not json", &in) == PLQS_ERR_PROTOCOL);
  CHECK(parse("[]", &in) == PLQS_ERR_PROTOCOL);
}

static void random_input_never_crashes(void) {
  unsigned seed = 99;
  const char *seeds[] = {"{\"messageType\":\"JOINED\",\"iceServers\":[{\"uris\":[\"stun:x\"],\"ttl\":5}]}",
                         "{\"messageType\":\"SDP_OFFER\",\"messagePayload\":\"eyJ0eXBlIjoib2ZmZXIifQ==\"}"};
  char buf[256];
  int ok = 0, bad = 0;
  for (int round = 0; round < 2000; round++) {
    const char *s = seeds[round % 2];
    size_t len = strlen(s);
    memcpy(buf, s, len + 1);
    for (int flips = 1 + (int)(plqs_unit_rand(&seed) % 4); flips > 0; flips--)
      buf[plqs_unit_rand(&seed) % len] = (char)plqs_unit_rand(&seed);
    plqs_incoming in;
    if (plqs_parse_incoming(buf, len, &in) == PLQS_OK) {
      ok++;
      plqs_incoming_clear(&in);
    } else {
      bad++;
    }
  }
  CHECK(ok > 0 && bad > 0); /* both paths ran (under ASan in CI) */
}

void test_messages(void) {
  builds_join();
  builds_kvs_frame_like_the_c_sdk();
  parses_joined_into_ice_config_info();
  parses_join_error_and_kvs_frames();
  random_input_never_crashes();
}
