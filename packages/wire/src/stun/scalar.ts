/**
 * Fixed-size numeric attribute values.
 *
 * - 32-bit: LIFETIME (RFC 8656 §18.2), PRIORITY (RFC 8445 §16.1), CONNECTION-ID (RFC 6062 §6.2.1).
 * - 64-bit: ICE-CONTROLLED / ICE-CONTROLLING tie-breakers (RFC 8445 §16.1), as `bigint`.
 * - CHANGE-REQUEST (RFC 5780 §7.2) and RESPONSE-PORT (RFC 5780 §7.5).
 *
 * Decoders insist on the exact value length: a 4-byte field sent as 3 or 5 bytes is malformed.
 */
import { readU16, readU32, writeU16, writeU32 } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';

function exactLength(value: Uint8Array, n: number, what: string): Result<never> | undefined {
  return value.length === n
    ? undefined
    : fail(WireErrorCode.StunBadAttribute, `${what} value must be ${n} bytes, got ${value.length}`, 0);
}

function checkRange(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new WireError(WireErrorCode.InvalidArgument, `${what} ${n} is not an integer in 0-${max}`);
  }
}

/** Encodes an unsigned 32-bit value in network byte order. */
export function encodeUint32(n: number): Uint8Array {
  checkRange(n, 0xffffffff, 'uint32');
  const out = new Uint8Array(4);
  writeU32(out, 0, n);
  return out;
}

/** Decodes an unsigned 32-bit value; the value must be exactly 4 bytes. */
export function decodeUint32(value: Uint8Array): Result<number> {
  return exactLength(value, 4, 'uint32') ?? ok(readU32(value, 0));
}

/** Encodes an unsigned 64-bit value, e.g. an ICE tie-breaker. */
export function encodeUint64(n: bigint): Uint8Array {
  if (n < 0n || n > 0xffffffffffffffffn) {
    throw new WireError(WireErrorCode.InvalidArgument, `uint64 ${n} is out of range`);
  }
  const out = new Uint8Array(8);
  writeU32(out, 0, Number(n >> 32n));
  writeU32(out, 4, Number(n & 0xffffffffn));
  return out;
}

/** Decodes an unsigned 64-bit value; the value must be exactly 8 bytes. */
export function decodeUint64(value: Uint8Array): Result<bigint> {
  return (
    exactLength(value, 8, 'uint64') ?? ok((BigInt(readU32(value, 0)) << 32n) | BigInt(readU32(value, 4)))
  );
}

const CHANGE_IP = 0x04; // the "A" flag
const CHANGE_PORT = 0x02; // the "B" flag

/** Encodes CHANGE-REQUEST: ask the server to answer from another IP and/or port (RFC 5780 §7.2). */
export function encodeChangeRequest(r: { changeIp: boolean; changePort: boolean }): Uint8Array {
  return encodeUint32((r.changeIp ? CHANGE_IP : 0) | (r.changePort ? CHANGE_PORT : 0));
}

/** Decodes CHANGE-REQUEST; bits other than A and B are ignored. */
export function decodeChangeRequest(value: Uint8Array): Result<{ changeIp: boolean; changePort: boolean }> {
  const n = decodeUint32(value);
  if (!n.ok) return n;
  return ok({ changeIp: (n.value & CHANGE_IP) !== 0, changePort: (n.value & CHANGE_PORT) !== 0 });
}

/** Encodes RESPONSE-PORT: a 16-bit port then 2 bytes of padding (RFC 5780 §7.5). */
export function encodeResponsePort(port: number): Uint8Array {
  checkRange(port, 0xffff, 'port');
  const out = new Uint8Array(4);
  writeU16(out, 0, port);
  return out;
}

/** Decodes RESPONSE-PORT; the value must be 4 bytes, the last two are ignored. */
export function decodeResponsePort(value: Uint8Array): Result<number> {
  return exactLength(value, 4, 'RESPONSE-PORT') ?? ok(readU16(value, 0));
}
