/**
 * Relay routing: forwards binary frames between the two peers of an active session, with a per-peer
 * byte quota and receiver backpressure. Backpressure is lossless first: when a receiver's unflushed
 * backlog passes the high-water mark, every connection sending to it is paused (the adapter stops
 * reading its socket, so TCP pushes back on the sender); it resumes when the backlog falls under half
 * the mark. Frames already read while a receiver is past the hard cap are dropped and counted, so a
 * stuck receiver never grows server memory without bound.
 */
import type { PeerErrorCode } from './messages.js';
import type { PeerObserver, RelayLimits } from './options.js';
import { readRelaySession } from './relay-frame.js';
import type { Action, Conn, ConnId, Peer, Session } from './state.js';

export interface RelayTables {
  readonly conns: Map<ConnId, Conn>;
  readonly peers: Map<string, Peer>;
  readonly sessions: Map<number, Session>;
  readonly emit: (a: Action) => void;
}

export interface RelayError {
  readonly code: PeerErrorCode;
  readonly message: string;
  readonly session?: number;
}

export class RelayRouter {
  constructor(
    readonly limits: RelayLimits,
    readonly obs: PeerObserver,
    readonly t: RelayTables,
  ) {}

  /** Routes one frame from `from`. Returns an error to report to the sender, if any. */
  route(from: Conn, frame: Uint8Array, now: number): RelayError | undefined {
    if (frame.length > this.limits.maxFrameBytes) {
      this.obs.relayDropped('too-large');
      return { code: 'TOO_LARGE', message: `relay frame over ${this.limits.maxFrameBytes} bytes` };
    }
    const sid = readRelaySession(frame);
    const s = sid === undefined ? undefined : this.t.sessions.get(sid);
    if (sid === undefined || !s) {
      this.obs.relayDropped('unknown-session');
      return { code: 'UNKNOWN_SESSION', message: `relay frame for unknown session ${sid ?? '(no header)'}` };
    }
    const me = from.peerId;
    if (me !== s.initiator && me !== s.target) {
      this.obs.relayDropped('not-in-session');
      return { code: 'NOT_IN_SESSION', message: `not a member of session ${sid}`, session: sid };
    }
    if (s.state !== 'active') {
      this.obs.relayDropped('unknown-session');
      return { code: 'SESSION_NOT_ACTIVE', message: `session ${sid} is not answered yet`, session: sid };
    }
    const sender = this.t.peers.get(me);
    if (sender && !sender.relayBucket.take(frame.length, now)) {
      this.obs.relayDropped('quota');
      return undefined; // a quota drop is silent: the sender's transport retransmits or slows down
    }
    const receiverPeer = this.t.peers.get(me === s.initiator ? s.target : s.initiator);
    const to = receiverPeer?.conn !== undefined ? this.t.conns.get(receiverPeer.conn) : undefined;
    if (!to || to.state !== 'registered') {
      this.obs.relayDropped('peer-away');
      return undefined;
    }
    if (to.queued >= this.limits.hardCapBytes) {
      this.obs.relayDropped('backpressure');
      return undefined;
    }
    to.queued += frame.length;
    this.t.emit({ type: 'send', conn: to.id, data: frame });
    this.obs.relayed(frame.length);
    if (to.queued >= this.limits.highWaterBytes && !from.pausedBy.has(to.id)) {
      if (from.pausedBy.size === 0) this.t.emit({ type: 'pause', conn: from.id });
      from.pausedBy.add(to.id);
      to.blocking.add(from.id);
    }
    return undefined;
  }

  flushed(conn: Conn, bytes: number): void {
    conn.queued = Math.max(0, conn.queued - bytes);
    if (conn.blocking.size > 0 && conn.queued < this.limits.highWaterBytes / 2) this.#release(conn);
  }

  /** A connection is gone: release whoever it was blocking, and its own pauses. */
  forget(conn: Conn): void {
    this.#release(conn);
    for (const r of conn.pausedBy) this.t.conns.get(r)?.blocking.delete(conn.id);
    conn.pausedBy.clear();
  }

  #release(receiver: Conn): void {
    for (const sid of receiver.blocking) {
      const sender = this.t.conns.get(sid);
      if (!sender) continue;
      sender.pausedBy.delete(receiver.id);
      if (sender.pausedBy.size === 0) this.t.emit({ type: 'resume', conn: sender.id });
    }
    receiver.blocking.clear();
  }
}
