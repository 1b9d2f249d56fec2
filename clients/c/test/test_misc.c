#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "backoff.h"
#include "outbox.h"
#include "peerlink/quic_signaling.h"
#include "tls.h"
#include "unit.h"

static void backoff_doubles_to_ten_seconds_with_jitter(void) {
  plqs_backoff b = {0};
  const uint32_t steps[] = {100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000};
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    CHECK(plqs_backoff_step_ms(&b) == steps[i]);
    uint32_t lo = plqs_backoff_next_ms(&(plqs_backoff){b.attempt}, 0);
    uint32_t hi = plqs_backoff_next_ms(&(plqs_backoff){b.attempt}, steps[i] - steps[i] / 2);
    CHECK(lo == steps[i] / 2 && hi == steps[i]);
    uint32_t d = plqs_backoff_next_ms(&b, 0xdeadbeefu);
    CHECK(d >= steps[i] / 2 && d <= steps[i]);
  }
  for (int i = 0; i < 100; i++) plqs_backoff_next_ms(&b, (uint32_t)i);
  CHECK(plqs_backoff_step_ms(&b) == 10000);
  plqs_backoff_reset(&b);
  CHECK(plqs_backoff_step_ms(&b) == 100);
}

static void parses_pins(void) {
  uint8_t pin[32];
  const char *colons = "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";
  CHECK(plqs_parse_sha256_hex(colons, pin) == 0 && pin[0] == 0xab && pin[31] == 0x89);
  CHECK(plqs_parse_sha256_hex("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", pin) == 0);
  CHECK(plqs_parse_sha256_hex("abcdef", pin) == -1);
  CHECK(plqs_parse_sha256_hex("zz", pin) == -1);
  CHECK(plqs_parse_sha256_hex("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678900", pin) == -1);
}

static plqs_config base_config(void) {
  plqs_config c = {0};
  c.server_host = "127.0.0.1";
  c.channel_name = "ch";
  c.role = PLQS_ROLE_MASTER;
  c.token = "tok";
  return c;
}

static void validates_config_and_state(void) {
  plqs_client *cl = NULL;
  plqs_config c = base_config();
  c.role = PLQS_ROLE_VIEWER; /* a viewer needs a client id */
  CHECK(plqs_create(&c, &cl) == PLQS_ERR_INVALID_ARG);
  c = base_config();
  c.presigned_url = "wss://x"; /* token and presigned_url are exclusive */
  CHECK(plqs_create(&c, &cl) == PLQS_ERR_INVALID_ARG);
  c = base_config();
  c.channel_name = NULL;
  CHECK(plqs_create(&c, &cl) == PLQS_ERR_INVALID_ARG);
  c = base_config();
  CHECK(plqs_create(&c, &cl) == PLQS_OK && plqs_get_state(cl) == PLQS_STATE_READY);
  plqs_message m = {PLQS_MESSAGE_OFFER, "v", NULL, "x", 1};
  CHECK(plqs_send(cl, &m) == PLQS_ERR_STATE);
  CHECK(plqs_refresh_ice_config(cl) == PLQS_ERR_STATE);
  plqs_ice_config_info info;
  CHECK(plqs_get_ice_config_info(cl, 0, &info) == PLQS_ERR_NOT_FOUND);
  plqs_free(cl);
  CHECK(strcmp(plqs_strerror(PLQS_ERR_JOIN_REFUSED), "join refused") == 0);
  CHECK(strcmp(plqs_strerror(-99), "unknown status") == 0);
}

/* A UDP socket on 127.0.0.1 and a free port; the client config pointed at it. */
static int loopback_udp(plqs_config *c) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof(a);
  CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(s, (struct sockaddr *)&a, &alen) == 0);
  *c = base_config();
  c->server_port = ntohs(a.sin_port);
  c->pinned_sha256 = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  return s;
}

/* A real UDP socket that never answers: the handshake times out, connect says so, no thread leaks. */
static void connect_times_out_against_a_silent_port(void) {
  plqs_config c;
  int s = loopback_udp(&c);
  c.connect_timeout_ms = 300;
  plqs_client *cl = NULL;
  CHECK(plqs_create(&c, &cl) == PLQS_OK);
  CHECK(plqs_connect(cl) == PLQS_ERR_TIMEOUT);
  CHECK(plqs_get_state(cl) == PLQS_STATE_DISCONNECTED);
  char reason[256];
  plqs_get_last_error(cl, reason, sizeof(reason));
  CHECK(strstr(reason, "timeout") != NULL);
  uint8_t buf[2048];
  CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) >= 1200); /* a padded QUIC Initial arrived */
  plqs_free(cl);
  close(s);
}

/* Nothing listens: the ICMP port unreachable fails the attempt at once, not at the timeout. */
static void connect_fails_fast_when_nothing_listens(void) {
  plqs_config c;
  close(loopback_udp(&c));
  c.connect_timeout_ms = 60000;
  plqs_client *cl = NULL;
  CHECK(plqs_create(&c, &cl) == PLQS_OK);
  CHECK(plqs_connect(cl) == PLQS_ERR_NETWORK);
  char reason[256];
  plqs_get_last_error(cl, reason, sizeof(reason));
  CHECK(strstr(reason, "refused") != NULL);
  plqs_free(cl);
}

static void refuses_a_missing_ca_file_before_sending(void) {
  plqs_config c = base_config();
  c.server_port = 9;
  c.ca_file = "/nonexistent/ca.pem";
  plqs_client *cl = NULL;
  CHECK(plqs_create(&c, &cl) == PLQS_OK);
  CHECK(plqs_connect(cl) == PLQS_ERR_TLS);
  char reason[256];
  plqs_get_last_error(cl, reason, sizeof(reason));
  CHECK(strstr(reason, "/nonexistent/ca.pem") != NULL);
  plqs_free(cl);
}

static void *push_many(void *arg) {
  plqs_outbox *o = arg;
  for (int i = 0; i < 1000; i++) {
    uint8_t *f = malloc(4);
    memcpy(f, &i, sizeof(i));
    plqs_outbox_push(o, f, 4);
  }
  return NULL;
}

static void outbox_keeps_each_threads_order(void) {
  plqs_outbox o;
  CHECK(plqs_outbox_init(&o) == PLQS_OK);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, push_many, &o);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  plqs_outbox_item *items = plqs_outbox_take_all(&o);
  int count = 0, counts[1000] = {0}, ordered = 1;
  for (plqs_outbox_item *it = items; it != NULL; it = it->next) {
    int v;
    memcpy(&v, it->frame, sizeof(v));
    counts[v]++;
    /* value v's k-th copy can only follow k copies of v-1 from the same thread's earlier pushes */
    if (v > 0 && counts[v] > counts[v - 1]) ordered = 0;
    count++;
  }
  CHECK(count == 4000 && ordered);
  CHECK(plqs_outbox_take_all(&o) == NULL);
  plqs_outbox_free_items(items);
  plqs_outbox_destroy(&o);
}

void test_misc(void) {
  backoff_doubles_to_ten_seconds_with_jitter();
  parses_pins();
  validates_config_and_state();
  connect_times_out_against_a_silent_port();
  connect_fails_fast_when_nothing_listens();
  refuses_a_missing_ca_file_before_sending();
  outbox_keeps_each_threads_order();
}
