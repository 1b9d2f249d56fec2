/**
 * The peer protocol on the signaling core: registration, sessions (connect/answer/reject/close),
 * candidate and signal forwarding, path reports, relay, reconnect grace with a mailbox. Sans-IO: the
 * core calls it with `now`; shared state goes through the store and the router, so peers on
 * different nodes reach each other. docs/peer-protocol.md has the sequence diagram,
 * docs/signaling-cluster.md who holds what.
 */
import type { ConnApi, Protocol } from '../../core/protocol.js';
import { TokenBucket } from '../../core/token-bucket.js';
import {
  CloseCode,
  ipOf,
  type AuthResult,
  type ConnId,
  type ConnLimits,
  type ConnMeta,
} from '../../core/types.js';
import type { Router } from '../../routing/router.js';
import { RECORD_VERSION, type PresenceRecord } from '../../store/records.js';
import { parseClientMessage, type ClientMessage, type PeerPath, type ServerMessage } from './messages.js';
import {
  DEFAULT_PEER_OPTIONS,
  NULL_OBSERVER,
  type PeerEngineOptions,
  type PeerObserver,
  type WelcomeSource,
} from './options.js';
import { RelayRouter, type RelayMiss } from './relay-router.js';
import { countSides, recordPath } from './session-paths.js';
import { PeerSessions } from './sessions.js';
import { PEER_SCOPE, scoped, type LocalPeer, type PeerConn, type SessionRecord } from './state.js';
import { welcomeMessage } from './welcome.js';

export interface PeerEngineDeps {
  readonly welcome: WelcomeSource;
  readonly router: Router;
  readonly options?: Partial<PeerEngineOptions>;
  readonly observer?: PeerObserver;
  /** Session ids; injected so tests are deterministic. */
  readonly randomU32?: () => number;
}

type SessionMsg = Exclude<ClientMessage, { type: 'register' | 'ping' | 'pong' | 'connect' }>;

export class PeerEngine implements Protocol {
  readonly name = 'peer';
  readonly path = '/p2p';
  readonly options: PeerEngineOptions;
  readonly limits: ConnLimits;
  readonly #welcome: WelcomeSource;
  readonly #obs: PeerObserver;
  readonly #router: Router;
  readonly #conns = new Map<ConnId, PeerConn>();
  readonly #peers = new Map<string, LocalPeer>();
  readonly #sessions: PeerSessions;
  readonly #remote = new Map<string, { p: PresenceRecord; until: number }>();
  #api!: ConnApi;
  #relay!: RelayRouter;
  #lastHeartbeat = -Infinity;

