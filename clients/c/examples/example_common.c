#include "example_common.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: %s --host HOST [--port 4433] --channel NAME | --channel-arn ARN --token TOKEN\n"
    "          [--client-id ID] [--ca-file PEM | --pin SHA256HEX] [--server-name NAME]\n"
    "          [--keepalive-ms 15000] [--timeout 30] [--exchanges 1]\n";

int example_parse_args(example *ex, int argc, char **argv, plqs_role role) {
  memset(ex, 0, sizeof(*ex));
  ex->config.role = role;
  ex->timeout_s = 30;
  ex->exchanges = 1;
  int bad = argc % 2 == 0; /* options come in pairs */
  for (int i = 1; i + 1 < argc && !bad; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (strcmp(k, "--host") == 0) ex->config.server_host = v;
    else if (strcmp(k, "--port") == 0) ex->config.server_port = (uint16_t)atoi(v);
    else if (strcmp(k, "--channel") == 0) ex->config.channel_name = v;
    else if (strcmp(k, "--channel-arn") == 0) ex->config.channel_arn = v;
    else if (strcmp(k, "--token") == 0) ex->config.token = v;
    else if (strcmp(k, "--client-id") == 0) ex->config.client_id = v;
    else if (strcmp(k, "--ca-file") == 0) ex->config.ca_file = v;
    else if (strcmp(k, "--pin") == 0) ex->config.pinned_sha256 = v;
    else if (strcmp(k, "--server-name") == 0) ex->config.server_name = v;
    else if (strcmp(k, "--keepalive-ms") == 0) ex->config.keepalive_ms = (uint32_t)atoi(v);
    else if (strcmp(k, "--timeout") == 0) ex->timeout_s = atoi(v);
    else if (strcmp(k, "--exchanges") == 0) ex->exchanges = atoi(v);
    else bad = 1;
  }
  if (bad || ex->config.server_host == NULL || ex->config.token == NULL || ex->timeout_s <= 0 || ex->exchanges <= 0 ||
      (ex->config.channel_name == NULL && ex->config.channel_arn == NULL)) {
    fprintf(stderr, usage, argv[0]);
    return -1;
  }
  pthread_mutex_init(&ex->lock, NULL);
  pthread_cond_init(&ex->cond, NULL);
  return 0;
}

void example_event(const char *name, ...) {
  json_t *o = json_pack("{s:s}", "event", name);
  va_list ap;
  va_start(ap, name);
  for (const char *k = va_arg(ap, const char *); k != NULL; k = va_arg(ap, const char *)) {
    const char *v = va_arg(ap, const char *);
    json_object_set_new(o, k, json_string(v != NULL ? v : ""));
  }
  va_end(ap);
  char *s = json_dumps(o, JSON_COMPACT);
  printf("%s\n", s);
  fflush(stdout);
  free(s);
  json_decref(o);
}

static const char *state_name(plqs_state s) {
  switch (s) {
    case PLQS_STATE_NEW: return "NEW";
    case PLQS_STATE_READY: return "READY";
    case PLQS_STATE_CONNECTING: return "CONNECTING";
    case PLQS_STATE_CONNECTED: return "CONNECTED";
    case PLQS_STATE_DISCONNECTED: return "DISCONNECTED";
  }
  return "?";
}

void example_on_state(void *ud, plqs_state state) {
  (void)ud;
  example_event("state", "state", state_name(state), NULL);
}

void example_print_ice(plqs_client *c, const char *event) {
  uint32_t n = 0;
  plqs_get_ice_config_count(c, &n);
  char count[16], joins[16];
  snprintf(count, sizeof(count), "%u", n);
  snprintf(joins, sizeof(joins), "%u", plqs_get_join_count(c));
  plqs_ice_config_info info = {0};
  /* The first server with credentials (TURN), else the first one; printed whole, as `peerlink
   * turn-credentials` does, so that a test can check them. */
  for (uint32_t i = 0; i < n; i++) {
    plqs_get_ice_config_info(c, i, &info);
    if (info.user_name[0] != 0) break;
  }
  example_event(event, "count", count, "joins", joins, "uri", info.uris[0], "username", info.user_name, "password",
                info.password, NULL);
}

void example_on_ice_config(void *ud, uint32_t count) {
  example *ex = ud;
  (void)count;
  if (ex->client != NULL) example_print_ice(ex->client, "ice_config");
}

void example_on_error(void *ud, plqs_status status, const char *reason) {
  (void)ud;
  example_event("error", "status", plqs_strerror(status), "reason", reason, NULL);
}

int example_send(example *ex, plqs_message_type type, const char *recipient, const char *payload) {
  plqs_message m = {type, recipient, NULL, payload, strlen(payload)};
  int rc = plqs_send(ex->client, &m);
  example_event("sent", "type", type == PLQS_MESSAGE_OFFER ? "SDP_OFFER" : type == PLQS_MESSAGE_ANSWER ? "SDP_ANSWER" : "ICE_CANDIDATE",
                "to", recipient, "status", plqs_strerror(rc), NULL);
  return rc;
}

void example_finish(example *ex, int result) {
  pthread_mutex_lock(&ex->lock);
  if (ex->done == 0) ex->done = result;
  pthread_cond_broadcast(&ex->cond);
  pthread_mutex_unlock(&ex->lock);
}

int example_run(example *ex, void (*after_connect)(example *ex)) {
  ex->config.callbacks.user_data = ex;
  int rc = plqs_create(&ex->config, &ex->client);
  if (rc != PLQS_OK) {
    example_event("error", "status", plqs_strerror(rc), "reason", "bad configuration", NULL);
    return 2;
  }
  rc = plqs_connect(ex->client);
  if (rc != PLQS_OK) {
    char reason[256];
    plqs_get_last_error(ex->client, reason, sizeof(reason));
    example_event("connect_failed", "status", plqs_strerror(rc), "reason", reason, NULL);
    plqs_free(ex->client);
    return 1;
  }
  example_print_ice(ex->client, "joined");
  if (after_connect) after_connect(ex);
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += ex->timeout_s;
  pthread_mutex_lock(&ex->lock);
  int wait_rc = 0;
  while (ex->done == 0 && wait_rc != ETIMEDOUT) wait_rc = pthread_cond_timedwait(&ex->cond, &ex->lock, &deadline);
  int done = ex->done;
  pthread_mutex_unlock(&ex->lock);
  example_event(done == 1 ? "done" : "failed", "reason", done == 1 ? "" : done == 0 ? "timeout" : "error", NULL);
  plqs_free(ex->client);
  return done == 1 ? 0 : 1;
}
