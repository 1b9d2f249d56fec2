/**
 * PCP (RFC 6887) MAP messages: the common request and response headers (§7.1, §7.2) and the MAP
 * opcode payload (§11.1). Addresses travel as 16 bytes, IPv4 as IPv4-mapped IPv6 (§5,
 * ::ffff:a.b.c.d). Pure functions over bytes; decoders never throw. Options are not sent; a
 * response's options are skipped (they follow the 60 bytes of header and payload).
 *
 *   request  0  version=2 | R=0,opcode(7) | reserved(16)
 *            4  requested lifetime(32)
 *            8  client IP address(128)
 *   response 0  version=2 | R=1,opcode(7) | reserved(8) | result code(8)
 *            4  lifetime(32)
 *            8  epoch time(32)
 *           12  reserved(96)
 *   MAP     24  mapping nonce(96)
 *           36  protocol(8) | reserved(24)
 *           40  internal port(16) | suggested/assigned external port(16)
 *           44  suggested/assigned external IP address(128)             = 60 bytes
 */
import { formatIp, parseIp } from '@peerlink/wire';
import { failResult, okResult, type PortMapResult } from './errors.js';

export const PCP_VERSION = 2;
export const PCP_OPCODE_MAP = 1;
export const PCP_MAP_SIZE = 60;
/** RFC 6887 §7: the largest PCP message. */
export const PCP_MAX_SIZE = 1100;
export const PCP_NONCE_SIZE = 12;
const RESPONSE_BIT = 0x80;

/** RFC 6887 §7.4 result codes. */
export const PcpResult = {
  Success: 0,
  UnsuppVersion: 1,
  NotAuthorized: 2,
  MalformedRequest: 3,
  UnsuppOpcode: 4,
  UnsuppOption: 5,
  MalformedOption: 6,
  NetworkFailure: 7,
  NoResources: 8,
  UnsuppProtocol: 9,
  UserExQuota: 10,
  CannotProvideExternal: 11,
  AddressMismatch: 12,
  ExcessiveRemotePeers: 13,
} as const;

