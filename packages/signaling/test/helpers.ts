// A scripted harness around the sans-IO signaling core with the peer protocol mounted: fake clock,
// fake connections, and the actions it produced, decoded. Every input waits until the core is idle
// (handlers that went to the store have settled), so a test reads what happened, in order.
// The store is memory by default; give a backend (a Redis store and bus) to run the same tests there,
// or a shared MemoryHub to put several harnesses (nodes) on one cluster.
import {
  MemoryBus,
  MemoryHub,
  MemoryStore,
  NULL_OBSERVER,
  PeerEngine,
  Router,
  SignalingCore,
  type Action,
  type ConnId,
  type PeerEngineOptions,
  type ServerMessage,
  type SignalBus,
  type SignalStore,
} from '../src/index.js';

export interface Backend {
  readonly store: SignalStore;
  readonly bus: SignalBus;
}

/** A memory backend; pass the same hub to several to make a cluster of in-process nodes. */
export function memoryBackend(nodeId = 'node-1', hub = new MemoryHub(), now?: () => number): Backend {
  const mailbox = { ttlMs: 30_000, maxMessages: 256, maxBytes: 256 * 1024 };
  return {
    store: new MemoryStore({ hub, mailbox, ...(now ? { now } : {}) }),
    bus: new MemoryBus(nodeId, hub),
  };
}

let nextSeq = 0;
let backendFactory: (() => Promise<Backend>) | undefined;

/**
 * Runs every Harness.create() of this process on backends from `f` (a Redis store and bus): a test
 * file sets it, then imports a test module to run that module's tests on this backend.
 */
export function useBackends(f: () => Promise<Backend>): void {
  backendFactory = f;
}

export class Harness {
  now = 1_000_000;
  readonly core: SignalingCore;
  readonly engine: PeerEngine;
  readonly router: Router;
  readonly sent = new Map<ConnId, (ServerMessage | Uint8Array)[]>();
  readonly closed = new Map<ConnId, { code: number; reason: string }>();
  readonly paused = new Set<ConnId>();
  readonly auth: { conn: ConnId; token: string }[] = [];
  /** What the engine told its observer about path switches, in order (the counter's input). */
  readonly pathSwitches: string[] = [];
  /** Bytes sent but not flushed, per connection (the harness flushes only when told). */
  autoFlush = true;
  readonly #ready: Promise<void>;

  constructor(options: Partial<PeerEngineOptions> = {}, backend?: Backend) {
    const b = backend ?? memoryBackend('node-1', new MemoryHub(), () => this.now);
    this.router = new Router(b.store, b.bus, undefined, () => this.now);
    this.#ready = this.router.start();
    // Actions that appear between inputs (a message from another node) are applied soon after.
    this.core = new SignalingCore({
      wake: () =>
        queueMicrotask(() => {
          for (const a of this.core.takeActions()) this.#apply(a);
        }),
    });
    // Session ids from a counter shared by every harness in the process, so nodes of one cluster
    // never pick the same id by chance and runs stay deterministic.
    this.engine = new PeerEngine({
      options,
      router: this.router,
      welcome: {
        stun: () => ({ primary: '203.0.113.1:3478', alternate: null }),
        iceServers: (id) => [{ urls: ['turn:203.0.113.1:3478'], username: `x:${id}`, credential: 'c' }],
      },
      randomU32: () => ++nextSeq,
      observer: { ...NULL_OBSERVER, pathSwitched: (to) => this.pathSwitches.push(to) },
    });
    this.core.mount(this.engine);
  }

  /** A harness on this process's backend (memory unless useBackends() said otherwise). */
  static async create(options: Partial<PeerEngineOptions> = {}): Promise<Harness> {
    return new Harness(options, backendFactory ? await backendFactory() : undefined);
  }

  async open(remote = '198.51.100.1:5000'): Promise<ConnId> {
    await this.#ready;
    const id = this.core.open({ remote, path: '/p2p', query: {}, headers: {}, secure: false }, this.now);
    if (id === undefined) throw new Error('nothing mounted at /p2p');
    this.sent.set(id, []);
    await this.settle();
    return id;
  }

