/**
 * The STUN header and the attribute TLV walk (RFC 8489 §5, §6, §14), shared by the message
 * decoder and the integrity checks so that both agree on what a well-formed message is.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Magic Cookie                          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     Transaction ID (96 bits)                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Classic RFC 3489 messages (no magic cookie) are not STUN to this codec.
 */
import { readU16, readU32 } from '../bytes.js';
import { fail, ok, type Result, WireErrorCode } from '../errors.js';
import { MAGIC_COOKIE, STUN_HEADER_LENGTH, StunAttr, type StunClassValue } from './constants.js';

/** Where one attribute sits in a message: `offset` is the start of its 4-byte TLV header. */
export interface AttributeSpan {
  type: number;
  offset: number;
  length: number;
}

export interface ScannedMessage {
  method: number;
  cls: StunClassValue;
  spans: AttributeSpan[];
}

/** Packs method and class into the 14-bit message type (RFC 8489 §5, Figure 3). */
export function encodeMessageType(method: number, cls: StunClassValue): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((cls & 0b01) << 4) |
    ((cls & 0b10) << 7)
  );
}

/** Splits a message type into method and class (RFC 8489 §5, Figure 3). */
export function decodeMessageType(type: number): { method: number; cls: StunClassValue } {
  const method = (type & 0x000f) | ((type >>> 1) & 0x0070) | ((type >>> 2) & 0x0f80);
  const cls = (((type >>> 4) & 0b01) | ((type >>> 7) & 0b10)) as StunClassValue;
  return { method, cls };
}

/**
 * Cheap demultiplexing test (RFC 8489 §7, RFC 7983): at least a header, the top two bits zero,
 * the magic cookie, and a length that is a multiple of 4 and accounts for every byte given.
 * Attributes are not looked at; use {@link decodeStunMessage} for that.
 */
export function isStunMessage(bytes: Uint8Array): boolean {
  if (bytes.length < STUN_HEADER_LENGTH) return false;
  if (((bytes[0] ?? 0) & 0xc0) !== 0) return false;
  if (readU32(bytes, 4) !== MAGIC_COOKIE) return false;
  const length = readU16(bytes, 2);
  return length % 4 === 0 && STUN_HEADER_LENGTH + length === bytes.length;
}

/**
 * Total size of the STUN message starting at `bytes[0]`, read from its header, for framing a
 * byte stream (STUN over TCP/TLS, RFC 8489 §6.2.2). Needs the first 8 bytes (length and cookie);
 * STUN_TRUNCATED means "wait for more", any other error means the stream is not at a STUN message.
 */
export function stunFrameLength(bytes: Uint8Array): Result<number> {
  if (bytes.length < 8) return fail(WireErrorCode.StunTruncated, 'need 8 bytes to frame a STUN message', 0);
  if (((bytes[0] ?? 0) & 0xc0) !== 0) return fail(WireErrorCode.StunNotStun, 'top two bits are not zero', 0);
  if (readU32(bytes, 4) !== MAGIC_COOKIE) return fail(WireErrorCode.StunNotStun, 'no magic cookie', 4);
  const length = readU16(bytes, 2);
  if (length % 4 !== 0) return fail(WireErrorCode.StunBadLength, 'length is not a multiple of 4', 2);
  return ok(STUN_HEADER_LENGTH + length);
}

/** Value lengths fixed by the RFC for the attributes that protect the message. */
function checkSecurityLength(type: number, length: number): string | undefined {
  switch (type) {
    case StunAttr.MessageIntegrity:
      return length === 20 ? undefined : 'MESSAGE-INTEGRITY value must be 20 bytes (RFC 8489 §14.5)';
    case StunAttr.MessageIntegritySha256:
      return length >= 16 && length <= 32 && length % 4 === 0
        ? undefined
        : 'MESSAGE-INTEGRITY-SHA256 value must be 16-32 bytes, a multiple of 4 (RFC 8489 §14.6)';
    case StunAttr.Fingerprint:
      return length === 4 ? undefined : 'FINGERPRINT value must be 4 bytes (RFC 8489 §14.7)';
    default:
      return undefined;
  }
}

/**
 * Validates the header and walks the attribute TLVs of a whole message without copying.
 * Every attribute must fit, padded to 32 bits, inside the declared length; the declared length
 * must cover exactly the bytes given; FINGERPRINT, if present, must be last.
 */
export function scanMessage(bytes: Uint8Array): Result<ScannedMessage> {
  if (bytes.length < STUN_HEADER_LENGTH) {
    return fail(WireErrorCode.StunTruncated, `a STUN header needs 20 bytes, got ${bytes.length}`, 0);
  }
  const type = readU16(bytes, 0);
  if ((type & 0xc000) !== 0) return fail(WireErrorCode.StunNotStun, 'top two bits are not zero', 0);
  if (readU32(bytes, 4) !== MAGIC_COOKIE) return fail(WireErrorCode.StunNotStun, 'no magic cookie', 4);
  const length = readU16(bytes, 2);
  if (length % 4 !== 0)
    return fail(WireErrorCode.StunBadLength, `length ${length} is not a multiple of 4`, 2);
  const end = STUN_HEADER_LENGTH + length;
  if (end > bytes.length) {
    return fail(WireErrorCode.StunTruncated, `length ${length} runs past the ${bytes.length} bytes given`, 2);
  }
  if (end < bytes.length) {
    return fail(WireErrorCode.StunBadLength, `${bytes.length - end} bytes follow the declared length`, end);
  }
  const spans: AttributeSpan[] = [];
  let at = STUN_HEADER_LENGTH;
  let sawFingerprint = false;
  // `end - at` stays a multiple of 4, so whenever a value fits, its padding fits too.
  while (at < end) {
    if (sawFingerprint) {
      return fail(WireErrorCode.StunAttributeOrder, 'attribute after FINGERPRINT (RFC 8489 §14.7)', at);
    }
    const attrType = readU16(bytes, at);
    const attrLength = readU16(bytes, at + 2);
    if (at + 4 + attrLength > end) {
      return fail(WireErrorCode.StunBadAttribute, `attribute length ${attrLength} runs past the message`, at);
    }
    const bad = checkSecurityLength(attrType, attrLength);
    if (bad !== undefined) return fail(WireErrorCode.StunBadAttribute, bad, at);
    spans.push({ type: attrType, offset: at, length: attrLength });
    sawFingerprint = attrType === StunAttr.Fingerprint;
    at += 4 + ((attrLength + 3) & ~3);
  }
  return ok({ ...decodeMessageType(type), spans });
}
