/**
 * TURN over TCP first where UDP does not get out. werift uses the first `turn:` URI of the list and
 * falls back to TCP only after its UDP Allocate has timed out (7 sends, 50 ms doubling: 6.35 s),
 * and the answer waits for gathering; behind a network that drops UDP that wait was most of a
 * `udp-blocked` master's 10-14 s to the first frame (docs/webrtc.md). The master asks once, before
 * any viewer: a STUN Binding to the first `stun:` server (3 sends within 1.4 s); without an answer
 * the `?transport=tcp` TURN URIs go first, so werift allocates over TCP at once. The `stun:` URIs
 * stay: if the probe was wrong (three losses in a row), host and srflx candidates are still
 * gathered and only the relay is TCP.
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
 * there is none to ask), TCP TURN first when it does not. `udpOut` says which it was.
 */
export async function iceServersForNetwork(
  servers: readonly IceServer[],
  probe: (uri: string) => Promise<boolean> = udpReaches,
): Promise<{ servers: IceServer[]; udpOut: boolean | null }> {
  const uri = firstStunUri(servers);
  if (uri === null || !servers.some(isTcpTurn)) return { servers: [...servers], udpOut: null };
  const udpOut = await probe(uri).catch(() => false);
  return { servers: udpOut ? [...servers] : tcpTurnFirst(servers), udpOut };
}
