/**
 * The peer protocol's records. `SessionRecord` is shared (the store holds it, any node may read it);
 * `LocalPeer` and `PeerConn` are this node's view of the clients it holds. Plain data.
 */
import type { TokenBucket } from '../../core/token-bucket.js';
import type { ConnId } from '../../core/types.js';
import type { VersionedRecord } from '../../store/records.js';
import type { PeerPath } from './messages.js';

/** Presence ids, store keys and sets of the peer protocol. */
export const scoped = (peerId: string): string => `p2p/${peerId}`;
export const sessionKey = (sid: number): string => `p2p/session/${sid}`;
export const peerSessionsKey = (peerId: string): string => `p2p/peer-sessions/${peerId}`;
export const PEER_SCOPE = 'p2p/';

export interface SessionRecord extends VersionedRecord {
  readonly id: number;
  /** The peer that called connect. */
  readonly initiator: string;
  readonly target: string;
  state: 'pending' | 'active';
  readonly createdAt: number;
  /** The path each side last reported; 'relay' until it reports. */
  readonly paths: { initiator: PeerPath; target: PeerPath };
}

/** Per-connection state of the peer protocol (the core holds the rest). */
export interface PeerConn {
  readonly id: ConnId;
  peerId: string | undefined;
  pendingRegister: { id: string; publicKey: string | undefined } | undefined;
  authFailures: number;
  /** Receivers whose backlog paused this connection's reading. */
  readonly pausedBy: Set<ConnId>;
  /** Senders this connection's backlog has paused. */
  readonly blocking: Set<ConnId>;
}

/** A peer registered on this node: connected, or away within the reconnect grace. */
export interface LocalPeer {
  readonly id: string;
  conn: ConnId | undefined;
  publicKey: string | undefined;
  awaySince: number | undefined;
  /** While away: when the relay last asked the store whether the peer registered on another node. */
  awayCheckedAt?: number;
  readonly sessions: Set<number>;
  readonly relayBucket: TokenBucket;
}
