/**
 * The protocol-independent connection core: the connection table, rate buckets, payload limits,
 * strikes, idle/register/maximum-duration timeouts, input ordering while a protocol waits on the
 * store, backpressure bookkeeping and drain with the protocol's own GO_AWAY. Sans-IO: a carrier
 * (transports/) calls `open/receiveText/receiveBinary/flushed/closed/tick/authResult` with `now` and
 * executes the actions it takes. docs/signaling-core.md has the diagram.
 */
import { StoreError } from '../store/records.js';
import type { Admission, ConnApi, Protocol } from './protocol.js';
import { TokenBucket } from './token-bucket.js';
import { CloseCode, ipOf, type Action, type AuthResult, type ConnId, type ConnMeta } from './types.js';

interface CoreConn {
  readonly id: ConnId;
  readonly meta: ConnMeta;
  readonly protocol: Protocol;
  readonly openedAt: number;
  lastSeen: number;
  state: 'open' | 'ready' | 'closing' | 'closed';
  strikes: number;
  readonly bucket: TokenBucket;
  queued: number;
  /** A handler of this connection is waiting on a promise; later inputs wait in `inbox`. */
  busy: boolean;
  readonly inbox: (() => void | Promise<void>)[];
  pausedByInbox: boolean;
  /** Pauses asked by the protocol (relay backpressure); the socket reads again when both are off. */
  pausedByProtocol: boolean;
}

/** Counters the composition maps to metrics; the core never imports prom-client. */
export interface CoreObserver {
  error(protocol: string, code: string): void;
  closed(protocol: string, reason: string): void;
  /** A handler threw something that is not a protocol error: a bug, reported and survived. */
  internalError(protocol: string, err: unknown): void;
  /** A connection refused at the door (Protocol.admit), by protocol and reason. */
  refused?(protocol: string, reason: string): void;
}

export const NULL_CORE_OBSERVER: CoreObserver = { error() {}, closed() {}, internalError() {} };

export interface CoreDeps {
  readonly observer?: CoreObserver;
  /**
   * Called when actions appear outside a carrier's input call (a handler's promise settled, a message
   * from another node arrived): the carrier should take them soon. Called once until taken.
   */
  readonly wake?: () => void;
}

export class SignalingCore {
  readonly #mounts = new Map<string, Protocol>();
  readonly #conns = new Map<ConnId, CoreConn>();
  /** Open connections per client IP, for maxConnectionsPerIp. */
  readonly #perIp = new Map<string, number>();
  readonly #obs: CoreObserver;
  readonly #wake: () => void;
  #actions: Action[] = [];
  #nextConn = 1;
  #drainDeadline: number | undefined;
  #pending = 0;
  #idleWaiters: (() => void)[] = [];
  /** Depth of carrier input calls in progress: their caller takes the actions afterwards. */
  #inInput = 0;
  #woken = false;

  constructor(deps: CoreDeps = {}) {
    this.#obs = deps.observer ?? NULL_CORE_OBSERVER;
    this.#wake = deps.wake ?? (() => {});
  }

