/* The gnutls side of the QUIC handshake: TLS 1.3 only, ALPN peerlink-signal/1 (mandatory),
 * certificate verification on by default (system trust or a CA file, with the host name checked;
 * or exactly one pinned certificate by the SHA-256 of its DER). */
#ifndef PLQS_TLS_H
#define PLQS_TLS_H

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <stdint.h>

#include "peerlink/quic_signaling.h"

#define PLQS_ALPN "peerlink-signal/1"

typedef struct plqs_tls {
  gnutls_certificate_credentials_t cred;
  gnutls_session_t session;
  ngtcp2_crypto_conn_ref conn_ref; /* gnutls_session_get_ptr points here (ngtcp2's convention) */
  uint8_t pin[32];
  int has_pin;
  int pin_mismatch; /* set by the verify function, for a clear error */
} plqs_tls;

/* Parses 64 hex digits, colons and spaces allowed between pairs. 0 on success, -1 otherwise. */
int plqs_parse_sha256_hex(const char *hex, uint8_t out[32]);

/* Sets up credentials and a client session for verify_name; conn_ref must be filled by the caller
 * after this returns (its get_conn and user_data). Writes a reason into err on failure. */
int plqs_tls_init(plqs_tls *t, const plqs_config *config, const char *verify_name, char *err, size_t err_len);
/* PLQS_OK when the negotiated ALPN is ours. */
int plqs_tls_check_alpn(plqs_tls *t);
void plqs_tls_free(plqs_tls *t);

#endif
