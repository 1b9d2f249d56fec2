/**
 * The peer protocol engine: registration, sessions (connect/answer/reject/close), candidate and
 * signal forwarding, heartbeats, relay routing with quotas and backpressure, idle and maximum-duration
 * timeouts, reconnect grace with a mailbox, and drain. Sans-IO: the transport adapter calls
 * `open/receiveText/receiveBinary/flushed/closed/tick/authResult` with `now`, then executes the
 * actions it `poll()`s. docs/peer-protocol.md has the sequence diagram.
 */
import { Mailbox } from '../../core/mailbox.js';
import { TokenBucket } from '../../core/token-bucket.js';
import {
  parseClientMessage,
  type ClientMessage,
  type PeerErrorCode,
  type PeerPath,
  type ServerMessage,
} from './messages.js';
import {
  CloseCode,
  DEFAULT_PEER_OPTIONS,
  NULL_OBSERVER,
  type PeerEngineOptions,
  type PeerObserver,
  type WelcomeSource,
} from './options.js';
import { RelayRouter } from './relay-router.js';
import { countSides, recordPath } from './session-paths.js';
import {
  ipOf,
  type Action,
  type Conn,
  type ConnId,
  type ConnMeta,
  type Peer,
  type Session,
} from './state.js';
import { welcomeMessage } from './welcome.js';

export interface PeerEngineDeps {
  readonly welcome: WelcomeSource;
  readonly options?: Partial<PeerEngineOptions>;
  readonly observer?: PeerObserver;
  /** Session ids; injected so tests are deterministic. */
  readonly randomU32?: () => number;
}

export class PeerEngine {
  readonly options: PeerEngineOptions;
  readonly #welcome: WelcomeSource;
  readonly #obs: PeerObserver;
  readonly #random: () => number;
  readonly #conns = new Map<ConnId, Conn>();
  readonly #peers = new Map<string, Peer>();
  readonly #sessions = new Map<number, Session>();
  readonly #mailbox: Mailbox;
  readonly #relay: RelayRouter;
  #actions: Action[] = [];
  #nextConn = 1;
  #drainDeadline: number | undefined;

