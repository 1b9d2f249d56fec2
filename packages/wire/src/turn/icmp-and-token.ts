/**
 * The two TURN attribute values with their own layout not covered elsewhere:
 *
 * ICMP (RFC 8656 §18.13), carried in Data indications to report an ICMP error from a peer:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |  Reserved                     |  ICMP Type    |  ICMP Code    |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                          Error Data                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RESERVATION-TOKEN (§18.10): 8 opaque bytes naming a port the server holds for a later Allocate.
 */
import { readU32, writeU32 } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';

export interface IcmpAttribute {
  readonly type: number;
  readonly code: number;
  /** Type-specific, e.g. the next-hop MTU for "fragmentation needed" (RFC 8656 §11.5). */
  readonly errorData: number;
}

export function encodeIcmp(v: IcmpAttribute): Uint8Array {
  for (const [what, n, max] of [
    ['ICMP type', v.type, 0xff],
    ['ICMP code', v.code, 0xff],
    ['error data', v.errorData, 0xffffffff],
  ] as const) {
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new WireError(WireErrorCode.InvalidArgument, `${what} ${n} is not 0-${max}`);
    }
  }
  const out = new Uint8Array(8);
  out[2] = v.type;
  out[3] = v.code;
  writeU32(out, 4, v.errorData);
  return out;
}

export function decodeIcmp(value: Uint8Array): Result<IcmpAttribute> {
  if (value.length !== 8) {
    return fail(WireErrorCode.StunBadAttribute, `ICMP value must be 8 bytes, got ${value.length}`, 0);
  }
  return ok({ type: value[2] ?? 0, code: value[3] ?? 0, errorData: readU32(value, 4) });
}

export const RESERVATION_TOKEN_LENGTH = 8;

/** Checks a RESERVATION-TOKEN value and returns a copy (RFC 8656 §18.10). */
export function decodeReservationToken(value: Uint8Array): Result<Uint8Array> {
  if (value.length !== RESERVATION_TOKEN_LENGTH) {
    return fail(WireErrorCode.StunBadAttribute, `RESERVATION-TOKEN must be 8 bytes, got ${value.length}`, 0);
  }
  return ok(new Uint8Array(value));
}