const RESULT_NAMES = Object.fromEntries(Object.entries(PcpResult).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

export interface PcpMapRequest {
  readonly lifetimeSec: number;
  /** The client's own address as it sends from (IPv4 dotted or IPv6 text). */
  readonly clientAddress: string;
  /** 12 random bytes identifying the mapping across renewals (§11.1). */
  readonly nonce: Uint8Array;
  /** IANA protocol number: 17 UDP, 6 TCP, 0 all. */
  readonly protocol: number;
  readonly internalPort: number;
  /** 0: no preference. */
  readonly suggestedExternalPort: number;
  /** '0.0.0.0' (IPv4, no preference) or '::' (IPv6, no preference) or an address. */
  readonly suggestedExternalAddress: string;
}

export interface PcpMapResponse {
  readonly resultCode: number;
  /** On success how long the mapping lives; on an error how long the error holds (§7.2). */
  readonly lifetimeSec: number;
  readonly epochSec: number;
  readonly nonce: Uint8Array;
  readonly protocol: number;
  readonly internalPort: number;
  readonly externalPort: number;
  readonly externalAddress: string;
}

export function encodePcpMapRequest(r: PcpMapRequest): Uint8Array {
  const b = new Uint8Array(PCP_MAP_SIZE);
  const v = new DataView(b.buffer);
  b[0] = PCP_VERSION;
  b[1] = PCP_OPCODE_MAP;
  v.setUint32(4, r.lifetimeSec >>> 0);
  b.set(addressBytes(r.clientAddress), 8);
  writeMap(b, r.nonce, r.protocol, r.internalPort, r.suggestedExternalPort, r.suggestedExternalAddress);
  return b;
}

export function encodePcpMapResponse(r: PcpMapResponse): Uint8Array {
  const b = new Uint8Array(PCP_MAP_SIZE);
  const v = new DataView(b.buffer);
  b[0] = PCP_VERSION;
  b[1] = RESPONSE_BIT | PCP_OPCODE_MAP;
  b[3] = r.resultCode;
  v.setUint32(4, r.lifetimeSec >>> 0);
  v.setUint32(8, r.epochSec >>> 0);
  writeMap(b, r.nonce, r.protocol, r.internalPort, r.externalPort, r.externalAddress);
  return b;
}

function writeMap(
  b: Uint8Array,
  nonce: Uint8Array,
  proto: number,
  inPort: number,
  exPort: number,
  ex: string,
): void {
  const v = new DataView(b.buffer);
  b.set(nonce.subarray(0, PCP_NONCE_SIZE), 24);
  b[36] = proto;
  v.setUint16(40, inPort);
  v.setUint16(42, exPort);
  b.set(addressBytes(ex), 44);
}

function common(b: Uint8Array, response: boolean): PortMapResult<DataView> {
  if (b.length < 4) return failResult('PORTMAP_TRUNCATED', `PCP message of ${b.length} bytes`);
  if (b[0] !== PCP_VERSION) return failResult('PORTMAP_UNSUPPORTED_VERSION', `PCP version ${b[0]}`);
  const r = ((b[1] as number) & RESPONSE_BIT) !== 0;
  if (r !== response) return failResult('PORTMAP_MALFORMED', response ? 'not a response' : 'not a request');
  if (((b[1] as number) & 0x7f) !== PCP_OPCODE_MAP) {
    return failResult('PORTMAP_MALFORMED', `opcode ${(b[1] as number) & 0x7f}, expected MAP`);
  }
  if (b.length > PCP_MAX_SIZE) return failResult('PORTMAP_MALFORMED', `PCP message of ${b.length} bytes`);
  if (b.length < PCP_MAP_SIZE) return failResult('PORTMAP_TRUNCATED', `PCP MAP of ${b.length} bytes`);
  return okResult(new DataView(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * A MAP response. A failure result code still decodes (the caller sees `resultCode`); use
 * {@link pcpResultError} to turn it into a PORTMAP_REFUSED error.
 */
export function decodePcpMapResponse(b: Uint8Array): PortMapResult<PcpMapResponse> {
  const h = common(b, true);
  if (!h.ok) return h;
  const v = h.value;
  return okResult({
    resultCode: b[3] as number,
    lifetimeSec: v.getUint32(4),
    epochSec: v.getUint32(8),
    nonce: b.slice(24, 36),
    protocol: b[36] as number,
    internalPort: v.getUint16(40),
    externalPort: v.getUint16(42),
    externalAddress: formatAddress(b.subarray(44, 60)),
  });
}

/** A MAP request as the server reads it; `options` says whether bytes followed the payload. */
export function decodePcpMapRequest(b: Uint8Array): PortMapResult<PcpMapRequest & { hasOptions: boolean }> {
  const h = common(b, false);
  if (!h.ok) return h;
  if (b.length % 4 !== 0) return failResult('PORTMAP_MALFORMED', `PCP request of ${b.length} bytes`);
  const v = h.value;
  return okResult({
    lifetimeSec: v.getUint32(4),
    clientAddress: formatAddress(b.subarray(8, 24)),
    nonce: b.slice(24, 36),
    protocol: b[36] as number,
    internalPort: v.getUint16(40),
    suggestedExternalPort: v.getUint16(42),
    suggestedExternalAddress: formatAddress(b.subarray(44, 60)),
    hasOptions: b.length > PCP_MAP_SIZE,
  });
}

/** The error for a non-success result code, or undefined for success. */
export function pcpResultError(code: number): PortMapResult<never> | undefined {
  if (code === PcpResult.Success) return undefined;
  return failResult('PORTMAP_REFUSED', `PCP result ${code} (${RESULT_NAMES[code] ?? 'unknown'})`, code);
}

/** 16 bytes: IPv6 as is, IPv4 as ::ffff:a.b.c.d; unparsable text as all zeros. */
export function addressBytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  const ip = parseIp(text);
  if (ip?.family === 6) out.set(ip.bytes);
  else if (ip?.family === 4) {
    out[10] = 0xff;
    out[11] = 0xff;
    out.set(ip.bytes, 12);
  }
  return out;
}

/** Inverse of {@link addressBytes}: IPv4-mapped addresses come back dotted. */
export function formatAddress(b16: Uint8Array): string {
  const mapped = b16.subarray(0, 10).every((x) => x === 0) && b16[10] === 0xff && b16[11] === 0xff;
  return mapped ? formatIp(b16.subarray(12, 16)) : formatIp(b16);
}
