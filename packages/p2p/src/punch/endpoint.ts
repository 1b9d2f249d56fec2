/**
 * The addresses hole punching works with: a plain IP and port (IPv4 dotted or IPv6 text), and the
 * candidates two peers exchange through signaling. IPv4-mapped IPv6 text (`::ffff:a.b.c.d`, what a
 * dual-stack socket reports) is normalised to plain IPv4, so one address has one spelling.
 */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * host: an address of the machine; srflx: what the server saw (STUN); prflx: where a valid check
 * came from; mapped: a port the gateway forwards (UPnP-IGD, NAT-PMP, PCP); relay: a TURN allocation.
 */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'mapped' | 'relay';

export interface Candidate extends Endpoint {
  readonly type: CandidateType;
}

export const endpointKey = (e: Endpoint): string => `${e.address}|${e.port}`;

/** One candidate pair: the local socket (`via`, see PunchEngine) and the far endpoint. */
export const pairKey = (via: number, e: Endpoint): string => `${via}|${endpointKey(e)}`;

export const isIpv6 = (address: string): boolean => address.includes(':');

export function normaliseAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}

/** Parses an untrusted candidate from signaling; undefined for anything malformed. */
export function parseCandidate(raw: unknown): Candidate | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const c = raw as { type?: unknown; address?: unknown; port?: unknown };
  const types: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'mapped', 'relay'];
  if (typeof c.type !== 'string' || !types.includes(c.type as CandidateType)) return undefined;
  if (typeof c.address !== 'string' || c.address.length > 64 || !/^[0-9a-fA-F:.]+$/.test(c.address))
    return undefined;
  if (typeof c.port !== 'number' || !Number.isInteger(c.port) || c.port < 1 || c.port > 65_535)
    return undefined;
  return { type: c.type as CandidateType, address: normaliseAddress(c.address), port: c.port };
}
