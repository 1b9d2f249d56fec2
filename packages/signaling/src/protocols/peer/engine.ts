/**
 * The peer protocol on the signaling core: registration, sessions (session-handlers.ts), relay
 * (relay-router.ts), heartbeats and reconnect grace. Sans-IO: the core calls it with `now`; shared
 * state goes through the store and the router, so peers on different nodes reach each other.
 * docs/peer-protocol.md has the sequence diagram, docs/signaling-cluster.md who holds what.
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
import { PeerContext } from './context.js';
import { parseClientMessage, type ClientMessage, type PeerPath, type ServerMessage } from './messages.js';
import {
  DEFAULT_PEER_OPTIONS,
  NULL_OBSERVER,
  type PeerEngineOptions,
  type PeerObserver,
  type WelcomeSource,
} from './options.js';
import { RelayRouter, type RelayMiss } from './relay-router.js';
import { closeOrphans, connect, dispatch, forgetPeer } from './session-handlers.js';
import { countSides } from './session-paths.js';
import { PeerSessions } from './sessions.js';
import { PEER_SCOPE, scoped, type PeerConn, type SessionRecord } from './state.js';
import { welcomeMessage } from './welcome.js';

export interface PeerEngineDeps {
  readonly welcome: WelcomeSource;
  readonly router: Router;
  readonly options?: Partial<PeerEngineOptions>;
  readonly observer?: PeerObserver;
  /** Session ids; injected so tests are deterministic. */
  readonly randomU32?: () => number;
}

export class PeerEngine implements Protocol {
  readonly name = 'peer';
  readonly path = '/p2p';
  readonly options: PeerEngineOptions;
  readonly limits: ConnLimits;
  readonly #welcome: WelcomeSource;
  readonly #obs: PeerObserver;
  readonly #router: Router;
  readonly #sessions: PeerSessions;
  /** Where peers on other nodes are, for the relay's hot path (refreshed on a miss). */
  readonly #remote = new Map<string, { p: PresenceRecord; until: number }>();
  #ctx!: PeerContext;
  #relay!: RelayRouter;
  #lastHeartbeat = -Infinity;
  #lastOrphanCheck = -Infinity;
  /** Remote partners of this node's peers found without presence, and since when (closeOrphans). */
  readonly #missingPartners = new Map<string, number>();
  /** A tick still waiting on the store: the next one is skipped rather than run on top of it. */
  #ticking = false;

