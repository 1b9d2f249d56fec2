/**
 * One Redis connection as the store sees it: fails fast while Redis is away, reconnects by itself,
 * reports its health, and turns every ioredis failure into a `StoreError('STORE_UNAVAILABLE')`.
 *
 * Why these ioredis options:
 * - `enableOfflineQueue: false`: a command issued while disconnected rejects at once instead of
 *   waiting for a reconnect that may never come; callers refuse the request and carry on.
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: a command in flight when the
 *   link drops rejects at that moment and is never replayed later (a replayed mailbox put would hold a
 *   message its sender was told was refused).
 * - `retryStrategy`: 100 ms doubling to 2 s, forever: the link comes back without anyone asking.
 * - `commandTimeout`: a half-open link (a partition, a frozen server) fails commands instead of hanging.
 */
import { Redis } from 'ioredis';
import { StoreError } from './records.js';
import type { StoreHealth } from './store.js';

export interface RedisLinkOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string;
  /** The CLIENT SETNAME of this connection (shows in CLIENT LIST). */
  readonly name: string;
  /** A command without an answer after this long fails (default 2000 ms). */
  readonly commandTimeoutMs?: number;
}

/** The reconnect delay before attempt `n` (1-based): 100 ms doubling to 2 s. */
export function reconnectDelay(n: number): number {
  return Math.min(100 * 2 ** Math.max(0, n - 1), 2000);
}

export class RedisLink {
  readonly client: Redis;
  #health: StoreHealth = 'down';
  readonly #listeners = new Set<(h: StoreHealth) => void>();

  constructor(opts: RedisLinkOptions) {
    this.client = new Redis(opts.url, {
      connectionName: opts.name,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: true,
      retryStrategy: reconnectDelay,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
    });
    this.client.on('ready', () => this.#set('up'));
    this.client.on('close', () => this.#set('down'));
    this.client.on('end', () => this.#set('down'));
    // Without an 'error' listener an unreachable Redis would crash the process (EventEmitter rule).
    this.client.on('error', () => {
      if (this.client.status !== 'ready') this.#set('down');
    });
  }

  get health(): StoreHealth {
    return this.#health;
  }

  onHealth(listener: (h: StoreHealth) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the link is up; rejects STORE_UNAVAILABLE after `timeoutMs` (it keeps retrying). */
  ready(timeoutMs: number): Promise<void> {
    if (this.#health === 'up') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new StoreError('STORE_UNAVAILABLE', `redis did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onHealth((h) => {
        if (h !== 'up') return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Runs commands; any failure becomes a StoreError (STORE_UNAVAILABLE unless it already is one). */
  async run<T>(what: string, commands: (c: Redis) => Promise<T>): Promise<T> {
    try {
      return await commands(this.client);
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  failure(what: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreError('STORE_UNAVAILABLE', `redis ${what} failed (${this.client.status}): ${reason}`, {
      cause: err,
    });
  }

  /** QUIT when connected (lets replies drain), else drop the socket and stop reconnecting. */
  async close(): Promise<void> {
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: the link dropped while quitting
      }
    }
    this.client.disconnect();
  }

  #set(h: StoreHealth): void {
    if (h === this.#health) return;
    this.#health = h;
    for (const l of this.#listeners) l(h);
  }
}

/** `owner` once `link` answers within `waitMs`; else `owner` is closed and STORE_UNAVAILABLE thrown. */
export async function openedWhenReady<T extends { close(): Promise<void> }>(
  owner: T,
  link: RedisLink,
  waitMs: number,
): Promise<T> {
  try {
    await link.ready(waitMs);
    return owner;
  } catch (err) {
    await owner.close();
    throw err;
  }
}
