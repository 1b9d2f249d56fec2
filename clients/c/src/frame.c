#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "peerlink/quic_signaling.h"

int plqs_frame_encode(const char *body, size_t body_len, uint8_t **out, size_t *out_len) {
  if (body == NULL || out == NULL || out_len == NULL || body_len == 0) return PLQS_ERR_INVALID_ARG;
  if (body_len > PLQS_MAX_FRAME_LEN) return PLQS_ERR_TOO_LARGE;
  uint8_t *buf = malloc(PLQS_FRAME_HEADER_LEN + body_len);
  if (buf == NULL) return PLQS_ERR_NOMEM;
  buf[0] = (uint8_t)(body_len >> 24);
  buf[1] = (uint8_t)(body_len >> 16);
  buf[2] = (uint8_t)(body_len >> 8);
  buf[3] = (uint8_t)body_len;
  memcpy(buf + PLQS_FRAME_HEADER_LEN, body, body_len);
  *out = buf;
  *out_len = PLQS_FRAME_HEADER_LEN + body_len;
  return PLQS_OK;
}

void plqs_frame_decoder_init(plqs_frame_decoder *d) { memset(d, 0, sizeof(*d)); }

void plqs_frame_decoder_free(plqs_frame_decoder *d) {
  free(d->body);
  memset(d, 0, sizeof(*d));
}

int plqs_frame_decoder_feed(plqs_frame_decoder *d, const uint8_t *data, size_t len, size_t *consumed,
                            const char **frame, size_t *frame_len) {
  size_t pos = 0;
  *consumed = 0;
  if (d->failed) return PLQS_ERR_PROTOCOL;
  /* A frame returned by the previous call is done with: start the next one. */
  if (d->header_have == PLQS_FRAME_HEADER_LEN && d->body_have == d->body_need) {
    d->header_have = 0;
    d->body_have = 0;
    d->body_need = 0;
  }
  while (d->header_have < PLQS_FRAME_HEADER_LEN && pos < len) d->header[d->header_have++] = data[pos++];
  if (d->header_have < PLQS_FRAME_HEADER_LEN) {
    *consumed = pos;
    return 0;
  }
  if (d->body_need == 0) {
    uint32_t n = ((uint32_t)d->header[0] << 24) | ((uint32_t)d->header[1] << 16) |
                 ((uint32_t)d->header[2] << 8) | (uint32_t)d->header[3];
    if (n == 0 || n > PLQS_MAX_FRAME_LEN) {
      d->failed = 1;
      *consumed = pos;
      return n == 0 ? PLQS_ERR_PROTOCOL : PLQS_ERR_TOO_LARGE;
    }
    if (d->body == NULL && (d->body = malloc(PLQS_MAX_FRAME_LEN + 1)) == NULL) {
      d->failed = 1;
      return PLQS_ERR_NOMEM;
    }
    d->body_need = n;
  }
  size_t take = d->body_need - d->body_have;
  if (take > len - pos) take = len - pos;
  memcpy(d->body + d->body_have, data + pos, take);
  d->body_have += (uint32_t)take;
  pos += take;
  *consumed = pos;
  if (d->body_have < d->body_need) return 0;
  d->body[d->body_need] = 0;
  *frame = (const char *)d->body;
  *frame_len = d->body_need;
  return 1;
}
