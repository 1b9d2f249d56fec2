/**
 * MAPPED-ADDRESS style values (RFC 8489 §14.1) and their XOR form (§14.2).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                 (X-)Address (32 bits or 128 bits)             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Plain form: MAPPED-ADDRESS, ALTERNATE-SERVER (§14.15), RESPONSE-ORIGIN and OTHER-ADDRESS
 * (RFC 5780 §7.3, §7.4), RESPONSE-ADDRESS. XOR form: XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and
 * XOR-RELAYED-ADDRESS (RFC 8656 §18.3, §18.5). The XOR hides addresses from middleboxes that
 * rewrite anything that looks like their own public address.
 */
import { readU16, writeU16 } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';
import { formatIp, parseIp, type TransportAddress } from '../ip.js';
import { MAGIC_COOKIE, TRANSACTION_ID_LENGTH } from './constants.js';

const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

/** The 16 bytes XORed into an address: magic cookie then transaction id (RFC 8489 §14.2). */
function xorPad(transactionId: Uint8Array): Uint8Array {
  const pad = new Uint8Array(16);
  pad[0] = MAGIC_COOKIE >>> 24;
  pad[1] = (MAGIC_COOKIE >>> 16) & 0xff;
  pad[2] = (MAGIC_COOKIE >>> 8) & 0xff;
  pad[3] = MAGIC_COOKIE & 0xff;
  pad.set(transactionId, 4);
  return pad;
}

function xorInPlace(value: Uint8Array, pad: Uint8Array): void {
  // Port: the top 16 bits of the cookie. Address: the cookie (IPv4) or cookie + id (IPv6).
  value[2] = (value[2] ?? 0) ^ (pad[0] ?? 0);
  value[3] = (value[3] ?? 0) ^ (pad[1] ?? 0);
  for (let i = 4; i < value.length; i++) value[i] = (value[i] ?? 0) ^ (pad[i - 4] ?? 0);
}

/** Encodes a MAPPED-ADDRESS style value. Throws STUN_BAD_ADDRESS for an invalid address or port. */
export function encodeAddress(addr: TransportAddress): Uint8Array {
  const ip = parseIp(addr.address);
  if (ip === undefined || ip.family !== addr.family) {
    throw new WireError(
      WireErrorCode.StunBadAddress,
      `'${addr.address}' is not an IPv${addr.family} address`,
    );
  }
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 0xffff) {
    throw new WireError(WireErrorCode.StunBadAddress, `port ${addr.port} is not 0-65535`);
  }
  const out = new Uint8Array(4 + ip.bytes.length);
  out[1] = ip.family === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
  writeU16(out, 2, addr.port);
  out.set(ip.bytes, 4);
  return out;
}

/**
 * Decodes a MAPPED-ADDRESS style value. The first byte is reserved and ignored (§14.1); the
 * family must be 0x01 with 4 address bytes or 0x02 with 16, and nothing may follow.
 */
export function decodeAddress(value: Uint8Array): Result<TransportAddress> {
  if (value.length < 4) return fail(WireErrorCode.StunBadAddress, 'address value shorter than 4 bytes', 0);
  const family = value[1];
  const expected = family === FAMILY_IPV4 ? 8 : family === FAMILY_IPV6 ? 20 : undefined;
  if (expected === undefined)
    return fail(WireErrorCode.StunBadAddress, `unknown address family ${family}`, 1);
  if (value.length !== expected) {
    return fail(
      WireErrorCode.StunBadAddress,
      `IPv${family === FAMILY_IPV4 ? 4 : 6} address value must be ${expected} bytes`,
      0,
    );
  }
  return ok({
    family: family === FAMILY_IPV4 ? 4 : 6,
    address: formatIp(value.subarray(4)),
    port: readU16(value, 2),
  });
}

function checkTransactionId(transactionId: Uint8Array): boolean {
  return transactionId.length === TRANSACTION_ID_LENGTH;
}

/** Encodes an XOR-MAPPED-ADDRESS style value for the message with `transactionId`. */
export function encodeXorAddress(addr: TransportAddress, transactionId: Uint8Array): Uint8Array {
  if (!checkTransactionId(transactionId)) {
    throw new WireError(WireErrorCode.InvalidArgument, 'transaction id must be 12 bytes');
  }
  const out = encodeAddress(addr);
  xorInPlace(out, xorPad(transactionId));
  return out;
}

/** Decodes an XOR-MAPPED-ADDRESS style value from the message with `transactionId`. */
export function decodeXorAddress(value: Uint8Array, transactionId: Uint8Array): Result<TransportAddress> {
  if (!checkTransactionId(transactionId)) {
    return fail(WireErrorCode.InvalidArgument, 'transaction id must be 12 bytes');
  }
  const plain = new Uint8Array(value);
  // Unxoring a malformed value is harmless; decodeAddress then reports it with the same offsets.
  if (plain.length >= 4) xorInPlace(plain, xorPad(transactionId));
  return decodeAddress(plain);
}