  constructor(deps: PeerEngineDeps) {
    this.options = {
      ...DEFAULT_PEER_OPTIONS,
      ...deps.options,
      relay: { ...DEFAULT_PEER_OPTIONS.relay, ...deps.options?.relay },
    };
    this.#welcome = deps.welcome;
    this.#obs = deps.observer ?? NULL_OBSERVER;
    this.#random = deps.randomU32 ?? (() => (Math.random() * 0xffffffff) >>> 0);
    this.#mailbox = new Mailbox({
      ttlMs: this.options.awayTtlMs,
      maxMessages: this.options.mailboxMaxMessages,
      maxBytes: this.options.mailboxMaxBytes,
    });
    this.#relay = new RelayRouter(this.options.relay, this.#obs, {
      conns: this.#conns,
      peers: this.#peers,
      sessions: this.#sessions,
      emit: (a) => this.#emit(a),
    });
  }

  // ---- adapter inputs -------------------------------------------------------------------------

  /** A new transport connection. Returns its id, or undefined when draining (already told to go). */
  open(meta: ConnMeta, now: number): ConnId {
    const id = this.#nextConn++;
    const conn: Conn = {
      id,
      meta,
      openedAt: now,
      lastSeen: now,
      state: 'open',
      peerId: undefined,
      pendingRegister: undefined,
      strikes: 0,
      authFailures: 0,
      bucket: new TokenBucket(this.options.messagesPerSecond, this.options.messageBurst, now),
      queued: 0,
      pausedBy: new Set(),
      blocking: new Set(),
    };
    this.#conns.set(id, conn);
    if (this.#drainDeadline !== undefined) {
      this.#send(conn, { type: 'goaway', reason: 'draining', reconnectMs: 1000 });
      this.#close(conn, CloseCode.GoingAway, 'server draining');
    }
    return id;
  }

  receiveText(id: ConnId, text: string, now: number): void {
    const conn = this.#live(id);
    if (!conn) return;
    conn.lastSeen = now;
    if (text.length > this.options.maxMessageBytes)
      return this.#fail(conn, 'TOO_LARGE', `message over ${this.options.maxMessageBytes} bytes`);
    if (!conn.bucket.take(1, now))
      return this.#fail(conn, 'RATE_LIMITED', `over ${this.options.messagesPerSecond} messages per second`);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.#fail(conn, 'BAD_MESSAGE', parsed.message);
    const msg = parsed.message;
    this.#obs.message('in', msg.type);
    if (msg.type === 'ping')
      return this.#send(conn, msg.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: msg.ts });
    if (msg.type === 'pong') return;
    if (msg.type === 'register') return this.#register(conn, msg);
    const peer =
      conn.state === 'registered' && conn.peerId !== undefined ? this.#peers.get(conn.peerId) : undefined;
    if (!peer) return this.#fail(conn, 'NOT_REGISTERED', 'register first');
    this.#dispatch(conn, peer, msg, now);
  }

  receiveBinary(id: ConnId, frame: Uint8Array, now: number): void {
    const conn = this.#live(id);
    if (!conn) return;
    conn.lastSeen = now;
    if (conn.state !== 'registered') return this.#fail(conn, 'NOT_REGISTERED', 'register before relaying');
    const error = this.#relay.route(conn, frame, now);
    if (error) this.#fail(conn, error.code, error.message, error.session);
  }

  /** The adapter wrote `bytes` of what it was asked to send to `id` out to the socket. */
  flushed(id: ConnId, bytes: number): void {
    const conn = this.#conns.get(id);
    if (conn) this.#relay.flushed(conn, bytes);
  }

  /** Result of the adapter's token check for a pending registration. */
  authResult(
    id: ConnId,
    result: { ok: true; sub: string } | { ok: false; reason: string },
    now: number,
  ): void {
    const conn = this.#conns.get(id);
    if (!conn || conn.state !== 'authenticating' || !conn.pendingRegister) return;
    const pending = conn.pendingRegister;
    conn.pendingRegister = undefined;
    conn.state = 'open';
    if (!result.ok) {
      conn.authFailures++;
      this.#fail(conn, 'UNAUTHORIZED', `token refused: ${result.reason}`);
      if (conn.authFailures >= 3) this.#close(conn, CloseCode.Unauthorized, 'unauthorized');
      return;
    }
    if (result.sub !== pending.id)
      return this.#fail(
        conn,
        'ID_MISMATCH',
        `token is for ${JSON.stringify(result.sub)}, not ${JSON.stringify(pending.id)}`,
      );
    this.#completeRegister(conn, pending.id, pending.publicKey, now);
  }

  /** The transport connection is gone. */
  closed(id: ConnId, now: number): void {
    const conn = this.#conns.get(id);
    if (!conn) return;
    this.#conns.delete(id);
    this.#relay.forget(conn);
    const peer = conn.peerId !== undefined ? this.#peers.get(conn.peerId) : undefined;
    if (peer && peer.conn === id) {
      peer.conn = undefined;
      peer.awaySince = now;
    }
  }

  tick(now: number): void {
    const o = this.options;
    for (const conn of this.#conns.values()) {
      if (conn.state === 'closing') continue;
      if (now - conn.lastSeen >= o.idleTimeoutMs) this.#close(conn, CloseCode.Idle, 'idle timeout');
      else if (conn.state !== 'registered' && now - conn.openedAt >= o.registerTimeoutMs)
        this.#close(conn, CloseCode.PolicyViolation, 'no registration');
      else if (now - conn.openedAt >= o.maxDurationMs) {
        this.#send(conn, { type: 'goaway', reason: 'max-duration', reconnectMs: 0 });
        this.#close(conn, CloseCode.GoingAway, 'maximum connection duration');
      }
    }
    for (const peer of this.#peers.values()) {
      if (peer.awaySince !== undefined && now - peer.awaySince >= o.awayTtlMs)
        this.#forgetPeer(peer, 'peer-gone');
    }
    for (const s of this.#sessions.values()) {
      if (s.state === 'pending' && now - s.createdAt >= o.pendingSessionTimeoutMs) {
        this.#toPeer(
          s.initiator,
          { type: 'rejected', session: s.id, from: s.target, reason: 'timeout' },
          now,
        );
        this.#toPeer(s.target, { type: 'closed', session: s.id, reason: 'timeout' }, now);
        this.#endSession(s);
      }
    }
    this.#mailbox.sweep(now);
    if (this.#drainDeadline !== undefined && now >= this.#drainDeadline) {
      for (const conn of this.#conns.values()) this.#close(conn, CloseCode.GoingAway, 'server shutting down');
    }
  }

  /** GO_AWAY to everyone now; everything still open is closed at `now + graceMs` (by tick). */
  drain(now: number, graceMs: number): void {
    if (this.#drainDeadline !== undefined) return;
    this.#drainDeadline = now + graceMs;
    for (const conn of this.#conns.values()) {
      this.#send(conn, { type: 'goaway', reason: 'shutdown', reconnectMs: graceMs });
    }
  }

  get draining(): boolean {
    return this.#drainDeadline !== undefined;
  }

  poll(): Action | undefined {
    return this.#actions.shift();
  }

  /** Takes every pending action at once (cheaper than poll() in a loop for the adapter). */
  takeActions(): Action[] {
    const a = this.#actions;
    this.#actions = [];
    return a;
  }

  stats(): {
    connections: number;
    peers: number;
    peersAway: number;
    sessions: number;
    sessionsActive: number;
    mailboxHeld: number;
    /** Sides of active sessions per reported path. */
    sides: Record<PeerPath, number>;
  } {
    let away = 0;
    for (const p of this.#peers.values()) if (p.awaySince !== undefined) away++;
    let active = 0;
    for (const s of this.#sessions.values()) if (s.state === 'active') active++;
    return {
      connections: this.#conns.size,
      peers: this.#peers.size,
      peersAway: away,
      sessions: this.#sessions.size,
      sessionsActive: active,
      mailboxHeld: this.#mailbox.held,
      sides: countSides(this.#sessions.values()),
    };
  }

  // ---- registration ----------------------------------------------------------------------------

  #register(conn: Conn, msg: Extract<ClientMessage, { type: 'register' }>): void {
    if (this.#drainDeadline !== undefined)
      return this.#fail(conn, 'DRAINING', 'server is draining; reconnect elsewhere');
    if (conn.state === 'registered' || conn.state === 'authenticating')
      return this.#fail(conn, 'ALREADY_REGISTERED', 'this connection is registered');
    if (!this.#peers.has(msg.id) && this.#peers.size >= this.options.maxPeers) {
      this.#fail(conn, 'SERVER_FULL', `server holds its maximum of ${this.options.maxPeers} peers`);
      return this.#close(conn, CloseCode.ServerFull, 'server full');
    }
    conn.state = 'authenticating';
    conn.pendingRegister = { id: msg.id, publicKey: msg.publicKey };
    this.#emit({ type: 'authenticate', conn: conn.id, token: msg.token });
  }

  #completeRegister(conn: Conn, id: string, publicKey: string | undefined, now: number): void {
    let peer = this.#peers.get(id);
    if (peer?.conn !== undefined && peer.conn !== conn.id) {
      const old = this.#conns.get(peer.conn);
      if (old) {
        this.#send(old, {
          type: 'error',
          code: 'REPLACED',
          message: 'the same peer id registered on another connection',
        });
        this.#close(old, CloseCode.Replaced, 'replaced by a new registration');
        old.peerId = undefined;
      }
    }
    if (!peer) {
      peer = {
        id,
        conn: undefined,
        publicKey,
        awaySince: undefined,
        sessions: new Set(),
        relayBucket: new TokenBucket(this.options.relay.bytesPerSecond, this.options.relay.burstBytes, now),
      };
      this.#peers.set(id, peer);
    }
    peer.conn = conn.id;
    peer.awaySince = undefined;
    if (publicKey !== undefined) peer.publicKey = publicKey;
    conn.state = 'registered';
    conn.peerId = id;
    this.#send(
      conn,
      welcomeMessage(this.options, this.#welcome, conn, peer, (sid) => this.#sessions.get(sid)),
    );
    for (const text of this.#mailbox.take(id, now)) this.#emit({ type: 'send', conn: conn.id, data: text });
  }

  // ---- sessions --------------------------------------------------------------------------------

  #dispatch(
    conn: Conn,
    peer: Peer,
    msg: Exclude<ClientMessage, { type: 'register' | 'ping' | 'pong' }>,
    now: number,
  ): void {
    if (msg.type === 'connect') return this.#connect(conn, peer, msg, now);
    const s = this.#sessions.get(msg.session);
    if (!s) return this.#fail(conn, 'UNKNOWN_SESSION', `no session ${msg.session}`, msg.session);
    if (s.initiator !== peer.id && s.target !== peer.id)
      return this.#fail(conn, 'NOT_IN_SESSION', `not a member of session ${msg.session}`, msg.session);
    const other = s.initiator === peer.id ? s.target : s.initiator;
    switch (msg.type) {
      case 'answer':
      case 'reject': {
        if (s.target !== peer.id || s.state !== 'pending')
          return this.#fail(
            conn,
            'SESSION_NOT_ACTIVE',
            'only the target of a pending session answers it',
            s.id,
          );
        if (msg.type === 'reject') {
          this.#toPeer(
            other,
            { type: 'rejected', session: s.id, from: peer.id, reason: msg.reason ?? 'rejected' },
            now,
          );
          return this.#endSession(s);
        }
        s.state = 'active';
        const answered: ServerMessage = {
          type: 'answered',
          session: s.id,
          from: peer.id,
          address: ipOf(conn),
        };
        if (peer.publicKey !== undefined) answered.publicKey = peer.publicKey;
        if (msg.payload !== undefined) answered.payload = msg.payload;
        return this.#toPeer(other, answered, now);
      }
      case 'candidate':
        return this.#toPeer(
          other,
          { type: 'candidate', session: s.id, from: peer.id, candidate: msg.candidate },
          now,
        );
      case 'signal':
        return this.#toPeer(other, { type: 'signal', session: s.id, from: peer.id, data: msg.data }, now);
      case 'path':
        if (s.state !== 'active')
          return this.#fail(conn, 'SESSION_NOT_ACTIVE', `session ${s.id} is not answered yet`, s.id);
        if (recordPath(s, peer.id, msg.path)) this.#obs.pathSwitched(msg.path);
        return; // no reply: the report is for the server's metrics only
      case 'close':
        this.#toPeer(other, { type: 'closed', session: s.id, reason: msg.reason ?? 'closed by peer' }, now);
        return this.#endSession(s);
    }
  }

  #connect(conn: Conn, peer: Peer, msg: Extract<ClientMessage, { type: 'connect' }>, now: number): void {
    const ref = msg.ref;
    const fail = (code: PeerErrorCode, message: string): void => {
      this.#obs.error(code);
      this.#send(
        conn,
        ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref },
      );
    };
    if (msg.target === peer.id) return fail('SELF_CONNECT', 'cannot connect to yourself');
    const target = this.#peers.get(msg.target);
    if (!target) return fail('PEER_OFFLINE', `peer ${JSON.stringify(msg.target)} is not registered`);
    if (
      peer.sessions.size >= this.options.maxSessionsPerPeer ||
      target.sessions.size >= this.options.maxSessionsPerPeer
    ) {
      return fail('RATE_LIMITED', `at most ${this.options.maxSessionsPerPeer} sessions per peer`);
    }
    let id = this.#random() || 1;
    while (this.#sessions.has(id)) id = (this.#random() || 1) >>> 0;
    const s: Session = {
      id,
      initiator: peer.id,
      target: target.id,
      state: 'pending',
      createdAt: now,
      paths: { initiator: 'relay', target: 'relay' },
    };
    this.#sessions.set(id, s);
    peer.sessions.add(id);
    target.sessions.add(id);
    this.#send(
      conn,
      ref === undefined
        ? { type: 'connecting', session: id, target: target.id }
        : { type: 'connecting', session: id, target: target.id, ref },
    );
    const incoming: ServerMessage = { type: 'incoming', session: id, from: peer.id, address: ipOf(conn) };
    if (peer.publicKey !== undefined) incoming.publicKey = peer.publicKey;
    if (msg.payload !== undefined) incoming.payload = msg.payload;
    this.#toPeer(target.id, incoming, now);
  }

  #endSession(s: Session): void {
    this.#sessions.delete(s.id);
    this.#peers.get(s.initiator)?.sessions.delete(s.id);
    this.#peers.get(s.target)?.sessions.delete(s.id);
  }

  #forgetPeer(peer: Peer, reason: string): void {
    for (const sid of [...peer.sessions]) {
      const s = this.#sessions.get(sid);
      if (!s) continue;
      const other = s.initiator === peer.id ? s.target : s.initiator;
      this.#toPeer(other, { type: 'closed', session: sid, reason }, undefined);
      this.#endSession(s);
    }
    this.#mailbox.discard(peer.id);
    this.#peers.delete(peer.id);
  }

  // ---- output helpers --------------------------------------------------------------------------

  /** Sends to a peer by id: now if connected, to its mailbox if it is away. */
  #toPeer(id: string, msg: ServerMessage, now: number | undefined): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    const conn = peer.conn !== undefined ? this.#conns.get(peer.conn) : undefined;
    if (conn && conn.state !== 'closing') return this.#send(conn, msg);
    if (now !== undefined) {
      this.#obs.message('out', msg.type);
      this.#mailbox.put(id, JSON.stringify(msg), now);
    }
  }

  #send(conn: Conn, msg: ServerMessage): void {
    this.#obs.message('out', msg.type);
    const data = JSON.stringify(msg);
    conn.queued += data.length;
    this.#emit({ type: 'send', conn: conn.id, data });
  }

  #fail(conn: Conn, code: PeerErrorCode, message: string, session?: number): void {
    this.#obs.error(code);
    this.#send(
      conn,
      session === undefined ? { type: 'error', code, message } : { type: 'error', code, message, session },
    );
    conn.strikes++;
    if (conn.strikes >= this.options.strikesBeforeClose)
      this.#close(conn, CloseCode.PolicyViolation, `too many protocol errors (last: ${code})`);
  }

  #close(conn: Conn, code: number, reason: string): void {
    if (conn.state === 'closing') return;
    conn.state = 'closing';
    this.#obs.closed(reason);
    this.#emit({ type: 'close', conn: conn.id, code, reason });
  }

  #live(id: ConnId): Conn | undefined {
    const c = this.#conns.get(id);
    return c && c.state !== 'closing' ? c : undefined;
  }

  #emit(a: Action): void {
    this.#actions.push(a);
  }
}