  constructor(deps: PeerEngineDeps) {
    const o = (this.options = {
      ...DEFAULT_PEER_OPTIONS,
      ...deps.options,
      relay: { ...DEFAULT_PEER_OPTIONS.relay, ...deps.options?.relay },
    });
    this.limits = o; // PeerEngineOptions extends ConnLimits
    this.#welcome = deps.welcome;
    this.#obs = deps.observer ?? NULL_OBSERVER;
    this.#router = deps.router;
    this.#sessions = new PeerSessions(deps.router.store, o, deps.randomU32);
    deps.router.register(PEER_SCOPE, {
      deliverText: (conn, id, text, session) => this.#deliverText(conn, id, text, session),
      deliverRelay: (conn, id, frame) => {
        if (this.#holds(conn, id)) this.#relay.deliver(conn, frame);
        else this.#obs.relayDropped('peer-away');
      },
      control: (conn, id, word) => {
        if (word === 'replaced' && this.#holds(conn, id)) this.#replace(conn);
      },
    });
  }

  attach(api: ConnApi): void {
    this.#api = api;
    this.#relay = new RelayRouter(
      this.options.relay,
      this.#obs,
      { conns: this.#conns, peers: this.#peers, sessions: this.#sessions.cache },
      api,
      {
        get: (peer, now) => {
          const r = this.#remote.get(peer);
          return r && r.until > now ? r.p : undefined;
        },
        send: (to, frame) => {
          this.#router.sendRelay(to, frame).then(
            (took) => {
              if (!took) this.#remote.delete(to.id.slice(PEER_SCOPE.length));
            },
            () => this.#obs.relayDropped('peer-away'),
          );
        },
      },
    );
  }

  // ---- core inputs ------------------------------------------------------------------------------

  opened(id: ConnId): void {
    this.#conns.set(id, {
      id,
      peerId: undefined,
      pendingRegister: undefined,
      authFailures: 0,
      pausedBy: new Set(),
      blocking: new Set(),
    });
  }

  async text(id: ConnId, text: string, now: number): Promise<void> {
    const conn = this.#conns.get(id);
    if (!conn) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.#api.fail(id, 'BAD_MESSAGE', parsed.message);
    const msg = parsed.message;
    this.#obs.message('in', msg.type);
    if (msg.type === 'ping')
      return this.#send(id, msg.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: msg.ts });
    if (msg.type === 'pong') return;
    if (msg.type === 'register') return this.#register(conn, msg);
    const peer = conn.peerId !== undefined ? this.#peers.get(conn.peerId) : undefined;
    if (!peer || peer.conn !== id) return this.#api.fail(id, 'NOT_REGISTERED', 'register first');
    if (msg.type === 'connect') return this.#connect(conn, peer, msg, now);
    return this.#dispatch(conn, peer, msg, now);
  }

  binary(id: ConnId, frame: Uint8Array, now: number): void | Promise<void> {
    const conn = this.#conns.get(id);
    if (!conn) return;
    if (conn.peerId === undefined) return this.#api.fail(id, 'NOT_REGISTERED', 'register before relaying');
    const r = this.#relay.route(conn, frame, now);
    if (r === undefined) return;
    if ('miss' in r) return this.#resolveMiss(conn, frame, r, now);
    this.#api.fail(id, r.code, r.message, r.session === undefined ? undefined : { session: r.session });
  }

  async authenticated(id: ConnId, result: AuthResult, now: number): Promise<void> {
    const conn = this.#conns.get(id);
    if (!conn || !conn.pendingRegister) return;
    const pending = conn.pendingRegister;
    conn.pendingRegister = undefined;
    if (!result.ok) {
      conn.authFailures++;
      this.#api.fail(id, 'UNAUTHORIZED', `token refused: ${result.reason}`);
      if (conn.authFailures >= 3) this.#api.close(id, CloseCode.Unauthorized, 'unauthorized');
      return;
    }
    if (result.sub !== pending.id)
      return this.#api.fail(
        id,
        'ID_MISMATCH',
        `token is for ${JSON.stringify(result.sub)}, not ${JSON.stringify(pending.id)}`,
      );
    await this.#completeRegister(conn, pending.id, pending.publicKey, now);
  }

  flushed(id: ConnId): void {
    const conn = this.#conns.get(id);
    if (conn) this.#relay.flushed(conn);
  }

  async closed(id: ConnId, now: number): Promise<void> {
    const conn = this.#conns.get(id);
    if (!conn) return;
    this.#conns.delete(id);
    this.#relay.forget(conn);
    const peer = conn.peerId !== undefined ? this.#peers.get(conn.peerId) : undefined;
    if (!peer || peer.conn !== id) return;
    peer.conn = undefined;
    peer.awaySince = now;
    await this.#router.store.deletePresence(scoped(peer.id), this.#router.nodeId, id).catch(() => false);
  }

  async tick(now: number): Promise<void> {
    const o = this.options;
    for (const peer of this.#peers.values())
      if (peer.awaySince !== undefined && now - peer.awaySince >= o.awayTtlMs)
        await this.#forgetPeer(peer, 'peer-gone', now);
    for (const s of [...this.#sessions.cache.values()]) {
      if (s.state !== 'pending' || now - s.createdAt < o.pendingSessionTimeoutMs) continue;
      if (!this.#peers.has(s.initiator)) continue; // the initiator's node times it out
      await this.#toPeer(
        s.initiator,
        { type: 'rejected', session: s.id, from: s.target, reason: 'timeout' },
        now,
        s.id,
      );
      await this.#toPeer(s.target, { type: 'closed', session: s.id, reason: 'timeout' }, now, s.id);
      await this.#sessions.end(s);
    }
    for (const [k, r] of this.#remote) if (r.until <= now) this.#remote.delete(k);
    if (now - this.#lastHeartbeat >= o.presenceTtlMs / 3) {
      this.#lastHeartbeat = now;
      await this.#heartbeat().catch(() => undefined); // an outage is reported by the store's health
    }
  }

  errorFrame(code: string, message: string, extra?: Readonly<Record<string, unknown>>): string {
    this.#obs.error(code);
    this.#obs.message('out', 'error');
    return JSON.stringify({ type: 'error', code, message, ...extra });
  }

  goAwayFrame(reason: 'draining' | 'shutdown' | 'max-duration', reconnectMs: number): string {
    this.#obs.message('out', 'goaway');
    return JSON.stringify({ type: 'goaway', reason, reconnectMs } satisfies ServerMessage);
  }

  stats(): {
    peers: number;
    peersAway: number;
    sessions: number;
    sessionsActive: number;
    sides: Record<PeerPath, number>;
  } {
    let away = 0;
    for (const p of this.#peers.values()) if (p.awaySince !== undefined) away++;
    let active = 0;
    for (const s of this.#sessions.cache.values()) if (s.state === 'active') active++;
    return {
      peers: this.#peers.size,
      peersAway: away,
      sessions: this.#sessions.cache.size,
      sessionsActive: active,
      sides: countSides(this.#sessions.cache.values()),
    };
  }

  // ---- registration -----------------------------------------------------------------------------

  #register(conn: PeerConn, msg: Extract<ClientMessage, { type: 'register' }>): void {
    if (this.#api.draining())
      return this.#api.fail(conn.id, 'DRAINING', 'server is draining; reconnect elsewhere');
    if (conn.peerId !== undefined || conn.pendingRegister)
      return this.#api.fail(conn.id, 'ALREADY_REGISTERED', 'this connection is registered');
    if (!this.#peers.has(msg.id) && this.#peers.size >= this.options.maxPeers) {
      this.#api.fail(conn.id, 'SERVER_FULL', `server holds its maximum of ${this.options.maxPeers} peers`);
      return this.#api.close(conn.id, CloseCode.ServerFull, 'server full');
    }
    conn.pendingRegister = { id: msg.id, publicKey: msg.publicKey };
    this.#api.authenticate(conn.id, msg.token);
  }

  async #completeRegister(
    conn: PeerConn,
    id: string,
    publicKey: string | undefined,
    now: number,
  ): Promise<void> {
    const store = this.#router.store;
    const meta = this.#api.meta(conn.id) as ConnMeta;
    const before = await store.getPresence(scoped(id));
    const sessions = await this.#sessions.ofPeer(id);
    let peer = this.#peers.get(id);
    if (peer?.conn !== undefined && peer.conn !== conn.id) this.#replace(peer.conn);
    else if (before && before.node !== this.#router.nodeId)
      await this.#router.sendControl(before, 'replaced').catch(() => false);
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
    if (publicKey !== undefined) peer.publicKey = publicKey;
    if (!this.#api.live(conn.id)) return; // it left while we asked the store
    peer.conn = conn.id;
    peer.awaySince = undefined;
    for (const s of sessions) peer.sessions.add(s.id);
    conn.peerId = id;
    const data = {
      address: ipOf({ meta }),
      ...(peer.publicKey !== undefined ? { publicKey: peer.publicKey } : {}),
    };
    const presence: PresenceRecord = {
      v: RECORD_VERSION,
      id: scoped(id),
      node: this.#router.nodeId,
      conn: conn.id,
      since: now,
      data,
    };
    await store.setPresence(presence, this.options.presenceTtlMs);
    this.#api.ready(conn.id);
    const welcome = welcomeMessage(this.options, this.#welcome, meta, peer, sessions, this.#router.nodeId);
    this.#send(conn.id, welcome);
    for (const text of await store.mailboxTake(scoped(id), now)) this.#api.send(conn.id, text);
  }

  /** Another registration of the same id took over: tell the old connection why and close it. */
  #replace(old: ConnId): void {
    const c = this.#conns.get(old);
    this.#send(old, {
      type: 'error',
      code: 'REPLACED',
      message: 'the same peer id registered on another connection',
    });
    this.#api.close(old, CloseCode.Replaced, 'replaced by a new registration');
    if (c) c.peerId = undefined;
  }

  // ---- sessions ---------------------------------------------------------------------------------

  async #connect(
    conn: PeerConn,
    peer: LocalPeer,
    msg: Extract<ClientMessage, { type: 'connect' }>,
    now: number,
  ): Promise<void> {
    const ref = msg.ref === undefined ? undefined : { ref: msg.ref };
    if (msg.target === peer.id)
      return this.#api.fail(conn.id, 'SELF_CONNECT', 'cannot connect to yourself', ref);
    const local = this.#peers.get(msg.target);
    const remote = local ? undefined : await this.#router.store.getPresence(scoped(msg.target));
    if (!local && !remote)
      return this.#api.fail(
        conn.id,
        'PEER_OFFLINE',
        `peer ${JSON.stringify(msg.target)} is not registered`,
        ref,
      );
    const max = this.options.maxSessionsPerPeer;
    if (peer.sessions.size >= max || (local && local.sessions.size >= max))
      return this.#api.fail(conn.id, 'RATE_LIMITED', `at most ${max} sessions per peer`, ref);
    const s = await this.#sessions.create(peer.id, msg.target, now);
    peer.sessions.add(s.id);
    local?.sessions.add(s.id);
    this.#send(conn.id, { type: 'connecting', session: s.id, target: msg.target, ...ref });
    await this.#toPeer(msg.target, this.#introduce('incoming', s.id, conn, peer, msg.payload), now, s.id);
  }

  async #dispatch(conn: PeerConn, peer: LocalPeer, msg: SessionMsg, now: number): Promise<void> {
    const s = await this.#sessions.get(msg.session);
    if (!s)
      return this.#api.fail(conn.id, 'UNKNOWN_SESSION', `no session ${msg.session}`, {
        session: msg.session,
      });
    if (s.initiator !== peer.id && s.target !== peer.id)
      return this.#api.fail(conn.id, 'NOT_IN_SESSION', `not a member of session ${msg.session}`, {
        session: msg.session,
      });
    peer.sessions.add(s.id);
    const other = s.initiator === peer.id ? s.target : s.initiator;
    switch (msg.type) {
      case 'answer':
      case 'reject': {
        if (s.target !== peer.id || s.state !== 'pending')
          return this.#api.fail(
            conn.id,
            'SESSION_NOT_ACTIVE',
            'only the target of a pending session answers it',
            { session: s.id },
          );
        if (msg.type === 'reject') {
          await this.#sessions.end(s);
          peer.sessions.delete(s.id);
          this.#peers.get(other)?.sessions.delete(s.id);
          return this.#toPeer(
            other,
            { type: 'rejected', session: s.id, from: peer.id, reason: msg.reason ?? 'rejected' },
            now,
            s.id,
          );
        }
        s.state = 'active';
        await this.#sessions.save(s);
        return this.#toPeer(other, this.#introduce('answered', s.id, conn, peer, msg.payload), now, s.id);
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
          return this.#api.fail(conn.id, 'SESSION_NOT_ACTIVE', `session ${s.id} is not answered yet`, {
            session: s.id,
          });
        if (recordPath(s, peer.id, msg.path)) {
          this.#obs.pathSwitched(msg.path);
          await this.#sessions.save(s).catch(() => undefined); // a report is for metrics only
        }
        return;
      case 'close':
        await this.#sessions.end(s);
        peer.sessions.delete(s.id);
        this.#peers.get(other)?.sessions.delete(s.id);
        return this.#toPeer(
          other,
          { type: 'closed', session: s.id, reason: msg.reason ?? 'closed by peer' },
          now,
          s.id,
        );
    }
  }

  /** `incoming` or `answered`: who the other side is, where its signaling comes from, its key. */
  #introduce(
    type: 'incoming' | 'answered',
    session: number,
    conn: PeerConn,
    peer: LocalPeer,
    payload: unknown,
  ): ServerMessage {
    const m: Extract<ServerMessage, { type: 'incoming' | 'answered' }> = {
      type,
      session,
      from: peer.id,
      address: ipOf({ meta: this.#api.meta(conn.id) as ConnMeta }),
    };
    if (peer.publicKey !== undefined) m.publicKey = peer.publicKey;
    if (payload !== undefined) m.payload = payload;
    return m;
  }

  async #forgetPeer(peer: LocalPeer, reason: string, now: number): Promise<void> {
    this.#peers.delete(peer.id);
    for (const sid of [...peer.sessions]) {
      const s = await this.#sessions.get(sid).catch(() => undefined);
      if (!s) continue;
      const other = s.initiator === peer.id ? s.target : s.initiator;
      await this.#toPeer(other, { type: 'closed', session: sid, reason }, now, sid).catch(() => undefined);
      this.#peers.get(other)?.sessions.delete(sid);
      await this.#sessions.end(s).catch(() => undefined);
    }
    await this.#router.store.mailboxDiscard(scoped(peer.id)).catch(() => undefined);
  }

  async #resolveMiss(conn: PeerConn, frame: Uint8Array, miss: RelayMiss, now: number): Promise<void> {
    let s: SessionRecord | undefined;
    if (miss.miss === 'session') s = await this.#sessions.get(miss.session, { fresh: true });
    else {
      const p = await this.#router.store.getPresence(scoped(miss.peer));
      if (p && p.node !== this.#router.nodeId)
        this.#remote.set(miss.peer, { p, until: now + this.options.remotePresenceCacheMs });
    }
    const again = s === undefined || s.state === 'active' ? this.#relay.route(conn, frame, now) : miss;
    if (again === undefined) return;
    const err = 'miss' in again ? this.#relay.unresolved(again, s) : again;
    if (err)
      this.#api.fail(
        conn.id,
        err.code,
        err.message,
        err.session === undefined ? undefined : { session: err.session },
      );
  }

  async #heartbeat(): Promise<void> {
    const ids: string[] = [];
    const keys: string[] = [];
    for (const p of this.#peers.values()) {
      if (p.conn !== undefined) ids.push(scoped(p.id));
      keys.push(...this.#sessions.keysOf(p));
    }
    if (ids.length > 0) await this.#router.store.refreshPresence(ids, this.options.presenceTtlMs);
    if (keys.length > 0) await this.#router.store.touch(keys, this.#sessions.ttlMs);
  }

  // ---- delivery ---------------------------------------------------------------------------------

  /** Sends to a peer by id wherever it is: here, on another node, or to its mailbox while away. */
  async #toPeer(id: string, msg: ServerMessage, now: number, session?: number): Promise<void> {
    const local = this.#peers.get(id);
    if (local?.conn !== undefined && this.#api.live(local.conn)) return this.#send(local.conn, msg);
    this.#obs.message('out', msg.type);
    const text = JSON.stringify(msg);
    if (local) return this.#hold(id, text, now);
    const outcome = await this.#router.sendText(scoped(id), text, {
      session: session ?? 0,
      mailbox: true,
      now,
    });
    if (outcome !== 'remote') this.#obs.mailbox(outcome === 'mailbox' ? 'held' : 'dropped');
  }

  async #hold(id: string, text: string, now: number): Promise<void> {
    const held = await this.#router.store.mailboxPut(scoped(id), text, now);
    this.#obs.mailbox(held ? 'held' : 'dropped');
  }

  /** A text message from another node for a connection here. */
  #deliverText(conn: ConnId, id: string, text: string, session: number): boolean {
    if (session !== 0) this.#sessions.cache.delete(session); // the message reports a change to it
    if (!this.#holds(conn, id)) return false;
    const peer = this.#peers.get(id.slice(PEER_SCOPE.length));
    // The sender wrote the text with JSON.stringify, type first: no need to parse it to keep the
    // peer's session set (limits, heartbeat) in step.
    if (session !== 0 && text.startsWith('{"type":"incoming"')) peer?.sessions.add(session);
    if (session !== 0 && /^\{"type":"(closed|rejected)"/.test(text)) peer?.sessions.delete(session);
    this.#api.send(conn, text);
    return true;
  }

  #holds(conn: ConnId, id: string): boolean {
    const c = this.#conns.get(conn);
    return c !== undefined && c.peerId !== undefined && scoped(c.peerId) === id && this.#api.live(conn);
  }

  #send(conn: ConnId, msg: ServerMessage): void {
    this.#obs.message('out', msg.type);
    this.#api.send(conn, JSON.stringify(msg));
  }
}