  /** Mounts a protocol at its path. */
  mount(protocol: Protocol): void {
    if (this.#mounts.has(protocol.path)) throw new Error(`a protocol is already mounted at ${protocol.path}`);
    this.#mounts.set(protocol.path, protocol);
    protocol.attach(this.#api(protocol));
  }

  /** Whether a protocol is mounted at `path` (carriers answer 404 otherwise). */
  accepts(path: string): boolean {
    return this.#mounts.has(path);
  }

  get draining(): boolean {
    return this.#drainDeadline !== undefined;
  }

  /**
   * The door: what the protocol mounted at `meta.path` says about a connection before the carrier
   * accepts it. Nothing mounted is a 404, a draining server a 503; a protocol without `admit` lets
   * everyone in (it authenticates later, by a first message). A failing check is a 500, not a crash.
   */
  async admit(meta: ConnMeta, now: number): Promise<Admission> {
    const protocol = this.#mounts.get(meta.path);
    if (!protocol) return { ok: false, status: 404, body: 'not found\n', reason: 'no-such-path' };
    if (this.draining) return { ok: false, status: 503, body: 'draining\n', reason: 'draining' };
    if (!protocol.admit) return { ok: true };
    let a: Admission;
    try {
      a = await protocol.admit(meta, now);
    } catch (err) {
      if (err instanceof StoreError)
        a = { ok: false, status: 503, body: `${err.code}: ${err.message}\n`, reason: err.code };
      else {
        this.#obs.internalError(protocol.name, err);
        a = { ok: false, status: 500, body: 'internal error\n', reason: 'internal' };
      }
    }
    if (!a.ok) this.#obs.refused?.(protocol.name, a.reason);
    return a;
  }

  // ---- carrier inputs ---------------------------------------------------------------------------

  /** A new connection at `meta.path`. Returns its id, or undefined when nothing is mounted there. */
  open(meta: ConnMeta, now: number): ConnId | undefined {
    return this.#carrierInput(() => this.#open(meta, now));
  }

  #open(meta: ConnMeta, now: number): ConnId | undefined {
    const protocol = this.#mounts.get(meta.path);
    if (!protocol) return undefined;
    const l = protocol.limits;
    const conn: CoreConn = {
      id: this.#nextConn++,
      meta,
      protocol,
      openedAt: now,
      lastSeen: now,
      state: 'open',
      strikes: 0,
      bucket: new TokenBucket(l.messagesPerSecond, l.messageBurst, now),
      queued: 0,
      busy: false,
      inbox: [],
      pausedByInbox: false,
      pausedByProtocol: false,
    };
    this.#conns.set(conn.id, conn);
    const ip = ipOf(conn);
    const fromIp = (this.#perIp.get(ip) ?? 0) + 1;
    this.#perIp.set(ip, fromIp);
    if (fromIp > l.maxConnectionsPerIp) {
      this.#fail(conn, 'RATE_LIMITED', `over ${l.maxConnectionsPerIp} connections from ${ip}`);
      this.#close(conn, CloseCode.PolicyViolation, 'too many connections from one address');
    } else if (this.draining) {
      this.#goAway(conn, 'draining', 1000);
      this.#close(conn, CloseCode.GoingAway, 'server draining');
    } else this.#input(conn, () => protocol.opened(conn.id, meta, now));
    return conn.id;
  }

  receiveText(id: ConnId, text: string, now: number): void {
    return this.#carrierInput(() => this.#receiveText(id, text, now));
  }

  #receiveText(id: ConnId, text: string, now: number): void {
    const conn = this.#live(id);
    if (!conn) return;
    conn.lastSeen = now;
    const l = conn.protocol.limits;
    if (text.length > l.maxMessageBytes)
      return this.#fail(conn, 'TOO_LARGE', `message over ${l.maxMessageBytes} bytes`);
    if (!conn.bucket.take(1, now))
      return this.#fail(conn, 'RATE_LIMITED', `over ${l.messagesPerSecond} messages per second`);
    this.#input(conn, () => conn.protocol.text(id, text, now));
  }

  receiveBinary(id: ConnId, bytes: Uint8Array, now: number): void {
    return this.#carrierInput(() => this.#receiveBinary(id, bytes, now));
  }

  #receiveBinary(id: ConnId, bytes: Uint8Array, now: number): void {
    const conn = this.#live(id);
    if (!conn) return;
    conn.lastSeen = now;
    this.#input(conn, () => conn.protocol.binary(id, bytes, now));
  }

  authResult(id: ConnId, result: AuthResult, now: number): void {
    return this.#carrierInput(() => this.#authResult(id, result, now));
  }

