#include "tls.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* TLS 1.3 only (QUIC needs it); the compatibility mode's fake ChangeCipherSpec is not allowed in QUIC. */
static const char priority[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:%DISABLE_TLS13_COMPAT_MODE";

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int plqs_parse_sha256_hex(const char *hex, uint8_t out[32]) {
  size_t n = 0;
  for (const char *p = hex; *p != 0;) {
    if (*p == ':' || *p == ' ') {
      p++;
      continue;
    }
    int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
    if (hi < 0 || lo < 0 || n == 32) return -1;
    out[n++] = (uint8_t)(hi << 4 | lo);
    p += 2;
  }
  return n == 32 ? 0 : -1;
}

static plqs_tls *tls_of(gnutls_session_t session) {
  ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
  return (plqs_tls *)(void *)((char *)ref - offsetof(plqs_tls, conn_ref));
}

/* Pinned mode: the leaf certificate's DER must hash to the pin; no chain or name check, since
 * the pin names exactly one certificate (the server's self-signed development one). */
static int verify_pin(gnutls_session_t session) {
  plqs_tls *t = tls_of(session);
  unsigned int n = 0;
  const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
  uint8_t digest[32];
  if (certs == NULL || n == 0 || gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size, digest) < 0) {
    t->pin_mismatch = 1;
    return GNUTLS_E_CERTIFICATE_ERROR;
  }
  uint8_t diff = 0;
  for (size_t i = 0; i < sizeof(digest); i++) diff |= (uint8_t)(digest[i] ^ t->pin[i]);
  t->pin_mismatch = diff != 0;
  return diff == 0 ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

static int is_ip_literal(const char *s) {
  uint8_t buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int plqs_tls_init(plqs_tls *t, const plqs_config *c, const char *verify_name, char *err, size_t err_len) {
  static const gnutls_datum_t alpn = {(unsigned char *)PLQS_ALPN, sizeof(PLQS_ALPN) - 1};
  int rv;
  memset(t, 0, sizeof(*t));
  if (c->pinned_sha256 != NULL) {
    if (plqs_parse_sha256_hex(c->pinned_sha256, t->pin) != 0) {
      snprintf(err, err_len, "pinned_sha256 is not 64 hex digits");
      return PLQS_ERR_INVALID_ARG;
    }
    t->has_pin = 1;
  }
  if ((rv = gnutls_certificate_allocate_credentials(&t->cred)) < 0) goto fail;
  if (!t->has_pin) {
    rv = c->ca_file != NULL ? gnutls_certificate_set_x509_trust_file(t->cred, c->ca_file, GNUTLS_X509_FMT_PEM)
                            : gnutls_certificate_set_x509_system_trust(t->cred);
    if (rv <= 0) {
      snprintf(err, err_len, "no trust anchors loaded from %s: %s", c->ca_file ? c->ca_file : "the system store",
               rv == 0 ? "empty" : gnutls_strerror(rv));
      return PLQS_ERR_TLS;
    }
  }
  if ((rv = gnutls_init(&t->session, GNUTLS_CLIENT)) < 0) goto fail;
  if (ngtcp2_crypto_gnutls_configure_client_session(t->session) != 0) {
    snprintf(err, err_len, "ngtcp2_crypto_gnutls_configure_client_session failed");
    return PLQS_ERR_TLS;
  }
  if ((rv = gnutls_priority_set_direct(t->session, priority, NULL)) < 0) goto fail;
  if ((rv = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0) goto fail;
  if ((rv = gnutls_alpn_set_protocols(t->session, &alpn, 1, GNUTLS_ALPN_MANDATORY)) < 0) goto fail;
  gnutls_session_set_ptr(t->session, &t->conn_ref);
  /* RFC 6066 §3: no SNI for an address literal. */
  if (!is_ip_literal(verify_name) &&
      (rv = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, verify_name, strlen(verify_name))) < 0)
    goto fail;
  if (t->has_pin) gnutls_session_set_verify_function(t->session, verify_pin);
  else gnutls_session_set_verify_cert(t->session, verify_name, 0);
  return PLQS_OK;
fail:
  snprintf(err, err_len, "gnutls: %s", gnutls_strerror(rv));
  return PLQS_ERR_TLS;
}

int plqs_tls_check_alpn(plqs_tls *t) {
  gnutls_datum_t sel = {NULL, 0};
  if (gnutls_alpn_get_selected_protocol(t->session, &sel) < 0) return PLQS_ERR_TLS;
  return sel.size == sizeof(PLQS_ALPN) - 1 && memcmp(sel.data, PLQS_ALPN, sel.size) == 0 ? PLQS_OK : PLQS_ERR_TLS;
}

void plqs_tls_free(plqs_tls *t) {
  if (t->session != NULL) gnutls_deinit(t->session);
  if (t->cred != NULL) gnutls_certificate_free_credentials(t->cred);
  t->session = NULL;
  t->cred = NULL;
}