  async text(conn: ConnId, msg: unknown): Promise<void> {
    this.core.receiveText(conn, typeof msg === 'string' ? msg : JSON.stringify(msg), this.now);
    await this.settle();
  }

  async binary(conn: ConnId, frame: Uint8Array): Promise<void> {
    this.core.receiveBinary(conn, frame, this.now);
    await this.settle();
  }

  /** Registers with a token the harness "verifies" as belonging to `sub`. */
  async register(conn: ConnId, id: string, sub = id, publicKey?: string): Promise<void> {
    await this.text(conn, { type: 'register', id, token: `tok-${sub}`, ...(publicKey ? { publicKey } : {}) });
    const a = this.auth.pop();
    if (!a) throw new Error('no authenticate action');
    await this.authResult(a.conn, { ok: true, sub });
  }

  async authResult(
    conn: ConnId,
    result: { ok: true; sub: string } | { ok: false; reason: string },
  ): Promise<void> {
    this.core.authResult(conn, result, this.now);
    await this.settle();
  }

  async disconnect(conn: ConnId): Promise<void> {
    this.core.closed(conn, this.now);
    await this.settle();
  }

  async advance(ms: number): Promise<void> {
    this.now += ms;
    this.core.tick(this.now);
    await this.settle();
  }

  last(conn: ConnId): ServerMessage {
    const list = this.messages(conn);
    const m = list[list.length - 1];
    if (!m) throw new Error(`nothing sent to ${conn}`);
    return m;
  }

  messages(conn: ConnId): ServerMessage[] {
    return (this.sent.get(conn) ?? []).filter((m): m is ServerMessage => !(m instanceof Uint8Array));
  }

  frames(conn: ConnId): Uint8Array[] {
    return (this.sent.get(conn) ?? []).filter((m): m is Uint8Array => m instanceof Uint8Array);
  }

  /** Applies actions until the core is idle and nothing is left to apply. */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const actions = this.core.takeActions();
      for (const a of actions) this.#apply(a);
      await this.core.idle();
      // Messages between nodes cross the bus in microtasks (memory) or over a socket (Redis).
      await new Promise((r) => setImmediate(r));
      if (actions.length === 0 && !this.core.hasActions) return;
    }
    throw new Error('the core never settled');
  }

  #apply(a: Action): void {
    switch (a.type) {
      case 'send':
        this.sent
          .get(a.conn)
          ?.push(typeof a.data === 'string' ? (JSON.parse(a.data) as ServerMessage) : a.data);
        if (this.autoFlush) this.core.flushed(a.conn, a.data.length);
        break;
      case 'close':
        this.closed.set(a.conn, { code: a.code, reason: a.reason });
        this.core.closed(a.conn, this.now);
        break;
      case 'pause':
        this.paused.add(a.conn);
        break;
      case 'resume':
        this.paused.delete(a.conn);
        break;
      case 'authenticate':
        this.auth.push({ conn: a.conn, token: a.token });
        break;
    }
  }
}

/** alice (KEY-A) connects to bob (KEY-B) with a payload; bob answers unless told not to. */
export async function pair(
  h: Harness,
  opts: { answer?: boolean; hb?: Harness } = {},
): Promise<{ a: ConnId; b: ConnId; session: number }> {
  const hb = opts.hb ?? h;
  const a = await h.open('198.51.100.1:1111');
  const b = await hb.open('198.51.100.2:2222');
  await h.register(a, 'alice', 'alice', 'KEY-A');
  await hb.register(b, 'bob', 'bob', 'KEY-B');
  await h.text(a, { type: 'connect', target: 'bob', ref: 'r1', payload: { hello: 1 } });
  const connecting = h.last(a) as Extract<ServerMessage, { type: 'connecting' }>;
  const session = connecting.session;
  await hb.settle();
  if (opts.answer !== false) {
    await hb.text(b, { type: 'answer', session, payload: { ok: true } });
    await h.settle();
  }
  return { a, b, session };
}
