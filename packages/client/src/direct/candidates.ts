/**
 * Candidate gathering for the node's primary socket: host addresses of this machine (IPv4, and
 * global IPv6 when the socket is dual-stack), and the server-reflexive address with a NAT hint from
 * Binding requests to the server's two addresses and two ports (RFC 5780's OTHER-ADDRESS names the
 * second pair), all sent at once: one round trip.
 */
import { networkInterfaces } from 'node:os';
import {
  mappedAddressOf,
  natHintOf,
  StunTransactions,
  UNKNOWN_NAT,
  type Candidate,
  type NatHint,
  type StunReply,
} from '@peerlink/p2p';
import { decodeAddress, findAttribute, StunAttr, type TransportAddress } from '@peerlink/wire';
import type { Addr, UdpMux } from './udp-mux.js';

export interface LocalCandidates {
  readonly candidates: Candidate[];
  readonly nat: NatHint;
}

/** IPv4 host addresses, and global unicast IPv6 ones when `ipv6` (no loopback, no link-local). */
export function hostCandidates(port: number, ipv6: boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') out.push({ type: 'host', address: a.address, port });
      else if (ipv6 && /^[23]/.test(a.address)) out.push({ type: 'host', address: a.address, port });
    }
  }
  return out;
}

/** The host addresses, as a string that changes when they do (the node's change watch). */
export const hostFingerprint = (ipv6: boolean): string =>
  hostCandidates(0, ipv6)
    .map((c) => c.address)
    .sort()
    .join(',');

/**
 * Gathers in stages, each reported as it completes (trickle): host candidates at once, the reflexive
 * one after the first Binding answer, the NAT hint after the others. Resolves with the last stage.
 */
export async function gather(
  mux: UdpMux,
  stun: Addr | undefined,
  stage: (l: LocalCandidates) => void = () => {},
): Promise<LocalCandidates> {
  const host = hostCandidates(mux.port, mux.dualStack);
  const hostOnly = { candidates: host, nat: UNKNOWN_NAT };
  stage(hostOnly);
  if (!stun) return hostOnly;
  const withSrflx = (mapped: readonly (Addr | null)[]): LocalCandidates => {
    const srflx = mapped[0];
    return {
      candidates: srflx ? [{ type: 'srflx', ...srflx }, ...host] : host,
      nat: natHintOf(mux.port, mapped),
    };
  };
  const mapped = await reflexiveSamples(mux, stun, (first) => stage(withSrflx([first])));
  const done = withSrflx(mapped);
  stage(done);
  return done;
}

/**
 * Binding requests from the node's socket to the primary address, then to the alternate address and
 * port pairs the first response names. The socket is shared, so STUN is only listened to here.
 */
async function reflexiveSamples(
  mux: UdpMux,
  stun: Addr,
  first: (mapped: Addr) => void,
): Promise<(Addr | null)[]> {
  let mine: UdpMux['onStun'] | undefined;
  const tx = new StunTransactions(mux.view((handler) => (mux.onStun = mine = handler)));
  const at = (address: string, port: number): TransportAddress => ({ family: 4, address, port });
  const plain = (a: TransportAddress | null): Addr | null =>
    a ? { address: a.address, port: a.port } : null;
  try {
    const reply = await tx.request(at(stun.address, stun.port), [], GATHER_TIMING);
    const m1 = plain(mappedAddressOf(reply));
    const other = otherAddress(reply);
    if (!m1 || !other) return [m1];
    first(m1);
    const rest = await Promise.all(
      [at(other.address, stun.port), at(other.address, other.port), at(stun.address, other.port)].map((to) =>
        tx.request(to, [], GATHER_TIMING),
      ),
    );
    return [m1, ...rest.map((r) => plain(mappedAddressOf(r)))];
  } finally {
    // A gathering of a newer generation may have taken the route meanwhile: leave it to that one.
    if (mux.onStun === mine) mux.onStun = () => {};
  }
}

function otherAddress(reply: StunReply | null): TransportAddress | undefined {
  const attr = reply ? findAttribute(reply.message, StunAttr.OtherAddress) : undefined;
  const d = attr ? decodeAddress(attr.value) : undefined;
  return d?.ok && d.value.family === 4 ? d.value : undefined;
}

const GATHER_TIMING = { rtoMs: 250, tries: 3, lastWaitMs: 750 };
