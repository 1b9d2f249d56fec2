/**
 * UTF-8 text attributes: USERNAME (RFC 8489 §14.3), REALM (§14.9), NONCE (§14.10), SOFTWARE
 * (§14.14), ALTERNATE-DOMAIN (§14.16), and the ERROR-CODE reason phrase (§14.8).
 *
 * Decoding is strict UTF-8 (a malformed sequence is an error, not U+FFFD) and enforces the
 * RFC length limit of the attribute when its type is given; without a type only the largest
 * limit any of them has (763 bytes) applies.
 */
import { utf8Decode, utf8Encode } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';
import { StunAttr } from './constants.js';

/** A length limit: bytes of UTF-8, and optionally characters (Unicode code points). */
export interface TextLimit {
  maxBytes: number;
  maxChars?: number;
}

/** "Fewer than 128 characters, which can be as long as 763 bytes" (RFC 8489 §14.8-§14.10, §14.14). */
const SHORT_TEXT: TextLimit = { maxBytes: 763, maxChars: 127 };

/** The RFC limits per attribute type. */
export const TEXT_LIMITS: ReadonlyMap<number, TextLimit> = new Map<number, TextLimit>([
  [StunAttr.Username, { maxBytes: 508 }], // "fewer than 509 bytes", §14.3
  [StunAttr.Realm, SHORT_TEXT],
  [StunAttr.Nonce, SHORT_TEXT],
  [StunAttr.Software, SHORT_TEXT],
  [StunAttr.ErrorCode, SHORT_TEXT], // the reason phrase
  [StunAttr.AlternateDomain, { maxBytes: 255 }], // a DNS name
]);

const DEFAULT_LIMIT: TextLimit = { maxBytes: 763 };

function limitFor(type: number | undefined): TextLimit {
  return (type === undefined ? undefined : TEXT_LIMITS.get(type)) ?? DEFAULT_LIMIT;
}

function countChars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Why `s` (encoded as `bytes`) breaks `limit`, or undefined when it fits. */
function overLimit(s: string, bytes: Uint8Array, limit: TextLimit): string | undefined {
  if (bytes.length > limit.maxBytes) return `text of ${bytes.length} bytes exceeds ${limit.maxBytes}`;
  if (limit.maxChars !== undefined && countChars(s) > limit.maxChars) {
    return `text exceeds ${limit.maxChars} characters`;
  }
  return undefined;
}

/**
 * Encodes a text attribute value as UTF-8. With `type`, enforces that attribute's RFC limit
 * (e.g. `encodeText(name, StunAttr.Username)`). Throws STUN_TEXT_TOO_LONG when over the limit.
 * Lone UTF-16 surrogates are replaced with U+FFFD by the UTF-8 encoder.
 */
export function encodeText(s: string, type?: number): Uint8Array {
  const bytes = utf8Encode(s);
  const why = overLimit(s, bytes, limitFor(type));
  if (why !== undefined) throw new WireError(WireErrorCode.StunTextTooLong, why);
  return bytes;
}

/** Decodes a text attribute value; STUN_BAD_TEXT for invalid UTF-8, STUN_TEXT_TOO_LONG past the limit. */
export function decodeText(value: Uint8Array, type?: number): Result<string> {
  const limit = limitFor(type);
  // Check the byte limit before decoding so hostile input costs no more than the limit.
  if (value.length > limit.maxBytes) {
    return fail(WireErrorCode.StunTextTooLong, `text of ${value.length} bytes exceeds ${limit.maxBytes}`, 0);
  }
  const s = utf8Decode(value);
  if (s === undefined) return fail(WireErrorCode.StunBadText, 'text is not valid UTF-8', 0);
  const why = overLimit(s, value, limit);
  if (why !== undefined) return fail(WireErrorCode.StunTextTooLong, why, 0);
  return ok(s);
}
