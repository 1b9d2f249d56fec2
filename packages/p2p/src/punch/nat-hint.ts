/**
 * What a node tells its peer about its NAT, learnt from one socket in one round trip: Binding
 * requests from the node's own UDP socket to the server's two addresses and two ports. Equal mapped
 * addresses mean endpoint-independent mapping; different ones mean the mapping varies by destination,
 * and the mapped ports say how the NAT allocates them (preserving, sequential or random). Filtering is
 * not tested here (it needs waiting for answers that never come); the punch strategy does not need it.
 */
import { PEER_UNKNOWN_NAT, PeerNatHint } from '@peerlink/wire';
import { classifyPortAllocation, type PortAllocation } from '../nat/classify.js';
import type { Endpoint } from './endpoint.js';

export interface NatHint {
  /** false when no Binding was answered at all (UDP blocked, or no STUN server). */
  readonly udp: boolean;
  /** null with fewer than two answers from different destinations. */
  readonly mappingVaries: boolean | null;
  readonly portAllocation: PortAllocation | null;
  /** The public IP the server saw, when UDP works. */
  readonly publicIp: string | null;
  /** The mapped ports seen, in the order the requests were sent (for sequential prediction). */
  readonly ports: readonly number[];
}

export const UNKNOWN_NAT: NatHint = PEER_UNKNOWN_NAT;

/** `mapped[i]` answers the i-th destination (null: no answer); `localPort` is the socket's port. */
export function natHintOf(localPort: number, mapped: readonly (Endpoint | null)[]): NatHint {
  const seen = mapped.filter((m): m is Endpoint => m !== null);
  const first = seen[0];
  if (!first) return UNKNOWN_NAT;
  const ports = seen.map((m) => m.port);
  const varies =
    seen.length < 2 ? null : seen.some((m) => m.address !== first.address || m.port !== first.port);
  const portAllocation = varies
    ? classifyPortAllocation(ports.map((p) => ({ local: localPort, mapped: p })))
    : first.port === localPort
      ? 'preserving'
      : null;
  return { udp: true, mappingVaries: varies, portAllocation, publicIp: first.address, ports };
}

/** Reads a peer's hint with @peerlink/wire's schema: each malformed field reads as unknown. */
export function parseNatHint(raw: unknown): NatHint {
  const r = PeerNatHint.safeParse(raw);
  return r.success ? r.data : UNKNOWN_NAT;
}

/** Hard: a fresh, unpredictable port per destination. Only birthday probing meets such a NAT. */
export const isHardNat = (h: NatHint): boolean => h.mappingVaries === true && h.portAllocation === 'random';
/** Easy: one mapping for every destination, so the peer can aim at it. */
export const isEasyNat = (h: NatHint): boolean => h.udp && h.mappingVaries === false;
