/**
 * Relay routing: forwards binary frames between the two peers of an active session, with a per-peer
 * byte quota and receiver backpressure. When both peers sit on this node, backpressure is lossless
 * first: a receiver past the high-water mark pauses every connection sending to it (the carrier stops
 * reading, so TCP pushes back) until its backlog falls under half the mark; past the hard cap frames
 * are dropped and counted. A receiver on another node gets the frame through the bus; there only the
 * hard cap applies (the sender's transport retransmits what is dropped).
 */
import type { ConnApi } from '../../core/protocol.js';
import type { ConnId } from '../../core/types.js';
import type { PresenceRecord } from '../../store/records.js';
import type { PeerErrorCode } from './messages.js';
import type { PeerObserver, RelayLimits } from './options.js';
import { readRelaySession } from './relay-frame.js';
import type { LocalPeer, PeerConn, SessionRecord } from './state.js';

/** How often the relay asks the store where an away receiver is, while frames keep coming for it. */
const AWAY_CHECK_MS = 1000;

export interface RelayTables {
  readonly conns: Map<ConnId, PeerConn>;
  readonly peers: Map<string, LocalPeer>;
  readonly sessions: Map<number, SessionRecord>;
}

export interface RelayError {
  readonly code: PeerErrorCode;
  readonly message: string;
  readonly session?: number;
}

/** What route() needs before it can decide: a session or a remote peer's place not cached here. */
export type RelayMiss =
  { readonly miss: 'session'; readonly session: number } | { readonly miss: 'peer'; readonly peer: string };

export class RelayRouter {
  constructor(
    readonly limits: RelayLimits,
    readonly obs: PeerObserver,
    readonly t: RelayTables,
    readonly api: ConnApi,
    /** Cached presence of peers on other nodes, and how to send there. */
    readonly remote: {
      get(peer: string, now: number): PresenceRecord | undefined;
      send(to: PresenceRecord, frame: Uint8Array): void;
    },
  ) {}

  /** Routes one frame from `from`. Returns an error for the sender, a miss to resolve, or nothing. */
  route(from: PeerConn, frame: Uint8Array, now: number): RelayError | RelayMiss | undefined {
    if (frame.length > this.limits.maxFrameBytes) {
      this.obs.relayDropped('too-large');
      return { code: 'TOO_LARGE', message: `relay frame over ${this.limits.maxFrameBytes} bytes` };
    }
    const sid = readRelaySession(frame);
    if (sid === undefined) {
      this.obs.relayDropped('unknown-session');
      return { code: 'UNKNOWN_SESSION', message: 'relay frame for unknown session (no header)' };
    }
    const s = this.t.sessions.get(sid);
    if (!s || s.state !== 'active') return { miss: 'session', session: sid };
    const me = from.peerId;
    if (me !== s.initiator && me !== s.target) {
      this.obs.relayDropped('not-in-session');
      return { code: 'NOT_IN_SESSION', message: `not a member of session ${sid}`, session: sid };
    }
    const other = me === s.initiator ? s.target : s.initiator;
    const receiver = this.t.peers.get(other);
    if (
      receiver?.conn === undefined &&
      receiver &&
      now - (receiver.awayCheckedAt ?? -Infinity) >= AWAY_CHECK_MS
    ) {
      receiver.awayCheckedAt = now; // away here: it may be on another node now (asked at most once a second)
      return { miss: 'peer', peer: other };
    }
    let remote: PresenceRecord | undefined;
    if (!receiver) {
      remote = this.remote.get(other, now);
      if (!remote) return { miss: 'peer', peer: other };
    }
    const sender = me === undefined ? undefined : this.t.peers.get(me);
    if (sender && !sender.relayBucket.take(frame.length, now)) {
      this.obs.relayDropped('quota');
      return undefined; // a quota drop is silent: the sender's transport retransmits or slows down
    }
    if (remote) {
      this.remote.send(remote, frame);
      this.obs.relayed(frame.length);
      return undefined;
    }
    this.deliver(receiver?.conn, frame, from);
    return undefined;
  }

  /** The answer to a miss that found nothing: the session is gone or not active, or the peer away. */
  unresolved(miss: RelayMiss, s: SessionRecord | undefined): RelayError | undefined {
    if (miss.miss === 'peer') {
      this.obs.relayDropped('peer-away');
      return undefined;
    }
    this.obs.relayDropped('unknown-session');
    return s
      ? { code: 'SESSION_NOT_ACTIVE', message: `session ${s.id} is not answered yet`, session: s.id }
      : { code: 'UNKNOWN_SESSION', message: `relay frame for unknown session ${miss.session}` };
  }

  /** Hands a frame to a connection on this node (from a local sender, or from the bus). */
  deliver(to: ConnId | undefined, frame: Uint8Array, from?: PeerConn): void {
    if (to === undefined || !this.api.live(to)) {
      this.obs.relayDropped('peer-away');
      return;
    }
    const queued = this.api.queued(to);
    if (queued >= this.limits.hardCapBytes) {
      this.obs.relayDropped('backpressure');
      return;
    }
    this.api.send(to, frame);
    if (from) this.obs.relayed(frame.length);
    const receiver = this.t.conns.get(to);
    if (from && receiver && queued + frame.length >= this.limits.highWaterBytes && !from.pausedBy.has(to)) {
      if (from.pausedBy.size === 0) this.api.pause(from.id);
      from.pausedBy.add(to);
      receiver.blocking.add(from.id);
    }
  }

  flushed(conn: PeerConn): void {
    if (conn.blocking.size > 0 && this.api.queued(conn.id) < this.limits.highWaterBytes / 2)
      this.#release(conn);
  }

  /** A connection is gone: release whoever it was blocking, and its own pauses. */
  forget(conn: PeerConn): void {
    this.#release(conn);
    for (const r of conn.pausedBy) this.t.conns.get(r)?.blocking.delete(conn.id);
    conn.pausedBy.clear();
  }

  #release(receiver: PeerConn): void {
    for (const sid of receiver.blocking) {
      const sender = this.t.conns.get(sid);
      if (!sender) continue;
      sender.pausedBy.delete(receiver.id);
      if (sender.pausedBy.size === 0) this.api.resume(sender.id);
    }
    receiver.blocking.clear();
  }
}
