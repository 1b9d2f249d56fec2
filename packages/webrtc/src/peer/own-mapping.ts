/**
 * Whether the master's NAT maps endpoint-independently (RFC 4787 §4.1), asked once at start: a
 * STUN Binding to the first `stun:` server, then one from the same socket to the server's
 * OTHER-ADDRESS (RFC 5780 §4.3, tests I and III); the same mapped address both times: yes.
 *
 * The TTL remedy (ice-ttl-gate.ts) needs it: its hold keeps our checks from an accepting viewer
 * router until the viewer has sent to our srflx port, which helps only when that port is the one our
 * NAT gives our packets to the viewer. Behind a NAT that maps per destination the viewer's checks
 * never come in there, the hold only delays the checks that make the pair direct (from a fresh port
 * the viewer learns as prflx), and the relay pair can win the race: such a master runs plain ICE.
 */
import {
  mappedAddressOf,
  nodeUdpSocketFactory,
  otherAddressOf,
  resolveStunServer,
  StunTransactions,
  type TransactionTiming,
} from '@peerlink/p2p';
import { UDP_PROBE_TIMING } from './turn-order.js';

/** `independent`, `dependent`, or null when the server has no other address or did not answer. */
export type OwnMapping = 'independent' | 'dependent' | null;

export async function ownMapping(
  uri: string,
  timing: TransactionTiming = UDP_PROBE_TIMING,
): Promise<OwnMapping> {
  const server = await resolveStunServer(uri);
  if (server.primary.family !== 4) return null;
  const sock = await nodeUdpSocketFactory(4);
  try {
    const stun = new StunTransactions(sock);
    const first = await stun.request(server.primary, [], timing);
    const other = first === null ? undefined : otherAddressOf(first);
    const m1 = mappedAddressOf(first);
    if (other === undefined || m1 === null || other.family !== 4) return null;
    const m2 = mappedAddressOf(await stun.request(other, [], timing));
    if (m2 === null) return null;
    return m1.address === m2.address && m1.port === m2.port ? 'independent' : 'dependent';
  } finally {
    sock.close();
  }
}