  #authResult(id: ConnId, result: AuthResult, now: number): void {
    const conn = this.#live(id);
    if (conn) this.#input(conn, () => conn.protocol.authenticated(id, result, now));
  }

  /** The carrier wrote `bytes` of what it was asked to send to `id`. */
  flushed(id: ConnId, bytes: number): void {
    const conn = this.#conns.get(id);
    if (!conn) return;
    conn.queued = Math.max(0, conn.queued - bytes);
    conn.protocol.flushed?.(id, bytes);
  }

  /** The connection is gone. The protocol hears of it after the inputs it already took. */
  closed(id: ConnId, now: number): void {
    return this.#carrierInput(() => this.#closed(id, now));
  }

  #closed(id: ConnId, now: number): void {
    const conn = this.#conns.get(id);
    if (!conn || conn.state === 'closed') return;
    conn.state = 'closed';
    conn.inbox.length = 0; // what it sent after we stopped listening is not handled
    const ip = ipOf(conn);
    const fromIp = (this.#perIp.get(ip) ?? 1) - 1;
    if (fromIp > 0) this.#perIp.set(ip, fromIp);
    else this.#perIp.delete(ip);
    const run = (): void | Promise<void> => {
      this.#conns.delete(id);
      return conn.protocol.closed(id, now);
    };
    if (conn.busy) conn.inbox.push(run);
    else this.#run(conn, run);
  }

  tick(now: number): void {
    return this.#carrierInput(() => this.#tick(now));
  }

  #tick(now: number): void {
    for (const conn of this.#conns.values()) {
      if (conn.state === 'closing' || conn.state === 'closed') continue;
      const l = conn.protocol.limits;
      if (now - conn.lastSeen >= l.idleTimeoutMs) this.#close(conn, CloseCode.Idle, 'idle timeout');
      else if (conn.state !== 'ready' && now - conn.openedAt >= l.registerTimeoutMs)
        this.#close(conn, CloseCode.PolicyViolation, 'no registration');
      else if (now - conn.openedAt >= l.maxDurationMs) {
        this.#goAway(conn, 'max-duration', 0);
        this.#close(conn, CloseCode.GoingAway, 'maximum connection duration');
      }
    }
    for (const p of this.#mounts.values()) this.#track(p, p.tick(now));
    if (this.#drainDeadline !== undefined && now >= this.#drainDeadline) {
      for (const conn of this.#conns.values()) this.#close(conn, CloseCode.GoingAway, 'server shutting down');
    }
  }

  /** GO_AWAY to everyone now; what is still open is closed at `now + graceMs` (by tick). */
  drain(now: number, graceMs: number): void {
    return this.#carrierInput(() => this.#drain(now, graceMs));
  }

  #drain(now: number, graceMs: number): void {
    if (this.#drainDeadline !== undefined) return;
    this.#drainDeadline = now + graceMs;
    for (const conn of this.#conns.values())
      if (conn.state !== 'closed') this.#goAway(conn, 'shutdown', graceMs);
  }

  get hasActions(): boolean {
    return this.#actions.length > 0;
  }

  /**
   * The actions for one carrier's connections (ConnMeta.carrier; `ws` when unset), or all of them.
   * What is left for another carrier wakes it. Actions for a connection already gone go to whoever
   * asks first: every carrier ignores what it does not hold.
   */
  takeActions(carrier?: string): Action[] {
    this.#woken = false;
    const all = this.#actions;
    if (carrier === undefined) {
      this.#actions = [];
      return all;
    }
    const mine: Action[] = [];
    const rest: Action[] = [];
    for (const a of all) {
      const c = this.#conns.get(a.conn);
      (c === undefined || (c.meta.carrier ?? 'ws') === carrier ? mine : rest).push(a);
    }
    this.#actions = rest;
    if (rest.length > 0) {
      this.#woken = true;
      this.#wake();
    }
    return mine;
  }

  /** Resolves when no handler is waiting on a promise (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  get connections(): number {
    return this.#conns.size;
  }

  // ---- input ordering ---------------------------------------------------------------------------

  #input(conn: CoreConn, fn: () => void | Promise<void>): void {
    if (!conn.busy) return this.#run(conn, fn);
    conn.inbox.push(fn);
    if (conn.inbox.length >= conn.protocol.limits.maxQueuedInputs && !conn.pausedByInbox) {
      conn.pausedByInbox = true;
      if (!conn.pausedByProtocol) this.#emit({ type: 'pause', conn: conn.id });
    }
  }

  #run(conn: CoreConn, fn: () => void | Promise<void>): void {
    let r: void | Promise<void>;
    try {
      r = fn();
    } catch (err) {
      return this.#handlerError(conn, err);
    }
    if (!(r instanceof Promise)) return;
    conn.busy = true;
    this.#pending++;
    r.catch((err: unknown) => this.#handlerError(conn, err)).finally(() => {
      conn.busy = false;
      this.#pending--;
      this.#next(conn);
      if (this.#pending === 0) for (const w of this.#idleWaiters.splice(0)) w();
      this.#wake();
    });
  }

  #next(conn: CoreConn): void {
    while (!conn.busy) {
      const fn = conn.inbox.shift();
      if (!fn) break;
      this.#run(conn, fn);
    }
    if (conn.pausedByInbox && conn.inbox.length < conn.protocol.limits.maxQueuedInputs / 2) {
      conn.pausedByInbox = false;
      if (!conn.pausedByProtocol && conn.state !== 'closed') this.#emit({ type: 'resume', conn: conn.id });
    }
  }

  /** A protocol's tick or other connection-less work that returned a promise. */
  #track(p: Protocol, r: void | Promise<void>): void {
    if (!(r instanceof Promise)) return;
    this.#pending++;
    r.catch((err: unknown) => this.#obs.internalError(p.name, err)).finally(() => {
      this.#pending--;
      if (this.#pending === 0) for (const w of this.#idleWaiters.splice(0)) w();
      this.#wake();
    });
  }

  #handlerError(conn: CoreConn, err: unknown): void {
    if (err instanceof StoreError) return this.#fail(conn, err.code, err.message);
    this.#obs.internalError(conn.protocol.name, err);
    this.#fail(conn, 'INTERNAL', 'internal error');
  }

  // ---- outputs -----------------------------------------------------------------------------------

  #api(protocol: Protocol): ConnApi {
    const mine = (id: ConnId): CoreConn | undefined => {
      const c = this.#conns.get(id);
      return c && c.protocol === protocol ? c : undefined;
    };
    return {
      send: (id, data) => {
        const c = mine(id);
        if (c && c.state !== 'closing' && c.state !== 'closed') this.#send(c, data);
      },
      fail: (id, code, message, extra) => {
        const c = mine(id);
        if (c && c.state !== 'closed') this.#fail(c, code, message, extra);
      },
      close: (id, code, reason) => {
        const c = mine(id);
        if (c) this.#close(c, code, reason);
      },
      authenticate: (id, token) => {
        if (mine(id)) this.#emit({ type: 'authenticate', conn: id, token });
      },
      ready: (id) => {
        const c = mine(id);
        if (c && c.state === 'open') c.state = 'ready';
      },
      live: (id) => {
        const c = mine(id);
        return c !== undefined && (c.state === 'open' || c.state === 'ready');
      },
      meta: (id) => mine(id)?.meta,
      queued: (id) => mine(id)?.queued ?? 0,
      pause: (id) => {
        const c = mine(id);
        if (!c || c.pausedByProtocol) return;
        c.pausedByProtocol = true;
        if (!c.pausedByInbox) this.#emit({ type: 'pause', conn: id });
      },
      resume: (id) => {
        const c = mine(id);
        if (!c || !c.pausedByProtocol) return;
        c.pausedByProtocol = false;
        if (!c.pausedByInbox) this.#emit({ type: 'resume', conn: id });
      },
      draining: () => this.draining,
    };
  }

  #send(conn: CoreConn, data: string | Uint8Array): void {
    conn.queued += data.length;
    this.#emit({ type: 'send', conn: conn.id, data });
  }

  #fail(conn: CoreConn, code: string, message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.#obs.error(conn.protocol.name, code);
    const open = conn.state !== 'closing' && conn.state !== 'closed';
    const frame = open ? conn.protocol.errorFrame(code, message, extra) : undefined;
    if (frame !== undefined) this.#send(conn, frame);
    conn.strikes++;
    if (conn.strikes >= conn.protocol.limits.strikesBeforeClose)
      this.#close(conn, CloseCode.PolicyViolation, `too many protocol errors (last: ${code})`);
  }

  #goAway(conn: CoreConn, reason: 'draining' | 'shutdown' | 'max-duration', reconnectMs: number): void {
    const frame = conn.protocol.goAwayFrame(reason, reconnectMs);
    if (frame !== undefined && conn.state !== 'closing') this.#send(conn, frame);
  }

  #close(conn: CoreConn, code: number, reason: string): void {
    if (conn.state === 'closing' || conn.state === 'closed') return;
    conn.state = 'closing';
    this.#obs.closed(conn.protocol.name, reason);
    this.#emit({ type: 'close', conn: conn.id, code, reason });
  }

  #live(id: ConnId): CoreConn | undefined {
    const c = this.#conns.get(id);
    return c && (c.state === 'open' || c.state === 'ready') ? c : undefined;
  }

  #emit(a: Action): void {
    this.#actions.push(a);
    if (this.#inInput === 0 && !this.#woken) {
      this.#woken = true;
      this.#wake();
    }
  }

  /** Runs a carrier input: actions it emits are taken by the carrier right after, no wake needed. */
  #carrierInput<T>(fn: () => T): T {
    this.#inInput++;
    try {
      return fn();
    } finally {
      this.#inInput--;
    }
  }
}
