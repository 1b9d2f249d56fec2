/**
 * ERROR-CODE (RFC 8489 §14.8), ADDRESS-ERROR-CODE (RFC 8656 §18.12) and UNKNOWN-ATTRIBUTES
 * (RFC 8489 §14.13).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |  Reserved, should be 0 (ADDRESS-: Family) |Class|    Number     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |      Reason Phrase (variable)                                ..
 *
 * The code is Class * 100 + Number, with Class 3-6 and Number 0-99.
 */
import { readU16, writeU16 } from '../bytes.js';
import { fail, ok, type Result, shiftOffset, WireError, WireErrorCode } from '../errors.js';
import { StunAttr } from './constants.js';
import { decodeText, encodeText } from './text.js';

/**
 * Codes from the IANA "STUN Error Codes" registry: RFC 8489 §14.8, RFC 8656 (TURN), RFC 6062
 * (TURN-TCP), RFC 8016 (mobility) and RFC 8445 (ICE).
 */
export const StunErrorCode = {
  TryAlternate: 300,
  BadRequest: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  MobilityForbidden: 405,
  UnknownAttribute: 420,
  AllocationMismatch: 437,
  StaleNonce: 438,
  AddressFamilyNotSupported: 440,
  WrongCredentials: 441,
  UnsupportedTransportProtocol: 442,
  PeerAddressFamilyMismatch: 443,
  ConnectionAlreadyExists: 446,
  ConnectionTimeoutOrFailure: 447,
  AllocationQuotaReached: 486,
  RoleConflict: 487,
  ServerError: 500,
  InsufficientCapacity: 508,
} as const;

function encodeCodeAndReason(first: number, code: number, reason: string): Uint8Array {
  if (!Number.isInteger(code) || code < 300 || code > 699) {
    throw new WireError(WireErrorCode.StunBadErrorCode, `error code ${code} is not 300-699`);
  }
  const text = encodeText(reason, StunAttr.ErrorCode);
  const out = new Uint8Array(4 + text.length);
  out[0] = first;
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  out.set(text, 4);
  return out;
}

function decodeCodeAndReason(value: Uint8Array): Result<{ code: number; reason: string }> {
  if (value.length < 4)
    return fail(WireErrorCode.StunBadErrorCode, 'error code value shorter than 4 bytes', 0);
  const cls = (value[2] ?? 0) & 0x07; // the 21 bits above Class are reserved and ignored
  const num = value[3] ?? 0;
  if (cls < 3 || cls > 6 || num > 99) {
    return fail(WireErrorCode.StunBadErrorCode, `class ${cls} / number ${num} is not a 300-699 code`, 2);
  }
  const reason = shiftOffset(decodeText(value.subarray(4), StunAttr.ErrorCode), 4);
  if (!reason.ok) return reason;
  return ok({ code: cls * 100 + num, reason: reason.value });
}

/** Encodes ERROR-CODE. Throws STUN_BAD_ERROR_CODE for a code outside 300-699. */
export function encodeErrorCode(e: { code: number; reason: string }): Uint8Array {
  return encodeCodeAndReason(0, e.code, e.reason);
}

/** Decodes ERROR-CODE; the reserved bits are ignored, the reason must be UTF-8 under 128 chars. */
export function decodeErrorCode(value: Uint8Array): Result<{ code: number; reason: string }> {
  return decodeCodeAndReason(value);
}

/** Encodes ADDRESS-ERROR-CODE: which allocation family failed, and why (RFC 8656 §18.12). */
export function encodeAddressErrorCode(e: { family: 4 | 6; code: number; reason: string }): Uint8Array {
  if (e.family !== 4 && e.family !== 6) {
    throw new WireError(WireErrorCode.InvalidArgument, `family ${String(e.family)} is not 4 or 6`);
  }
  return encodeCodeAndReason(e.family === 4 ? 0x01 : 0x02, e.code, e.reason);
}

/** Decodes ADDRESS-ERROR-CODE. */
export function decodeAddressErrorCode(
  value: Uint8Array,
): Result<{ family: 4 | 6; code: number; reason: string }> {
  const f = value[0];
  if (value.length >= 1 && f !== 0x01 && f !== 0x02) {
    return fail(WireErrorCode.StunUnsupportedFamily, `unknown address family ${f}`, 0);
  }
  const rest = decodeCodeAndReason(value);
  if (!rest.ok) return rest;
  return ok({ family: f === 0x01 ? 4 : 6, ...rest.value });
}

/** Encodes UNKNOWN-ATTRIBUTES: the 16-bit types the server did not understand. */
export function encodeUnknownAttributes(types: readonly number[]): Uint8Array {
  if (types.length * 2 > 0xffff)
    throw new WireError(WireErrorCode.InvalidArgument, 'too many attribute types');
  const out = new Uint8Array(types.length * 2);
  types.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t > 0xffff) {
      throw new WireError(WireErrorCode.InvalidArgument, `attribute type ${t} does not fit 16 bits`);
    }
    writeU16(out, 2 * i, t);
  });
  return out;
}

/** Decodes UNKNOWN-ATTRIBUTES; the value must hold whole 16-bit types. */
export function decodeUnknownAttributes(value: Uint8Array): Result<number[]> {
  if (value.length % 2 !== 0) {
    return fail(WireErrorCode.StunBadAttribute, 'UNKNOWN-ATTRIBUTES length is not a multiple of 2', 0);
  }
  const types: number[] = [];
  for (let i = 0; i < value.length; i += 2) types.push(readU16(value, i));
  return ok(types);
}
