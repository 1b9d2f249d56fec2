// A minimal peer protocol client for tests: a real WebSocket, a queue of decoded messages, and
// `next(type)` that resolves on the next message of that type (event-driven, no sleeps).
import WebSocket from 'ws';

export type Msg = { type: string } & Record<string, unknown>;

export class TestPeer {
  readonly ws: WebSocket;
  readonly received: Msg[] = [];
  readonly frames: Buffer[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  #waiters: { match: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  #closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  onFrame: ((b: Buffer) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        if (this.onFrame) this.onFrame(data);
        else this.frames.push(data);
        return;
      }
      const m = JSON.parse(data.toString()) as Msg;
      const i = this.#waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(m);
      else this.received.push(m);
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const w of this.#closeWaiters) w(this.closeInfo);
    });
  }

  static open(url: string): Promise<TestPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { rejectUnauthorized: false });
      const peer = new TestPeer(ws);
      ws.once('open', () => resolve(peer));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  next(type: string, pred: (m: Msg) => boolean = () => true): Promise<Msg> {
    const match = (m: Msg): boolean => m.type === type && pred(m);
    const i = this.received.findIndex(match);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0] as Msg);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  closed(): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  async register(id: string, token: string): Promise<Msg> {
    this.send({ type: 'register', id, token });
    return this.next('welcome');
  }
}
