/* A KVS master (camera) over QUIC: answers every viewer's offer with an answer and a candidate,
 * and counts an exchange complete when that viewer's candidate arrives. Exits 0 after --exchanges
 * complete exchanges (across reconnects: GO_AWAY makes the library re-join), 1 on timeout.
 *
 *   peerlink-quic-master --host 127.0.0.1 --channel front-door --token "$(peerlink token ...)" \
 *     --ca-file peerlink-data/tls/dev-cert.pem
 *
 * Events go to stdout as JSON lines: state, joined, message, sent, ice_config, error, done. */
#include <stdio.h>
#include <string.h>

#include "example_common.h"

#define ANSWER "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 2 2 IN IP4 127.0.0.1\\r\\ns=peerlink-quic-master\\r\\n\"}"
#define CANDIDATE \
  "{\"candidate\":\"candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}"

static example ex;
static char answered[PLQS_MAX_ID_LEN + 1]; /* the viewer whose candidate completes the exchange */

static void on_message(void *ud, const plqs_received_message *m) {
  (void)ud;
  example_event("message", "type", m->message_type, "sender", m->sender_client_id, "payload", m->payload, NULL);
  if (m->type == PLQS_MESSAGE_OFFER) {
    snprintf(answered, sizeof(answered), "%s", m->sender_client_id);
    example_send(&ex, PLQS_MESSAGE_ANSWER, m->sender_client_id, ANSWER);
    example_send(&ex, PLQS_MESSAGE_ICE_CANDIDATE, m->sender_client_id, CANDIDATE);
  } else if (m->type == PLQS_MESSAGE_ICE_CANDIDATE && answered[0] != 0 && strcmp(answered, m->sender_client_id) == 0) {
    answered[0] = 0;
    if (++ex.completed >= ex.exchanges) example_finish(&ex, 1);
  }
}

int main(int argc, char **argv) {
  if (example_parse_args(&ex, argc, argv, PLQS_ROLE_MASTER) != 0) return 2;
  ex.config.callbacks = (plqs_callbacks){example_on_state, on_message, example_on_ice_config, example_on_error, NULL};
  return example_run(&ex, NULL);
}
