/**
 * The path each side of a session reports it is on (`path` messages, docs/peer-protocol.md). The
 * server cannot see a move from its relay to direct UDP or TURN, so the peers tell it; these are the
 * numbers behind `peerlink_path_switches_total` and `peerlink_peer_session_sides`.
 */
import { PEER_PATHS, type PeerPath } from './messages.js';
import type { SessionRecord as Session } from './state.js';

/** Records that `peerId`'s side of `s` is on `path`. Returns true when that is a switch. */
export function recordPath(s: Session, peerId: string, path: PeerPath): boolean {
  const side = peerId === s.initiator ? 'initiator' : 'target';
  if (s.paths[side] === path) return false;
  s.paths[side] = path;
  return true;
}

/** Sides of the active sessions on each path (a pending session carries no data yet). */
export function countSides(sessions: Iterable<Session>): Record<PeerPath, number> {
  const counts = Object.fromEntries(PEER_PATHS.map((p) => [p, 0])) as Record<PeerPath, number>;
  for (const s of sessions) {
    if (s.state !== 'active') continue;
    counts[s.paths.initiator]++;
    counts[s.paths.target]++;
  }
  return counts;
}
