/**
 * TURN attribute values with a fixed layout (RFC 8656 §18): CHANNEL-NUMBER, REQUESTED-TRANSPORT,
 * EVEN-PORT, and the address family of REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY.
 * LIFETIME and CONNECTION-ID are plain 32-bit values (see scalar.ts); XOR-PEER-ADDRESS and
 * XOR-RELAYED-ADDRESS use the XOR address codec; DATA, RESERVATION-TOKEN (8 opaque bytes),
 * DONT-FRAGMENT (empty) and ICMP (§18.13) are used as raw values.
 *
 * Range policy (channel numbers 0x4000-0x4FFF, §12) belongs to the server, not the codec:
 * decoders here return what is on the wire so the server can choose its error response.
 */
import { readU16, writeU16 } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';

/** The channel numbers a client may bind (RFC 8656 §12). */
export const CHANNEL_NUMBER_MIN = 0x4000;
export const CHANNEL_NUMBER_MAX = 0x4fff;

function checkByteRange(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new WireError(WireErrorCode.InvalidArgument, `${what} ${n} is not an integer in 0-${max}`);
  }
}

function needLength(value: Uint8Array, n: number, what: string): Result<never> | undefined {
  return value.length === n
    ? undefined
    : fail(WireErrorCode.StunBadAttribute, `${what} value must be ${n} bytes, got ${value.length}`, 0);
}

/** CHANNEL-NUMBER: a 16-bit channel then 16 reserved bits (RFC 8656 §18.1). */
export function encodeChannelNumber(channel: number): Uint8Array {
  checkByteRange(channel, 0xffff, 'channel number');
  const out = new Uint8Array(4);
  writeU16(out, 0, channel);
  return out;
}

export function decodeChannelNumber(value: Uint8Array): Result<number> {
  return needLength(value, 4, 'CHANNEL-NUMBER') ?? ok(readU16(value, 0));
}

/** REQUESTED-TRANSPORT: an IANA protocol number (17 = UDP, 6 = TCP) then 24 reserved bits (§18.8). */
export function encodeRequestedTransport(protocol: number): Uint8Array {
  checkByteRange(protocol, 0xff, 'protocol');
  return new Uint8Array([protocol, 0, 0, 0]);
}

export function decodeRequestedTransport(value: Uint8Array): Result<number> {
  return needLength(value, 4, 'REQUESTED-TRANSPORT') ?? ok(value[0] ?? 0);
}

/** EVEN-PORT: one byte whose top bit R asks the server to reserve the next port too (§18.7). */
export function encodeEvenPort(reserveNext: boolean): Uint8Array {
  return new Uint8Array([reserveNext ? 0x80 : 0]);
}

/** Decodes EVEN-PORT. The value is 1 byte; up to 4 are accepted for senders that pad into it. */
export function decodeEvenPort(value: Uint8Array): Result<{ reserveNext: boolean }> {
  if (value.length < 1 || value.length > 4) {
    return fail(WireErrorCode.StunBadAttribute, `EVEN-PORT value must be 1 byte, got ${value.length}`, 0);
  }
  return ok({ reserveNext: ((value[0] ?? 0) & 0x80) !== 0 });
}

/** REQUESTED-/ADDITIONAL-ADDRESS-FAMILY: 0x01 IPv4 or 0x02 IPv6, then 24 reserved bits (§18.6, §18.11). */
export function encodeAddressFamily(family: 4 | 6): Uint8Array {
  if (family !== 4 && family !== 6) {
    throw new WireError(WireErrorCode.InvalidArgument, `family ${String(family)} is not 4 or 6`);
  }
  return new Uint8Array([family === 4 ? 0x01 : 0x02, 0, 0, 0]);
}

/** Decodes an address family value; an unknown family is STUN_UNSUPPORTED_FAMILY (answer 440). */
export function decodeAddressFamily(value: Uint8Array): Result<4 | 6> {
  const bad = needLength(value, 4, 'address family');
  if (bad !== undefined) return bad;
  if (value[0] === 0x01) return ok(4);
  if (value[0] === 0x02) return ok(6);
  return fail(WireErrorCode.StunUnsupportedFamily, `unknown address family ${value[0]}`, 0);
}
