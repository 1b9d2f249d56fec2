// A scripted harness around the sans-IO PeerEngine: fake clock, fake connections, and the actions
// it produced, decoded.
import {
  NULL_OBSERVER,
  PeerEngine,
  type Action,
  type ConnId,
  type PeerEngineOptions,
  type ServerMessage,
} from '../src/index.js';

export class Harness {
  now = 1_000_000;
  readonly engine: PeerEngine;
  readonly sent = new Map<ConnId, (ServerMessage | Uint8Array)[]>();
  readonly closed = new Map<ConnId, { code: number; reason: string }>();
  readonly paused = new Set<ConnId>();
  readonly auth: { conn: ConnId; token: string }[] = [];
  /** What the engine told its observer about path switches, in order (the counter's input). */
  readonly pathSwitches: string[] = [];
  /** Bytes sent but not flushed, per connection (the harness flushes only when told). */
  autoFlush = true;
  #seq = 0;

  constructor(options: Partial<PeerEngineOptions> = {}) {
    this.engine = new PeerEngine({
      options,
      welcome: {
        stun: () => ({ primary: '203.0.113.1:3478', alternate: null }),
        iceServers: (id) => [{ urls: ['turn:203.0.113.1:3478'], username: `x:${id}`, credential: 'c' }],
      },
      randomU32: () => ++this.#seq,
      observer: { ...NULL_OBSERVER, pathSwitched: (to) => this.pathSwitches.push(to) },
    });
  }

  open(remote = '198.51.100.1:5000'): ConnId {
    const id = this.engine.open({ remote, secure: false }, this.now);
    this.sent.set(id, []);
    this.run();
    return id;
  }

  text(conn: ConnId, msg: unknown): void {
    this.engine.receiveText(conn, typeof msg === 'string' ? msg : JSON.stringify(msg), this.now);
    this.run();
  }

  binary(conn: ConnId, frame: Uint8Array): void {
    this.engine.receiveBinary(conn, frame, this.now);
    this.run();
  }

  /** Registers with a token the harness "verifies" as belonging to `sub`. */
  register(conn: ConnId, id: string, sub = id, publicKey?: string): void {
    this.text(conn, { type: 'register', id, token: `tok-${sub}`, ...(publicKey ? { publicKey } : {}) });
    const a = this.auth.pop();
    if (!a) throw new Error('no authenticate action');
    this.engine.authResult(a.conn, { ok: true, sub }, this.now);
    this.run();
  }

  advance(ms: number): void {
    this.now += ms;
    this.engine.tick(this.now);
    this.run();
  }

  last(conn: ConnId): ServerMessage {
    const list = (this.sent.get(conn) ?? []).filter((m): m is ServerMessage => !(m instanceof Uint8Array));
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

  run(): void {
    for (const a of this.engine.takeActions()) this.#apply(a);
  }

  #apply(a: Action): void {
    switch (a.type) {
      case 'send':
        this.sent
          .get(a.conn)
          ?.push(typeof a.data === 'string' ? (JSON.parse(a.data) as ServerMessage) : a.data);
        if (this.autoFlush) this.engine.flushed(a.conn, a.data.length);
        break;
      case 'close':
        this.closed.set(a.conn, { code: a.code, reason: a.reason });
        this.engine.closed(a.conn, this.now);
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
export function pair(h: Harness, opts: { answer?: boolean } = {}): { a: ConnId; b: ConnId; session: number } {
  const a = h.open('198.51.100.1:1111');
  const b = h.open('198.51.100.2:2222');
  h.register(a, 'alice', 'alice', 'KEY-A');
  h.register(b, 'bob', 'bob', 'KEY-B');
  h.text(a, { type: 'connect', target: 'bob', ref: 'r1', payload: { hello: 1 } });
  const connecting = h.last(a) as Extract<ServerMessage, { type: 'connecting' }>;
  const session = connecting.session;
  if (opts.answer !== false) h.text(b, { type: 'answer', session, payload: { ok: true } });
  return { a, b, session };
}
