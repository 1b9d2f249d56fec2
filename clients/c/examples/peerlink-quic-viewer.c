/* A KVS viewer over QUIC: sends an offer and a candidate to the channel's master, and exits 0 once
 * the master's answer and a candidate have arrived (1 on timeout).
 *
 *   peerlink-quic-viewer --host 127.0.0.1 --channel front-door --client-id phone-1 \
 *     --token "$(peerlink token ...)" --ca-file peerlink-data/tls/dev-cert.pem
 *
 * Events go to stdout as JSON lines: state, joined, sent, message, ice_config, error, done. */
#include "example_common.h"

#define OFFER "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\ns=peerlink-quic-viewer\\r\\n\"}"
#define CANDIDATE \
  "{\"candidate\":\"candidate:1 1 udp 2130706431 192.0.2.20 50001 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"

static example ex;
static int got_answer, got_candidate;

static void on_message(void *ud, const plqs_received_message *m) {
  (void)ud;
  example_event("message", "type", m->message_type, "sender", m->sender_client_id, "payload", m->payload, NULL);
  if (m->type == PLQS_MESSAGE_ANSWER) got_answer = 1;
  if (m->type == PLQS_MESSAGE_ICE_CANDIDATE) got_candidate = 1;
  if (got_answer && got_candidate) example_finish(&ex, 1);
}

static void offer(example *e) {
  if (example_send(e, PLQS_MESSAGE_OFFER, NULL, OFFER) != PLQS_OK ||
      example_send(e, PLQS_MESSAGE_ICE_CANDIDATE, NULL, CANDIDATE) != PLQS_OK)
    example_finish(e, -1);
}

int main(int argc, char **argv) {
  if (example_parse_args(&ex, argc, argv, PLQS_ROLE_VIEWER) != 0) return 2;
  ex.config.callbacks = (plqs_callbacks){example_on_state, on_message, example_on_ice_config, example_on_error, NULL};
  return example_run(&ex, offer);
}
