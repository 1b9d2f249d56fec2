/**
 * The /im socket of one device: authenticates with the first message (`auth`, our extension), hands
 * every other frame to its listeners, and comes back by itself when the socket drops, with a fresh
 * token if `token` is a function. The server keeps the device's calls through `--call-grace`, and a
 * device that is back in time gets `call.status` with each call's current status.
 */
import type { ImMessage, ImMessageOf, ImMessageType } from '@peerlink/wire';
import { Emitter } from './emitter.js';
import { reconnectDelay, type ReconnectOptions } from './reconnect.js';

/** What the client needs of a WebSocket: the browser's, Node's global one, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', fn: () => void): void;
  addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void;
  addEventListener(type: 'close', fn: (e: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', fn: (e: unknown) => void): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export type ImSocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type ImFrame = Exclude<ImMessage, { type: 'auth' | 'auth.ok' }>;

export interface ImSocketOptions {
  /** `wss://host:8443/im` (no token in it: the client sends it as the first message). */
  readonly url: string;
  /** The IM app's JWT, or a function that fetches one (called on every connect). */
  readonly token: string | (() => string | Promise<string>);
  /** Opens a socket; default `new WebSocket(url)` with the global WebSocket. */
  readonly webSocket?: WebSocketFactory;
  readonly reconnect?: ReconnectOptions;
  /** Frames sent while the socket is down are queued up to this many (default 256), then dropped. */
  readonly maxQueued?: number;
  /** The clock for message timestamps (default Date.now). */
  readonly now?: () => number;
}

export type ImSocketEvents = {
  /** Authenticated: `reconnected` is false the first time. */
  open: [userId: string, reconnected: boolean];
  frame: [frame: ImFrame];
  state: [state: ImSocketState];
  /** The socket dropped; the client will try again unless the state went to `closed`. */
  drop: [code: number, reason: string];
  /** A frame that could not be read, or the server refused the token (then the state is `closed`). */
  error: [error: Error];
};

const OPEN = 1;

// Not @peerlink/wire's encodeImMessage: a value import of the wire package would put all its codecs
// (zod and the STUN ones) in the browser bundle; the client needs only the types.
const encode = <T extends ImMessageType>(type: T, payload: ImMessageOf<T>['payload'], now: number): string =>
  JSON.stringify({ type, payload, timestamp: new Date(now).toISOString() });

export class ImSocket extends Emitter<ImSocketEvents> {
  #state: ImSocketState = 'connecting';
  #socket: WebSocketLike | undefined;
  #user: string | undefined;
  #attempt = 0;
  #opens = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #queue: string[] = [];
  readonly #o: ImSocketOptions;
  readonly #now: () => number;

  constructor(o: ImSocketOptions) {
    super();
    this.#o = o;
    this.#now = o.now ?? Date.now;
    void this.#connect();
  }

  get state(): ImSocketState {
    return this.#state;
  }

  /** The token's user id, once authenticated. */
  get userId(): string | undefined {
    return this.#user;
  }

  /** Resolves with the user id when the connection is (or next becomes) open. */
  ready(): Promise<string> {
    if (this.#state === 'open') return Promise.resolve(this.#user as string);
    return new Promise((resolve, reject) => {
      const offOpen = this.on('open', (user) => {
        offOpen();
        offState();
        resolve(user);
      });
      const offState = this.on('state', (s) => {
        if (s !== 'closed') return;
        offOpen();
        offState();
        reject(new Error('the IM socket closed'));
      });
    });
  }

  /** Sends a frame stamped now; queued while the socket is down. False when the queue is full or closed. */
  send<T extends ImMessageType>(type: T, payload: ImMessageOf<T>['payload']): boolean {
    const text = encode(type, payload, this.#now());
    if (this.#state === 'open' && this.#socket?.readyState === OPEN) {
      this.#socket.send(text);
      return true;
    }
    if (this.#state === 'closed' || this.#queue.length >= (this.#o.maxQueued ?? 256)) return false;
    this.#queue.push(text);
    return true;
  }

  /** Closes for good: no reconnect. */
  close(): void {
    clearTimeout(this.#timer);
    this.#setState('closed');
    this.#socket?.close(1000, 'client closed');
    this.#queue = [];
  }

  #setState(s: ImSocketState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('state', s);
  }

  async #connect(): Promise<void> {
    let token: string;
    try {
      token = typeof this.#o.token === 'string' ? this.#o.token : await this.#o.token();
    } catch (err) {
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
      return this.#dropped(1006, 'no token');
    }
    if (this.#state === 'closed') return;
    const ws = (this.#o.webSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike))(this.#o.url);
    this.#socket = ws;
    ws.addEventListener('open', () => ws.send(encode('auth', { token }, this.#now())));
    ws.addEventListener('message', (e) => this.#receive(e.data));
    ws.addEventListener('error', () => undefined); // a close follows; it decides what happens next
    ws.addEventListener('close', (e) => {
      if (this.#socket === ws) this.#dropped(e.code, e.reason);
    });
  }

  #receive(data: unknown): void {
    let frame: ImMessage;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as ImMessage;
    } catch {
      this.emit('error', new Error('the server sent a frame that is not JSON'));
      return;
    }
    if (frame.type === 'auth.ok') {
      this.#user = String(frame.payload.user_id);
      this.#attempt = 0;
      this.#setState('open');
      const queued = this.#queue;
      this.#queue = [];
      for (const text of queued) this.#socket?.send(text);
      this.emit('open', this.#user, this.#opens++ > 0);
      return;
    }
    if (frame.type === 'auth') return;
    if (frame.type === 'call.error' && frame.payload.error_code === 'UNAUTHORIZED')
      this.emit('error', new Error(`token refused: ${frame.payload.error_message}`));
    this.emit('frame', frame);
  }

  #dropped(code: number, reason: string): void {
    this.#socket = undefined;
    if (this.#state === 'closed') return;
    this.emit('drop', code, reason);
    const delay = reconnectDelay(++this.#attempt, code, Math.random(), this.#o.reconnect);
    if (delay === undefined) {
      this.#queue = [];
      return this.#setState('closed');
    }
    this.#setState('reconnecting');
    this.#timer = setTimeout(() => void this.#connect(), delay);
  }
}
