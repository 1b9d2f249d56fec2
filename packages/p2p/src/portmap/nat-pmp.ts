/**
 * NAT-PMP (RFC 6886) messages: the external address request (§3.2) and the UDP/TCP mapping
 * request (§3.3), with their responses. Pure functions over bytes; decoders never throw.
 *
 * Layouts (big-endian):
 *   external address request   vers=0 | op=0                                              2 bytes
 *   external address response  vers=0 | op=128 | result(16) | epoch(32) | ipv4(32)       12 bytes
 *   map request                vers=0 | op=1 UDP, 2 TCP | reserved(16) | internal port(16)
 *                              | suggested external port(16) | requested lifetime(32)    12 bytes
 *   map response               vers=0 | op=128+op | result(16) | epoch(32) | internal port(16)
 *                              | mapped external port(16) | lifetime(32)                16 bytes
 */
import { failResult, okResult, type PortMapResult } from './errors.js';

/** The gateway's NAT-PMP (and PCP) port, RFC 6886 §3.1. */
export const NAT_PMP_PORT = 5351;
export const NAT_PMP_VERSION = 0;
const OP_EXTERNAL = 0;
const OP_MAP_UDP = 1;
const OP_MAP_TCP = 2;
const RESPONSE = 128;

/** RFC 6886 §3.5 result codes. */
export const NatPmpResult = {
  Success: 0,
  UnsupportedVersion: 1,
  NotAuthorized: 2,
  NetworkFailure: 3,
  OutOfResources: 4,
  UnsupportedOpcode: 5,
} as const;

const RESULT_NAMES: Record<number, string> = {
  1: 'unsupported version',
  2: 'not authorized or refused',
  3: 'network failure',
  4: 'out of resources',
  5: 'unsupported opcode',
};

export type NatPmpProtocol = 'udp' | 'tcp';

export interface NatPmpMapRequest {
  readonly protocol: NatPmpProtocol;
  readonly internalPort: number;
  /** 0: no preference. */
  readonly suggestedExternalPort: number;
  /** Seconds; 0 deletes the mapping (§3.4). */
  readonly lifetimeSec: number;
}

export interface NatPmpExternalResponse {
  readonly resultCode: number;
  readonly epochSec: number;
  readonly externalAddress: string;
}

export interface NatPmpMapResponse {
  readonly protocol: NatPmpProtocol;
  readonly resultCode: number;
  readonly epochSec: number;
  readonly internalPort: number;
  readonly externalPort: number;
  readonly lifetimeSec: number;
}

/** A request the gateway side decodes: one of the two opcodes. */
export type NatPmpRequest = { readonly op: 'external' } | ({ readonly op: 'map' } & NatPmpMapRequest);

export function encodeNatPmpExternalRequest(): Uint8Array {
  return new Uint8Array([NAT_PMP_VERSION, OP_EXTERNAL]);
}

export function encodeNatPmpMapRequest(r: NatPmpMapRequest): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  b[0] = NAT_PMP_VERSION;
  b[1] = r.protocol === 'udp' ? OP_MAP_UDP : OP_MAP_TCP;
  v.setUint16(4, r.internalPort);
  v.setUint16(6, r.suggestedExternalPort);
  v.setUint32(8, r.lifetimeSec >>> 0);
  return b;
}

export function encodeNatPmpExternalResponse(r: NatPmpExternalResponse): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  b[1] = RESPONSE + OP_EXTERNAL;
  v.setUint16(2, r.resultCode);
  v.setUint32(4, r.epochSec >>> 0);
  b.set(ipv4Bytes(r.externalAddress), 8);
  return b;
}

export function encodeNatPmpMapResponse(r: NatPmpMapResponse): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  b[1] = RESPONSE + (r.protocol === 'udp' ? OP_MAP_UDP : OP_MAP_TCP);
  v.setUint16(2, r.resultCode);
  v.setUint32(4, r.epochSec >>> 0);
  v.setUint16(8, r.internalPort);
  v.setUint16(10, r.externalPort);
  v.setUint32(12, r.lifetimeSec >>> 0);
  return b;
}

