// A scripted cluster of IM nodes around the sans-IO signaling core: one fake clock for every node,
// connections that authenticate with tokens the harness "verifies" (`token-<sub>`), and what each
// connection got, parsed. Backends are memory (a shared MemoryHub) or Redis (a private redis-server).
import {
  ImProtocol,
  Router,
  SignalingCore,
  type Action,
  type CallSummary,
  type ConnId,
  type ImObserver,
  type ImOptions,
  type OfflineCall,
  NULL_IM_OBSERVER,
  type CallPolicy,
} from '../../src/index.js';
import type { Backend } from '../helpers.js';

export interface ImFrame {
  readonly type: string;
  readonly payload: Record<string, unknown> & {
    call_id?: string;
    reason?: string;
    status?: string;
    error_code?: string;
    details?: { reason?: string };
    duration?: number;
  };
  readonly timestamp?: string;
}

export interface ImNodeDeps {
  readonly options?: Partial<ImOptions>;
  readonly policy?: CallPolicy;
}

export class ImNode {
  readonly core: SignalingCore;
  readonly protocol: ImProtocol;
  readonly router: Router;
  readonly sent = new Map<ConnId, ImFrame[]>();
  readonly closed = new Map<ConnId, { code: number; reason: string }>();
  readonly offline: OfflineCall[] = [];
  readonly ended: CallSummary[] = [];
  readonly observed: { kind: keyof ImObserver; value: unknown }[] = [];
  readonly #ready: Promise<void>;

  constructor(
    readonly cluster: ImCluster,
    backend: Backend,
    deps: ImNodeDeps,
  ) {
    this.router = new Router(backend.store, backend.bus, undefined, () => cluster.now);
    this.#ready = this.router.start();
    this.#ready.catch(() => {}); // a node a test replaced before using it; connect() still awaits it
    this.core = new SignalingCore({ wake: () => queueMicrotask(() => this.#drain()) });
    const observer = Object.fromEntries(
      Object.keys(NULL_IM_OBSERVER).map((k) => [
        k,
        (value: unknown) => this.observed.push({ kind: k as keyof ImObserver, value }),
      ]),
    ) as unknown as ImObserver;
    this.protocol = new ImProtocol({
      router: this.router,
      now: () => cluster.now,
      options: { ringTimeoutMs: 2000, graceMs: 2000, ...deps.options },
      ...(deps.policy && { policy: deps.policy }),
      notifyOffline: (c) => this.offline.push(c),
      history: { record: async (s) => void this.ended.push(s), list: async () => ({ calls: [] }) },
      observer,
    });
    this.core.mount(this.protocol);
  }

  /** A device of `user`: the token on the URL (`query`) or in a first auth message (`message`). */
  async connect(
    user: string | number,
    how: 'query' | 'message' = 'query',
    token = `token-${user}`,
  ): Promise<ConnId> {
    await this.#ready;
    const query: Record<string, string> = how === 'query' ? { token } : {};
    const id = this.core.open(
      { remote: '198.51.100.9:4000', path: '/im', query, headers: {}, secure: true },
      this.cluster.now,
    );
    if (id === undefined) throw new Error('nothing mounted at /im');
    this.sent.set(id, []);
    if (how === 'message')
      this.core.receiveText(id, JSON.stringify({ type: 'auth', payload: { token } }), this.cluster.now);
    await this.cluster.settle();
    return id;
  }

  async send(conn: ConnId, msg: unknown): Promise<void> {
    this.core.receiveText(conn, typeof msg === 'string' ? msg : JSON.stringify(msg), this.cluster.now);
    await this.cluster.settle();
  }

  /** The device's socket drops. */
  async drop(conn: ConnId): Promise<void> {
    this.core.closed(conn, this.cluster.now);
    await this.cluster.settle();
  }

  got(conn: ConnId, type?: string): ImFrame[] {
    return (this.sent.get(conn) ?? []).filter((f) => type === undefined || f.type === type);
  }

  last(conn: ConnId, type?: string): ImFrame {
    const list = this.got(conn, type);
    const f = list[list.length - 1];
    if (!f) throw new Error(`no ${type ?? 'frame'} sent to connection ${conn}`);
    return f;
  }

  /** Forgets what was sent so far (a test reads only what follows). */
  clear(conn: ConnId): void {
    this.sent.set(conn, []);
  }

  get hasActions(): boolean {
    return this.core.hasActions;
  }

  #drain(): void {
    for (const a of this.core.takeActions()) this.#apply(a);
  }

  apply(): number {
    const actions = this.core.takeActions();
    for (const a of actions) this.#apply(a);
    return actions.length;
  }

  #apply(a: Action): void {
    switch (a.type) {
      case 'send':
        this.sent.get(a.conn)?.push(JSON.parse(a.data as string) as ImFrame);
        this.core.flushed(a.conn, a.data.length);
        break;
      case 'close':
        this.closed.set(a.conn, { code: a.code, reason: a.reason });
        this.core.closed(a.conn, this.cluster.now);
        break;
      case 'authenticate': {
        const ok = a.token.startsWith('token-');
        queueMicrotask(() =>
          this.core.authResult(
            a.conn,
            ok ? { ok: true, sub: a.token.slice(6) } : { ok: false, reason: 'signature verification failed' },
            this.cluster.now,
          ),
        );
        break;
      }
      default:
        break;
    }
  }
}

export class ImCluster {
  now = 1_760_000_000_000;
  readonly nodes: ImNode[];

  private constructor() {
    this.nodes = [];
  }

  /** Nodes on the backends `make` gives for this cluster's clock. */
  static async create(
    make: (now: () => number) => Promise<readonly Backend[]>,
    deps: ImNodeDeps = {},
  ): Promise<ImCluster> {
    const c = new ImCluster();
    for (const b of await make(() => c.now)) c.nodes.push(new ImNode(c, b, deps));
    return c;
  }

  /** Applies actions until every core is idle; messages crossing a Redis bus are polled for by `until`. */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      let n = 0;
      for (const node of this.nodes) n += node.apply();
      await Promise.all(this.nodes.map((node) => node.core.idle()));
      await new Promise((r) => setImmediate(r));
      if (n === 0 && this.nodes.every((node) => !node.hasActions)) return;
    }
    throw new Error('the cluster never settled');
  }

  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const node of this.nodes) node.core.tick(this.now);
    await this.settle();
  }

  /** Waits for a condition that may need a bus round trip (Redis), settling in between. */
  async until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      await this.settle();
      if (cond()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
