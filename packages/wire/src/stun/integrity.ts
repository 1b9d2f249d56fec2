/**
 * MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, §14.6)
 * and FINGERPRINT (CRC-32 XOR 0x5354554e, §14.7), computed and verified on raw message bytes.
 *
 * Each MAC covers the message up to, not including, its own attribute, with the header length
 * rewritten to end just after that attribute: attributes that follow it (MESSAGE-INTEGRITY-SHA256
 * after MESSAGE-INTEGRITY, FINGERPRINT after either) are not counted. FINGERPRINT is always last,
 * so its CRC covers the header length as sent.
 *
 * Hashes come from `@noble/hashes` (pure JS, browser-safe).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual, copyBytes, readU32, writeU16 } from '../bytes.js';
import { FINGERPRINT_XOR, STUN_HEADER_LENGTH, StunAttr } from './constants.js';
import { crc32 } from './crc32.js';
import { type AttributeSpan, scanMessage } from './framing.js';

/** Length of a MESSAGE-INTEGRITY value (HMAC-SHA1). */
export const MESSAGE_INTEGRITY_LENGTH = 20;
/** Full length of a MESSAGE-INTEGRITY-SHA256 value; senders may truncate to 16 (§14.6). */
export const MESSAGE_INTEGRITY_SHA256_LENGTH = 32;

/**
 * The bytes a MAC covers: `message[0, attrOffset)` with the header length field set as if the
 * message ended right after an attribute of `valueLength` bytes starting at `attrOffset`.
 */
function macInput(message: Uint8Array, attrOffset: number, valueLength: number): Uint8Array {
  const input = copyBytes(message, 0, attrOffset);
  writeU16(input, 2, attrOffset + 4 + valueLength - STUN_HEADER_LENGTH);
  return input;
}

/** HMAC-SHA1 for a MESSAGE-INTEGRITY attribute that will start at `attrOffset`. */
export function computeMessageIntegrity(
  message: Uint8Array,
  attrOffset: number,
  key: Uint8Array,
): Uint8Array {
  return hmac(sha1, key, macInput(message, attrOffset, MESSAGE_INTEGRITY_LENGTH));
}

/** HMAC-SHA256, truncated to `length` bytes, for MESSAGE-INTEGRITY-SHA256 starting at `attrOffset`. */
export function computeMessageIntegritySha256(
  message: Uint8Array,
  attrOffset: number,
  key: Uint8Array,
  length: number = MESSAGE_INTEGRITY_SHA256_LENGTH,
): Uint8Array {
  return hmac(sha256, key, macInput(message, attrOffset, length)).subarray(0, length);
}

/** FINGERPRINT value for an attribute starting at `attrOffset`; the header length must be final. */
export function computeFingerprint(message: Uint8Array, attrOffset: number): number {
  return (crc32(message.subarray(0, attrOffset)) ^ FINGERPRINT_XOR) >>> 0;
}

function firstSpan(bytes: Uint8Array, type: number): AttributeSpan | undefined {
  const scanned = scanMessage(bytes);
  if (!scanned.ok) return undefined;
  return scanned.value.spans.find((s) => s.type === type);
}

/**
 * Checks the first MESSAGE-INTEGRITY of a received message with `key` (see
 * {@link shortTermKey} / {@link longTermKey}). False when the message is malformed, has no
 * MESSAGE-INTEGRITY, or the HMAC does not match. Attributes after it are allowed and not covered.
 */
export function verifyMessageIntegrity(bytes: Uint8Array, key: Uint8Array): boolean {
  const span = firstSpan(bytes, StunAttr.MessageIntegrity);
  if (span === undefined) return false;
  const expected = computeMessageIntegrity(bytes, span.offset, key);
  return constantTimeEqual(expected, bytes.subarray(span.offset + 4, span.offset + 4 + span.length));
}

/**
 * Checks the first MESSAGE-INTEGRITY-SHA256 of a received message with `key`. Accepts values
 * truncated to 16-28 bytes (RFC 8489 §14.6) by comparing that many leading bytes of the HMAC;
 * the framing check has already refused lengths that are not 16-32 and a multiple of 4.
 */
export function verifyMessageIntegritySha256(bytes: Uint8Array, key: Uint8Array): boolean {
  const span = firstSpan(bytes, StunAttr.MessageIntegritySha256);
  if (span === undefined) return false;
  const expected = computeMessageIntegritySha256(bytes, span.offset, key, span.length);
  return constantTimeEqual(expected, bytes.subarray(span.offset + 4, span.offset + 4 + span.length));
}

/** True when the message is well formed and ends with a FINGERPRINT that matches (§14.7). */
export function verifyFingerprint(bytes: Uint8Array): boolean {
  const span = firstSpan(bytes, StunAttr.Fingerprint);
  if (span === undefined) return false;
  return computeFingerprint(bytes, span.offset) === readU32(bytes, span.offset + 4);
}
