#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "peerlink/quic_signaling.h"
#include "unit.h"

/* Feeds `len` bytes in pieces of at most `piece` bytes; returns frames seen, copies the last one. */
static int feed_all(plqs_frame_decoder *d, const uint8_t *data, size_t len, size_t piece, char *last, int *error) {
  int frames = 0;
  for (size_t off = 0; off < len;) {
    size_t n = len - off < piece ? len - off : piece;
    for (size_t pos = 0; pos < n;) {
      size_t used;
      const char *f;
      size_t flen;
      int rc = plqs_frame_decoder_feed(d, data + off + pos, n - pos, &used, &f, &flen);
      pos += used;
      if (rc < 0) {
        *error = rc;
        return frames;
      }
      if (rc == 1) {
        frames++;
        memcpy(last, f, flen + 1);
      }
      if (rc == 0 && used == 0) break;
    }
    off += n;
  }
  return frames;
}

static void encodes_big_endian_prefix(void) {
  uint8_t *out;
  size_t len;
  CHECK(plqs_frame_encode("{\"a\":1}", 7, &out, &len) == PLQS_OK);
  CHECK(len == 11 && out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 7 && memcmp(out + 4, "{\"a\":1}", 7) == 0);
  free(out);
  CHECK(plqs_frame_encode("x", 0, &out, &len) == PLQS_ERR_INVALID_ARG);
  char *big = calloc(1, PLQS_MAX_FRAME_LEN + 1);
  CHECK(plqs_frame_encode(big, PLQS_MAX_FRAME_LEN + 1, &out, &len) == PLQS_ERR_TOO_LARGE);
  CHECK(plqs_frame_encode(big, PLQS_MAX_FRAME_LEN, &out, &len) == PLQS_OK && out[1] == 1 && out[2] == 0);
  free(out);
  free(big);
}

static void reassembles_any_split(void) {
  const char *bodies[] = {"{\"messageType\":\"JOINED\"}", "{}", "{\"x\":\"yz\"}"};
  uint8_t stream[256];
  size_t len = 0;
  for (int i = 0; i < 3; i++) {
    uint8_t *f;
    size_t flen;
    plqs_frame_encode(bodies[i], strlen(bodies[i]), &f, &flen);
    memcpy(stream + len, f, flen);
    len += flen;
    free(f);
  }
  for (size_t piece = 1; piece <= len; piece++) {
    plqs_frame_decoder d;
    plqs_frame_decoder_init(&d);
    char last[64] = "";
    int err = 0;
    CHECK(feed_all(&d, stream, len, piece, last, &err) == 3 && err == 0);
    CHECK(strcmp(last, bodies[2]) == 0);
    plqs_frame_decoder_free(&d);
  }
}

static void refuses_bad_lengths(void) {
  const uint8_t zero[] = {0, 0, 0, 0, '{'};
  const uint8_t over[] = {0, 1, 0, 1, '{'}; /* 65537 */
  const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
  const uint8_t *cases[] = {zero, over, huge};
  const int want[] = {PLQS_ERR_PROTOCOL, PLQS_ERR_TOO_LARGE, PLQS_ERR_TOO_LARGE};
  for (int i = 0; i < 3; i++) {
    plqs_frame_decoder d;
    plqs_frame_decoder_init(&d);
    char last[8];
    int err = 0;
    CHECK(feed_all(&d, cases[i], 4, 1, last, &err) == 0 && err == want[i]);
    /* A failed decoder stays failed: no resynchronising on garbage. */
    size_t used;
    const char *f;
    size_t flen;
    CHECK(plqs_frame_decoder_feed(&d, (const uint8_t *)"\0\0\0\1x", 5, &used, &f, &flen) == PLQS_ERR_PROTOCOL);
    plqs_frame_decoder_free(&d);
  }
}

static void random_bytes_never_crash(void) {
  unsigned seed = 12345;
  uint8_t buf[4096];
  for (int round = 0; round < 200; round++) {
    size_t len = plqs_unit_rand(&seed) % sizeof(buf);
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)plqs_unit_rand(&seed);
    if (round % 2) buf[0] = 0, buf[1] = 0; /* plausible lengths half the time */
    plqs_frame_decoder d;
    plqs_frame_decoder_init(&d);
    char *last = malloc(PLQS_MAX_FRAME_LEN + 1);
    int err = 0;
    feed_all(&d, buf, len, 1 + plqs_unit_rand(&seed) % 64, last, &err);
    CHECK(err == 0 || err == PLQS_ERR_PROTOCOL || err == PLQS_ERR_TOO_LARGE);
    free(last);
    plqs_frame_decoder_free(&d);
  }
}

void test_frame(void) {
  encodes_big_endian_prefix();
  reassembles_any_split();
  refuses_bad_lengths();
  random_bytes_never_crash();
}
