/**
 * STUN message codec (RFC 8489 §5, §14; compatible with RFC 5389).
 *
 * A message is a method, a class, a 12-byte transaction id and an ordered list of raw attribute
 * TLVs. Typed attribute values are read and written by the helpers in the sibling files; this
 * layer only frames them, and appends MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT when asked, in that order (§14.5-§14.7).
 */
import { copyBytes, isUint, pad4, writeU16, writeU32 } from '../bytes.js';
import { ok, type Result, WireError, WireErrorCode } from '../errors.js';
import {
  MAGIC_COOKIE,
  STUN_HEADER_LENGTH,
  StunAttr,
  stunAttributeName,
  type StunClassValue,
  TRANSACTION_ID_LENGTH,
} from './constants.js';
import { encodeMessageType, scanMessage } from './framing.js';
import {
  computeFingerprint,
  computeMessageIntegrity,
  computeMessageIntegritySha256,
  MESSAGE_INTEGRITY_LENGTH,
  MESSAGE_INTEGRITY_SHA256_LENGTH,
} from './integrity.js';

/** One attribute as it sits on the wire: type and value, without the padding. */
export interface StunAttribute {
  type: number;
  value: Uint8Array;
}

export interface StunMessage {
  method: number;
  cls: StunClassValue;
  /** 12 bytes. */
  transactionId: Uint8Array;
  attributes: StunAttribute[];
}

/**
 * Options for {@link encodeStunMessage}. Every field defaults to "off"; `undefined` means the
 * same as leaving the field out, so optional keys can be passed straight through.
 */
export interface EncodeStunOptions {
  /** Append MESSAGE-INTEGRITY (HMAC-SHA1) with this key (RFC 8489 §14.5). */
  integrityKey?: Uint8Array | undefined;
  /** Append MESSAGE-INTEGRITY-SHA256 with this key, after MESSAGE-INTEGRITY if both (§14.6). */
  integritySha256Key?: Uint8Array | undefined;
  /** Truncate MESSAGE-INTEGRITY-SHA256 to 16-32 bytes, a multiple of 4. Default 32. */
  integritySha256Length?: number | undefined;
  /** Append FINGERPRINT last (§14.7). */
  fingerprint?: boolean | undefined;
  /**
   * The byte used to pad attribute values to 32 bits. Default 0, as RFC 8489 §14 requires.
   * RFC 5389 let padding be any value; set this only to reproduce old captures or the RFC 5769
   * vectors, which pad with spaces (0x20).
   */
  paddingByte?: number | undefined;
}

/** The largest value of the 16-bit length field that is a multiple of 4. */
const MAX_BODY_LENGTH = 0xfffc;

/** Returns the first attribute of `type`, as RFC 8489 §14 says receivers should process. */
export function findAttribute(msg: StunMessage, type: number): StunAttribute | undefined {
  return msg.attributes.find((a) => a.type === type);
}

/** 12 random bytes for a new transaction (RFC 8489 §6). Defaults to `crypto.getRandomValues`. */
export function newTransactionId(random?: (n: number) => Uint8Array): Uint8Array {
  const id =
    random !== undefined
      ? random(TRANSACTION_ID_LENGTH)
      : globalThis.crypto.getRandomValues(new Uint8Array(TRANSACTION_ID_LENGTH));
  if (id.length !== TRANSACTION_ID_LENGTH) {
    throw new WireError(WireErrorCode.InvalidArgument, `random source returned ${id.length} bytes, not 12`);
  }
  return copyBytes(id);
}

/**
 * Decodes one whole STUN message (a UDP datagram, or one frame cut with {@link stunFrameLength}).
 * Never throws: malformed input yields a WireError with a stable code and the offset of the
 * offending structure.
 *
 * Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and
 * after MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are dropped, as RFC 8489 §14.5 and
 * §14.6 require receivers to ignore them: they are not covered by the MAC. Values are copies,
 * so the input buffer may be reused.
 */
export function decodeStunMessage(bytes: Uint8Array): Result<StunMessage> {
  const scanned = scanMessage(bytes);
  if (!scanned.ok) return scanned;
  const { method, cls, spans } = scanned.value;
  const attributes: StunAttribute[] = [];
  let afterIntegrity = false;
  let afterIntegritySha256 = false;
  for (const span of spans) {
    const kept =
      span.type === StunAttr.Fingerprint ||
      (span.type === StunAttr.MessageIntegritySha256 && !afterIntegritySha256) ||
      (!afterIntegrity && !afterIntegritySha256);
    if (!kept) continue;
    if (span.type === StunAttr.MessageIntegrity) afterIntegrity = true;
    if (span.type === StunAttr.MessageIntegritySha256) afterIntegritySha256 = true;
    const start = span.offset + 4;
    attributes.push({ type: span.type, value: copyBytes(bytes, start, start + span.length) });
  }
  return ok({ method, cls, transactionId: copyBytes(bytes, 8, 20), attributes });
}

function invalid(message: string): WireError {
  return new WireError(WireErrorCode.InvalidArgument, message);
}

