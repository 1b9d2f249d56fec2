/**
 * ChannelData messages (RFC 8656 §12.4): a 4-byte header, then the application data.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Channel Number        |            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                       Application Data                        /
 *
 * The first two bits are 01, which tells ChannelData apart from STUN (00) on the same socket
 * (RFC 7983). RFC 8656 §12 narrowed client channels to 0x4000-0x4FFF, but RFC 5766 §11 allowed
 * 0x4000-0x7FFF and coturn's clients still pick numbers like 0x7c28, so the codec accepts the old
 * range ({@link LEGACY_CHANNEL_NUMBER_MAX}). Over TCP and TLS the message is padded to a multiple
 * of four bytes (§12.5); over UDP padding is allowed and ignored.
 */
import { readU16, writeU16 } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';
import { CHANNEL_NUMBER_MIN } from '../stun/turn-attributes.js';

export const CHANNEL_DATA_HEADER_LENGTH = 4;

/** The top of the RFC 5766 §11 channel range; ChannelBind allows up to 0x7FFE. */
export const LEGACY_CHANNEL_NUMBER_MAX = 0x7fff;

export interface ChannelData {
  readonly channel: number;
  /** A view into the decoder's input: copy it before reusing the buffer. */
  readonly data: Uint8Array;
}

/** True when the first byte says ChannelData (0x40-0x7F), before any length check. */
export function isChannelData(bytes: Uint8Array): boolean {
  const first = bytes[0];
  return first !== undefined && first >= 0x40 && first <= 0x7f;
}

/**
 * Decodes a ChannelData message. Bytes after the declared length are padding and are ignored
 * (at most 3 over a stream; any amount in a UDP datagram, §12.4). Never throws.
 */
export function decodeChannelData(bytes: Uint8Array): Result<ChannelData> {
  if (bytes.length < CHANNEL_DATA_HEADER_LENGTH) {
    return fail(WireErrorCode.StunTruncated, 'ChannelData shorter than its 4-byte header', 0);
  }
  const channel = readU16(bytes, 0);
  if (channel < CHANNEL_NUMBER_MIN || channel > LEGACY_CHANNEL_NUMBER_MAX) {
    return fail(WireErrorCode.StunNotStun, `channel number 0x${channel.toString(16)} out of range`, 0);
  }
  const length = readU16(bytes, 2);
  if (bytes.length - CHANNEL_DATA_HEADER_LENGTH < length) {
    return fail(WireErrorCode.StunTruncated, `ChannelData declares ${length} bytes of data`, 2);
  }
  return ok({
    channel,
    data: bytes.subarray(CHANNEL_DATA_HEADER_LENGTH, CHANNEL_DATA_HEADER_LENGTH + length),
  });
}

/** Where an encoder writes its output: `n` bytes, zeroed or not (every byte is written over). */
export type ByteAllocator = (n: number) => Uint8Array;

const newBytes: ByteAllocator = (n) => new Uint8Array(n);

/**
 * Encodes a ChannelData message. `pad` rounds the message up to a multiple of four bytes, which
 * TCP and TLS require (§12.5). `alloc` gives the output's memory (a relay's shared slab, so that
 * no datagram costs an allocation of its own); a fresh array when unset. Throws for a channel
 * outside 0x4000-0x7FFF or data over 65535 bytes.
 */
export function encodeChannelData(
  channel: number,
  data: Uint8Array,
  pad = false,
  alloc: ByteAllocator = newBytes,
): Uint8Array {
  if (!Number.isInteger(channel) || channel < CHANNEL_NUMBER_MIN || channel > LEGACY_CHANNEL_NUMBER_MAX) {
    throw new WireError(WireErrorCode.InvalidArgument, `channel number ${channel} is not 0x4000-0x7FFF`);
  }
  if (data.length > 0xffff) {
    throw new WireError(WireErrorCode.InvalidArgument, `ChannelData of ${data.length} bytes is too long`);
  }
  const body = CHANNEL_DATA_HEADER_LENGTH + data.length;
  const size = pad ? (body + 3) & ~3 : body;
  const out = alloc(size);
  writeU16(out, 0, channel);
  writeU16(out, 2, data.length);
  out.set(data, CHANNEL_DATA_HEADER_LENGTH);
  out.fill(0, body, size); // padding: the allocator's memory may hold an older message
  return out;
}
