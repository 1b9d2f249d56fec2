/**
 * The addresses hole punching works with: a plain IP and port (IPv4 dotted or IPv6 text), and the
 * candidates two peers exchange through signaling. IPv4-mapped IPv6 text (`::ffff:a.b.c.d`, what a
 * dual-stack socket reports) is normalised to plain IPv4, so one address has one spelling.
 */
import { PeerSignalCandidate, unmapIpv4 } from '@peerlink/wire';

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

/** `::ffff:a.b.c.d` -> `a.b.c.d`: one spelling per address (@peerlink/wire's unmapIpv4). */
export const normaliseAddress: (address: string) => string = unmapIpv4;

/**
 * Parses an untrusted candidate from signaling with @peerlink/wire's schema (the one the SDK's
 * `signal` data is checked with); undefined for anything malformed.
 */
export function parseCandidate(raw: unknown): Candidate | undefined {
  const r = PeerSignalCandidate.safeParse(raw);
  return r.success ? r.data : undefined;
}
