/* Length-prefixed frames (docs/quic-signaling.md, Framing): a 4-byte big-endian length N, then N
 * bytes of UTF-8 JSON, 1 <= N <= PLQS_MAX_FRAME_LEN. Pure: no I/O, no time. */
#ifndef PLQS_FRAME_H
#define PLQS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define PLQS_FRAME_HEADER_LEN 4

/* Allocates header + body in one block (*out, *out_len). PLQS_ERR_TOO_LARGE / INVALID_ARG on a
 * length outside 1..PLQS_MAX_FRAME_LEN. */
int plqs_frame_encode(const char *body, size_t body_len, uint8_t **out, size_t *out_len);

/* Reassembles frames from stream bytes that arrive in pieces of any size. */
typedef struct plqs_frame_decoder {
  uint8_t header[PLQS_FRAME_HEADER_LEN];
  size_t header_have;
  uint8_t *body; /* PLQS_MAX_FRAME_LEN + 1 bytes, allocated on first use; body[len] = 0 */
  uint32_t body_need;
  uint32_t body_have;
  int failed;
} plqs_frame_decoder;

void plqs_frame_decoder_init(plqs_frame_decoder *d);
void plqs_frame_decoder_free(plqs_frame_decoder *d);

/* Consumes bytes from data[0..len) into the decoder; *consumed says how many. Returns 1 with
 * frame and frame_len set (NUL-terminated, valid until the next call) when a frame is complete, 0
 * when all input was consumed without completing one, or a negative plqs_status (a length of 0 or
 * over the limit: PLQS_ERR_TOO_LARGE / PLQS_ERR_PROTOCOL; after that the decoder stays failed). */
int plqs_frame_decoder_feed(plqs_frame_decoder *d, const uint8_t *data, size_t len, size_t *consumed,
                            const char **frame, size_t *frame_len);

#endif