  constructor(deps: PeerEngineDeps) {
    this.options = {
      ...DEFAULT_PEER_OPTIONS,
      ...deps.options,
      relay: { ...DEFAULT_PEER_OPTIONS.relay, ...deps.options?.relay },
    };
    this.limits = this.options; // PeerEngineOptions extends ConnLimits
    this.#welcome = deps.welcome;
    this.#obs = deps.observer ?? NULL_OBSERVER;
    this.#router = deps.router;
    this.#sessions = new PeerSessions(deps.router.store, this.options, deps.randomU32);
    // Back from an outage: heartbeat at the next tick, which writes again what the store lost.
    deps.router.store.onHealth((h) => {
      if (h === 'up') this.#lastHeartbeat = -Infinity;
    });
    deps.router.register(PEER_SCOPE, {
      deliverText: (conn, id, text, session) => this.#ctx.deliverText(conn, id, text, session),
      deliverRelay: (conn, id, frame) => {
        if (this.#ctx.holds(conn, id)) this.#relay.deliver(conn, frame);
        else this.#obs.relayDropped('peer-away');
      },
      control: (conn, id, word) => {
        if (word === 'replaced' && this.#ctx.holds(conn, id)) this.#replace(conn);
      },
    });
  }

  attach(api: ConnApi): void {
    const ctx = (this.#ctx = new PeerContext(api, this.#router, this.#sessions, this.options, this.#obs));
    const remote = {
      get: (peer: string, now: number): PresenceRecord | undefined => {
        const r = this.#remote.get(peer);
        return r && r.until > now ? r.p : undefined;
      },
      send: (to: PresenceRecord, frame: Uint8Array): void => {
        this.#router.sendRelay(to, frame).then(
          (took) => {
            if (!took) this.#remote.delete(to.id.slice(PEER_SCOPE.length)); // that node is gone
          },
          () => this.#obs.relayDropped('peer-away'),
        );
      },
    };
    const tables = { conns: ctx.conns, peers: ctx.peers, sessions: this.#sessions.cache };
    this.#relay = new RelayRouter(this.options.relay, this.#obs, tables, api, remote);
  }

  // ---- core inputs ------------------------------------------------------------------------------

  opened(id: ConnId): void {
    this.#ctx.conns.set(id, {
      id,
      peerId: undefined,
      pendingRegister: undefined,
      authFailures: 0,
      pausedBy: new Set(),
      blocking: new Set(),
    });
  }

  async text(id: ConnId, text: string, now: number): Promise<void> {
    const ctx = this.#ctx;
    const conn = ctx.conns.get(id);
    if (!conn) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return ctx.api.fail(id, 'BAD_MESSAGE', parsed.message);
    const msg = parsed.message;
    this.#obs.message('in', msg.type);
    if (msg.type === 'ping')
      return ctx.send(id, msg.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: msg.ts });
    if (msg.type === 'pong') return;
    if (msg.type === 'register') return this.#register(conn, msg);
    const peer = conn.peerId !== undefined ? ctx.peers.get(conn.peerId) : undefined;
    if (!peer || peer.conn !== id) return ctx.api.fail(id, 'NOT_REGISTERED', 'register first');
    if (msg.type === 'connect') return connect(ctx, conn, peer, msg, now);
    return dispatch(ctx, conn, peer, msg, now);
  }

  binary(id: ConnId, frame: Uint8Array, now: number): void | Promise<void> {
    const conn = this.#ctx.conns.get(id);
    if (!conn) return;
    if (conn.peerId === undefined)
      return this.#ctx.api.fail(id, 'NOT_REGISTERED', 'register before relaying');
    const r = this.#relay.route(conn, frame, now);
    if (r === undefined) return;
    if ('miss' in r) return this.#resolveMiss(conn, frame, r, now);
    this.#ctx.api.fail(id, r.code, r.message, r.session === undefined ? undefined : { session: r.session });
  }

  async authenticated(id: ConnId, result: AuthResult, now: number): Promise<void> {
    const { api, conns } = this.#ctx;
    const conn = conns.get(id);
    if (!conn || !conn.pendingRegister) return;
    const pending = conn.pendingRegister;
    conn.pendingRegister = undefined;
    if (!result.ok) {
      conn.authFailures++;
      api.fail(id, 'UNAUTHORIZED', `token refused: ${result.reason}`);
      if (conn.authFailures >= 3) api.close(id, CloseCode.Unauthorized, 'unauthorized');
      return;
    }
    if (result.sub !== pending.id)
      return api.fail(
        id,
        'ID_MISMATCH',
        `token is for ${JSON.stringify(result.sub)}, not ${JSON.stringify(pending.id)}`,
      );
    await this.#completeRegister(conn, pending.id, pending.publicKey, now);
  }

  flushed(id: ConnId): void {
    const conn = this.#ctx.conns.get(id);
    if (conn) this.#relay.flushed(conn);
  }

  async closed(id: ConnId, now: number): Promise<void> {
    const ctx = this.#ctx;
    const conn = ctx.conns.get(id);
    if (!conn) return;
    ctx.conns.delete(id);
    this.#relay.forget(conn);
    const peer = conn.peerId !== undefined ? ctx.peers.get(conn.peerId) : undefined;
    if (!peer || peer.conn !== id) return;
    peer.conn = undefined;
    peer.awaySince = now;
    await this.#router.store.deletePresence(scoped(peer.id), this.#router.nodeId, id).catch(() => false);
  }

