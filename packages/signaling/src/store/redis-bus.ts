/**
 * The bus on Redis pub/sub: node `n` listens on channel `<prefix>node:<n>`. Payloads travel as binary
 * (Buffers both ways). Publishing uses one connection; listening needs a second, because a subscribed
 * Redis connection accepts no other commands. After a reconnect ioredis subscribes again by itself
 * (`autoResubscribe`); messages published while the link was down are lost (at most once).
 *
 * @example
 * ```ts
 * const bus = await RedisBus.open({ url, prefix: 'peerlink:', nodeId: 'node-a' });
 * await bus.listen((payload) => engine.fromBus(payload));
 * const receivers = await bus.publish('node-b', bytes); // 0: node-b is gone
 * ```
 */
import { openedWhenReady, RedisLink } from './redis-link.js';
import type { SignalBus } from './store.js';

export interface RedisBusOptions {
  readonly url: string;
  /** The same prefix as the store's: channels are global to a Redis server, not per database. */
  readonly prefix: string;
  readonly nodeId: string;
  /** A command without an answer after this long fails STORE_UNAVAILABLE (default 2000 ms). */
  readonly commandTimeoutMs?: number;
}

/** How long listen() waits for its subscriber connection. */
const SUBSCRIBE_WAIT_MS = 5000;

export class RedisBus implements SignalBus {
  readonly nodeId: string;
  readonly #opts: RedisBusOptions;
  readonly #pub: RedisLink;
  #sub: RedisLink | undefined;
  #handler: ((payload: Uint8Array) => void) | undefined;

  /** Connects in the background: publish rejects STORE_UNAVAILABLE until Redis answers. */
  constructor(opts: RedisBusOptions) {
    this.nodeId = opts.nodeId;
    this.#opts = opts;
    this.#pub = this.#link('pub');
  }

  /** A bus whose Redis answered within `waitMs` (default 5000); else STORE_UNAVAILABLE. */
  static async open(opts: RedisBusOptions, waitMs = 5000): Promise<RedisBus> {
    const bus = new RedisBus(opts);
    return openedWhenReady(bus, bus.#pub, waitMs);
  }

  async publish(node: string, payload: Uint8Array): Promise<number> {
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return this.#pub.run('publish', (c) => c.publish(this.#channel(node), bytes));
  }

  /** Subscribes (once; a second call only replaces the handler). */
  async listen(handler: (payload: Uint8Array) => void): Promise<void> {
    this.#handler = handler;
    if (this.#sub) return;
    const sub = this.#link('sub');
    this.#sub = sub;
    const channel = this.#channel(this.nodeId);
    sub.client.on('messageBuffer', (from: Buffer, message: Buffer) => {
      // A copy in a plain Uint8Array: the handler may keep it, and the parser's Buffer is not ours.
      if (from.toString() === channel) this.#handler?.(new Uint8Array(message));
    });
    try {
      await sub.ready(SUBSCRIBE_WAIT_MS);
      await sub.run('subscribe', (c) => c.subscribe(channel));
    } catch (err) {
      this.#sub = undefined;
      await sub.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const sub = this.#sub;
    this.#sub = undefined;
    this.#handler = undefined;
    await Promise.all([this.#pub.close(), sub?.close()]);
  }

  #channel(node: string): string {
    return `${this.#opts.prefix}node:${node}`;
  }

  #link(role: 'pub' | 'sub'): RedisLink {
    const { url, prefix, nodeId, commandTimeoutMs } = this.#opts;
    return new RedisLink({
      url,
      name: `${prefix}${role}:${nodeId}`,
      ...(commandTimeoutMs !== undefined && { commandTimeoutMs }),
    });
  }
}
