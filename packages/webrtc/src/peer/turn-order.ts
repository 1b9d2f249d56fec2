/**
 * TURN over TCP first where UDP does not get out. werift answers only once gathering is over, and
 * behind a network that drops UDP gathering waits out its srflx request (5 s) and its UDP TURN
 * Allocate (7 sends, 50 ms doubling: 6.35 s) before it tries TURN over TCP: most of a `udp-blocked`
 * master's 10-14 s to the first frame (docs/webrtc.md). The master asks once, before any viewer: a
 * STUN Binding to the first `stun:` server (3 sends within 1.4 s). Without an answer the list it
 * gives werift has the `?transport=tcp` TURN URIs first (werift uses the first `turn:` URI and
 * allocates over TCP at once) and no `stun:` URI (no srflx to wait for), so the answer goes out as
 * soon as the TCP allocation is made. The cost of a wrong "no" (three probes lost in a row): no srflx
 * candidate for this master, its host candidates and a TCP relay still offered.
 */
import {
  nodeUdpSocketFactory,
  resolveStunServer,
  StunTransactions,
  type TransactionTiming,
} from '@peerlink/p2p';
import type { IceServer } from '../kvs/control.js';

/** 3 sends 200 ms and 400 ms apart, then 800 ms for the last answer: 1.4 s. */
export const UDP_PROBE_TIMING: TransactionTiming = { rtoMs: 200, tries: 3, lastWaitMs: 800 };

const isTurn = (s: IceServer): boolean => /^turns?:/i.test(s.urls);
const isTcpTurn = (s: IceServer): boolean => isTurn(s) && /[?&]transport=tcp\b/i.test(s.urls);

/**
 * The list with the TURN-over-TCP URIs (`turn:...?transport=tcp`, `turns:...?transport=tcp`) ahead of
 * the other TURN URIs, each group in its order; STUN URIs and a list without one unchanged.
 */
export function tcpTurnFirst(servers: readonly IceServer[]): IceServer[] {
  if (!servers.some(isTcpTurn)) return [...servers];
  const stun = servers.filter((s) => !isTurn(s));
  return [...stun, ...servers.filter(isTcpTurn), ...servers.filter((s) => isTurn(s) && !isTcpTurn(s))];
}

/** The first `stun:` URI's host and port, as `resolveStunServer` takes them; null without one. */
export function firstStunUri(servers: readonly IceServer[]): string | null {
  return servers.find((s) => /^stun:/i.test(s.urls))?.urls.replace(/\?.*$/, '') ?? null;
}

/** True when a STUN Binding to `uri` (`stun:HOST[:PORT]`) is answered over UDP within the timing. */
export async function udpReaches(
  uri: string,
  timing: TransactionTiming = UDP_PROBE_TIMING,
): Promise<boolean> {
  const server = await resolveStunServer(uri);
  const sock = await nodeUdpSocketFactory(server.primary.family);
  try {
    return (await new StunTransactions(sock).request(server.primary, [], timing)) !== null;
  } finally {
    sock.close();
  }
}

/**
 * The ICE servers for this master's network: as given when UDP reaches the first STUN server (or
 * there is none to ask, or no TCP TURN to prefer), the TURN URIs alone with TCP first when it does
 * not. `udpOut` says which it was (null: not asked).
 */
export async function iceServersForNetwork(
  servers: readonly IceServer[],
  probe: (uri: string) => Promise<boolean> = udpReaches,
): Promise<{ servers: IceServer[]; udpOut: boolean | null }> {
  const uri = firstStunUri(servers);
  if (uri === null || !servers.some(isTcpTurn)) return { servers: [...servers], udpOut: null };
  const udpOut = await probe(uri).catch(() => false);
  return { servers: udpOut ? [...servers] : tcpTurnFirst(servers).filter(isTurn), udpOut };
}