/**
 * The gateway's view of a request. A version other than 0 is PORTMAP_UNSUPPORTED_VERSION (§3.5: the
 * server answers result 1), an unknown opcode PORTMAP_MALFORMED.
 */
export function decodeNatPmpRequest(b: Uint8Array): PortMapResult<NatPmpRequest> {
  if (b.length < 2) return failResult('PORTMAP_TRUNCATED', `NAT-PMP request of ${b.length} bytes`);
  if (b[0] !== NAT_PMP_VERSION) return failResult('PORTMAP_UNSUPPORTED_VERSION', `version ${b[0]}`);
  const op = b[1];
  if (op === OP_EXTERNAL) return okResult({ op: 'external' });
  if (op !== OP_MAP_UDP && op !== OP_MAP_TCP) return failResult('PORTMAP_MALFORMED', `opcode ${op}`);
  if (b.length < 12) return failResult('PORTMAP_TRUNCATED', `map request of ${b.length} bytes`);
  const v = view(b);
  return okResult({
    op: 'map',
    protocol: op === OP_MAP_UDP ? 'udp' : 'tcp',
    internalPort: v.getUint16(4),
    suggestedExternalPort: v.getUint16(6),
    lifetimeSec: v.getUint32(8),
  });
}

/** Checks the version and opcode of a response; a non-zero result code becomes PORTMAP_REFUSED. */
function header(b: Uint8Array, op: number, size: number): PortMapResult<DataView> {
  if (b.length < 4) return failResult('PORTMAP_TRUNCATED', `NAT-PMP response of ${b.length} bytes`);
  if (b[0] !== NAT_PMP_VERSION) return failResult('PORTMAP_UNSUPPORTED_VERSION', `version ${b[0]}`);
  if (b[1] !== RESPONSE + op)
    return failResult('PORTMAP_MALFORMED', `opcode ${b[1]}, expected ${RESPONSE + op}`);
  const v = view(b);
  const code = v.getUint16(2);
  if (code !== NatPmpResult.Success) {
    const name = RESULT_NAMES[code] ?? 'unknown result';
    return failResult('PORTMAP_REFUSED', `NAT-PMP result ${code} (${name})`, code);
  }
  if (b.length < size) return failResult('PORTMAP_TRUNCATED', `NAT-PMP response of ${b.length} bytes`);
  return okResult(v);
}

export function decodeNatPmpExternalResponse(b: Uint8Array): PortMapResult<NatPmpExternalResponse> {
  const h = header(b, OP_EXTERNAL, 12);
  if (!h.ok) return h;
  return okResult({
    resultCode: 0,
    epochSec: h.value.getUint32(4),
    externalAddress: `${b[8]}.${b[9]}.${b[10]}.${b[11]}`,
  });
}

export function decodeNatPmpMapResponse(
  b: Uint8Array,
  protocol: NatPmpProtocol = 'udp',
): PortMapResult<NatPmpMapResponse> {
  const h = header(b, protocol === 'udp' ? OP_MAP_UDP : OP_MAP_TCP, 16);
  if (!h.ok) return h;
  const v = h.value;
  return okResult({
    protocol,
    resultCode: 0,
    epochSec: v.getUint32(4),
    internalPort: v.getUint16(8),
    externalPort: v.getUint16(10),
    lifetimeSec: v.getUint32(12),
  });
}

/** A failure response to a request: the opcode's response with the result code and zeros. */
export function encodeNatPmpError(op: number, resultCode: number, epochSec: number): Uint8Array {
  const size = op === OP_EXTERNAL ? 12 : 16;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b[1] = (RESPONSE + op) & 0xff;
  v.setUint16(2, resultCode);
  v.setUint32(4, epochSec >>> 0);
  return b;
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Dotted IPv4 text to 4 bytes; anything else gives 0.0.0.0 (encoders take our own values). */
export function ipv4Bytes(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  const ok = parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255);
  return new Uint8Array(ok ? parts : [0, 0, 0, 0]);
}