function checkMessage(msg: StunMessage, opts: EncodeStunOptions): void {
  if (!isUint(msg.method, 0xfff)) throw invalid(`method ${msg.method} does not fit 12 bits`);
  if (!isUint(msg.cls, 3)) throw invalid(`class ${String(msg.cls)} is not 0-3`);
  if (msg.transactionId.length !== TRANSACTION_ID_LENGTH) {
    throw invalid(`transaction id has ${msg.transactionId.length} bytes, not 12`);
  }
  // Types that may not precede what the options append: appending after them would break the
  // MI, MI-SHA256, FINGERPRINT order (RFC 8489 §14.5-§14.7).
  const blocked = new Set<number>();
  if (opts.fingerprint === true) blocked.add(StunAttr.Fingerprint);
  if (opts.integritySha256Key !== undefined) {
    blocked.add(StunAttr.Fingerprint).add(StunAttr.MessageIntegritySha256);
  }
  if (opts.integrityKey !== undefined) {
    blocked.add(StunAttr.Fingerprint).add(StunAttr.MessageIntegritySha256).add(StunAttr.MessageIntegrity);
  }
  for (const a of msg.attributes) {
    if (!isUint(a.type, 0xffff)) throw invalid(`attribute type ${a.type} does not fit 16 bits`);
    if (a.value.length > 0xffff) throw invalid(`attribute value of ${a.value.length} bytes is too long`);
    if (blocked.has(a.type)) {
      throw invalid(
        `attributes already hold ${stunAttributeName(a.type)}, which must follow what options append`,
      );
    }
  }
  const shaLength = opts.integritySha256Length ?? MESSAGE_INTEGRITY_SHA256_LENGTH;
  if (!isUint(shaLength, 32) || shaLength < 16 || shaLength % 4 !== 0) {
    throw invalid('integritySha256Length must be 16-32 and a multiple of 4 (RFC 8489 §14.6)');
  }
  if (opts.paddingByte !== undefined && !isUint(opts.paddingByte, 0xff)) {
    throw invalid(`paddingByte ${opts.paddingByte} is not a byte`);
  }
}

/**
 * Encodes a message, then appends MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
 * as the options ask, each computed with the header length fixed up as RFC 8489 §14.5-§14.7
 * describe. Attributes are written in the order given, raw: security attributes already in
 * `msg.attributes` are written as they are (for replaying captures or re-encoding a decoded
 * message), but options may not append one that would then come out of order, e.g. a
 * FINGERPRINT when the list already holds one.
 * Throws a WireError (WIRE_INVALID_ARGUMENT) for values that cannot be encoded.
 */
export function encodeStunMessage(msg: StunMessage, opts: EncodeStunOptions = {}): Uint8Array {
  checkMessage(msg, opts);
  const shaLength = opts.integritySha256Length ?? MESSAGE_INTEGRITY_SHA256_LENGTH;
  let bodyLength = 0;
  for (const a of msg.attributes) bodyLength += 4 + pad4(a.value.length);
  if (opts.integrityKey !== undefined) bodyLength += 4 + MESSAGE_INTEGRITY_LENGTH;
  if (opts.integritySha256Key !== undefined) bodyLength += 4 + shaLength;
  if (opts.fingerprint === true) bodyLength += 8;
  if (bodyLength > MAX_BODY_LENGTH) throw invalid(`message body of ${bodyLength} bytes exceeds 65532`);

  const out = new Uint8Array(STUN_HEADER_LENGTH + bodyLength);
  writeU16(out, 0, encodeMessageType(msg.method, msg.cls));
  writeU32(out, 4, MAGIC_COOKIE);
  out.set(msg.transactionId, 8);
  let at = STUN_HEADER_LENGTH;
  const padding = opts.paddingByte ?? 0;
  for (const a of msg.attributes) {
    writeU16(out, at, a.type);
    writeU16(out, at + 2, a.value.length);
    out.set(a.value, at + 4);
    const end = at + 4 + pad4(a.value.length);
    if (padding !== 0) out.fill(padding, at + 4 + a.value.length, end);
    at = end;
  }
  if (opts.integrityKey !== undefined) {
    const mac = computeMessageIntegrity(out, at, opts.integrityKey);
    writeU16(out, at, StunAttr.MessageIntegrity);
    writeU16(out, at + 2, MESSAGE_INTEGRITY_LENGTH);
    out.set(mac, at + 4);
    at += 4 + MESSAGE_INTEGRITY_LENGTH;
  }
  if (opts.integritySha256Key !== undefined) {
    const mac = computeMessageIntegritySha256(out, at, opts.integritySha256Key, shaLength);
    writeU16(out, at, StunAttr.MessageIntegritySha256);
    writeU16(out, at + 2, shaLength);
    out.set(mac, at + 4);
    at += 4 + shaLength;
  }
  // FINGERPRINT is last, so from here on the header length is the final one.
  writeU16(out, 2, bodyLength);
  if (opts.fingerprint === true) {
    writeU16(out, at, StunAttr.Fingerprint);
    writeU16(out, at + 2, 4);
    writeU32(out, at + 4, computeFingerprint(out, at));
  }
  return out;
}