  async tick(now: number): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.#tick(now);
    } finally {
      this.#ticking = false;
    }
  }

  async #tick(now: number): Promise<void> {
    const o = this.options;
    const ctx = this.#ctx;
    for (const peer of ctx.peers.values())
      if (peer.awaySince !== undefined && now - peer.awaySince >= o.awayTtlMs)
        await forgetPeer(ctx, peer, 'peer-gone', now);
    for (const s of [...this.#sessions.cache.values()]) {
      if (s.state !== 'pending' || now - s.createdAt < o.pendingSessionTimeoutMs) continue;
      if (!ctx.peers.has(s.initiator)) continue; // the initiator's node times it out
      await ctx.toPeer(
        s.initiator,
        { type: 'rejected', session: s.id, from: s.target, reason: 'timeout' },
        now,
        s.id,
      );
      await ctx.toPeer(s.target, { type: 'closed', session: s.id, reason: 'timeout' }, now, s.id);
      await this.#sessions.end(s);
    }
    for (const [k, r] of this.#remote) if (r.until <= now) this.#remote.delete(k);
    if (now - this.#lastHeartbeat >= o.presenceTtlMs / 3) {
      this.#lastHeartbeat = now;
      await this.#heartbeat(now).catch(() => undefined); // an outage is reported by the store's health
    }
    if (now - this.#lastOrphanCheck >= o.presenceTtlMs / 3) {
      this.#lastOrphanCheck = now;
      await closeOrphans(ctx, this.#missingPartners, now).catch(() => undefined);
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

  /** This node's view: the peers it holds and the sessions they are in. */
  stats(): {
    peers: number;
    peersAway: number;
    sessions: number;
    sessionsActive: number;
    sides: Record<PeerPath, number>;
  } {
    let away = 0;
    for (const p of this.#ctx.peers.values()) if (p.awaySince !== undefined) away++;
    let active = 0;
    for (const s of this.#sessions.cache.values()) if (s.state === 'active') active++;
    return {
      peers: this.#ctx.peers.size,
      peersAway: away,
      sessions: this.#sessions.cache.size,
      sessionsActive: active,
      sides: countSides(this.#sessions.cache.values()),
    };
  }

  // ---- registration -----------------------------------------------------------------------------

  #register(conn: PeerConn, msg: Extract<ClientMessage, { type: 'register' }>): void {
    const { api, peers } = this.#ctx;
    if (api.draining()) return api.fail(conn.id, 'DRAINING', 'server is draining; reconnect elsewhere');
    if (conn.peerId !== undefined || conn.pendingRegister)
      return api.fail(conn.id, 'ALREADY_REGISTERED', 'this connection is registered');
    if (!peers.has(msg.id) && peers.size >= this.options.maxPeers) {
      api.fail(conn.id, 'SERVER_FULL', `server holds its maximum of ${this.options.maxPeers} peers`);
      return api.close(conn.id, CloseCode.ServerFull, 'server full');
    }
    conn.pendingRegister = { id: msg.id, publicKey: msg.publicKey };
    api.authenticate(conn.id, msg.token);
  }

  async #completeRegister(
    conn: PeerConn,
    id: string,
    publicKey: string | undefined,
    now: number,
  ): Promise<void> {
    const ctx = this.#ctx;
    const store = this.#router.store;
    const meta = ctx.api.meta(conn.id) as ConnMeta;
    const before = await store.getPresence(scoped(id));
    const sessions = await this.#sessions.ofPeer(id);
    let peer = ctx.peers.get(id);
    if (peer?.conn !== undefined && peer.conn !== conn.id) this.#replace(peer.conn);
    else if (before && before.node !== this.#router.nodeId)
      await this.#router.sendControl(before, 'replaced').catch(() => false);
    if (!peer) {
      const { bytesPerSecond, burstBytes } = this.options.relay;
      peer = {
        id,
        conn: undefined,
        publicKey,
        awaySince: undefined,
        sessions: new Set(),
        relayBucket: new TokenBucket(bytesPerSecond, burstBytes, now),
      };
      ctx.peers.set(id, peer);
    }
    if (publicKey !== undefined) peer.publicKey = publicKey;
    if (!ctx.api.live(conn.id)) return; // it left while we asked the store
    peer.conn = conn.id;
    peer.awaySince = undefined;
    for (const s of sessions) peer.sessions.add(s.id);
    conn.peerId = id;
    const node = this.#router.nodeId;
    await store.setPresence(this.#presence(id, conn.id, now), this.options.presenceTtlMs);
    ctx.api.ready(conn.id);
    ctx.send(conn.id, welcomeMessage(this.options, this.#welcome, meta, peer, sessions, node));
    for (const text of await store.mailboxTake(scoped(id), now)) ctx.api.send(conn.id, text);
  }

  /** The presence record of a peer held on this connection here. */
  #presence(id: string, conn: ConnId, now: number): PresenceRecord {
    const meta = this.#ctx.api.meta(conn);
    const publicKey = this.#ctx.peers.get(id)?.publicKey;
    const data = { address: meta ? ipOf({ meta }) : '', ...(publicKey !== undefined ? { publicKey } : {}) };
    return { v: RECORD_VERSION, id: scoped(id), node: this.#router.nodeId, conn, since: now, data };
  }

  /** Another registration of the same id took over: tell the old connection why and close it. */
  #replace(old: ConnId): void {
    const { api, conns } = this.#ctx;
    this.#ctx.send(old, {
      type: 'error',
      code: 'REPLACED',
      message: 'the same peer id registered on another connection',
    });
    api.close(old, CloseCode.Replaced, 'replaced by a new registration');
    const c = conns.get(old);
    if (c) c.peerId = undefined;
  }

  // ---- relay and heartbeat ----------------------------------------------------------------------

  /** The relay needs a session or a remote peer's place it has not cached: ask the store, retry. */
  async #resolveMiss(conn: PeerConn, frame: Uint8Array, miss: RelayMiss, now: number): Promise<void> {
    let s: SessionRecord | undefined;
    if (miss.miss === 'session') s = await this.#sessions.get(miss.session, { fresh: true });
    else {
      const p = await this.#router.store.getPresence(scoped(miss.peer));
      if (p && p.node !== this.#router.nodeId) {
        this.#remote.set(miss.peer, { p, until: now + this.options.remotePresenceCacheMs });
        // Away here but registered there: the record here is stale (its sessions live on there).
        if (this.#ctx.peers.get(miss.peer)?.conn === undefined) this.#ctx.peers.delete(miss.peer);
      }
    }
    const again = s === undefined || s.state === 'active' ? this.#relay.route(conn, frame, now) : miss;
    if (again === undefined) return;
    const err = 'miss' in again ? this.#relay.unresolved(again, s) : again;
    if (err)
      this.#ctx.api.fail(
        conn.id,
        err.code,
        err.message,
        err.session === undefined ? undefined : { session: err.session },
      );
  }

  /** Keeps the presence of the peers held here, and their sessions, alive in the store. */
  async #heartbeat(now: number): Promise<void> {
    const ids: string[] = [];
    const keys: string[] = [];
    for (const p of this.#ctx.peers.values()) {
      if (p.conn !== undefined) ids.push(scoped(p.id));
      keys.push(...this.#sessions.keysOf(p));
    }
    const store = this.#router.store;
    const missing = ids.length > 0 ? await store.refreshPresence(ids, this.options.presenceTtlMs) : [];
    // Gone from the store (a Redis that restarted without its data): write them again, or every
    // client of this node would be unreachable until it reconnects.
    for (const id of missing) {
      const peer = this.#ctx.peers.get(id.slice(PEER_SCOPE.length));
      if (peer?.conn !== undefined)
        await store.setPresence(this.#presence(peer.id, peer.conn, now), this.options.presenceTtlMs);
    }
    if (keys.length > 0) await this.#router.store.touch(keys, this.#sessions.ttlMs);
  }
}
