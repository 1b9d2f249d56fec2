/**
 * DurableRecords on Redis, for a cluster: every node sees the same channels and access keys. Keys,
 * under the cluster's `prefix` (the RedisStore's):
 * - `dur:<key>`: the record, canonical JSON (durable-codec.ts), no TTL;
 * - `dur-index`: a sorted set of every key, all at score 0, so ZRANGEBYLEX lists them in UTF-8 byte
 *   order (the SQLite file's order) without SCAN.
 * Each write and its index entry change together in one Lua script (durable-redis-scripts.ts), which is
 * also what makes `ifAbsent` and `ifMatch` atomic. The connection is a RedisLink: it fails fast with
 * STORE_UNAVAILABLE while Redis is away and reconnects by itself.
 *
 * Durable means what the Redis server makes it: run it with AOF or RDB snapshots, or a Redis restart
 * loses the cluster's channels and access keys.
 *
 * @example
 * ```ts
 * const records = await RedisRecords.open({ url: 'redis://127.0.0.1:6379', prefix: 'peerlink:' });
 * for (const { key, rec } of await records.list('channel/')) console.log(key, rec);
 * ```
 */
import {
  decodeRecordText,
  canonicalJson,
  listLimit,
  putMode,
  type UnreadableListener,
} from './durable-codec.js';
import { DURABLE_DELETE, DURABLE_LIST, DURABLE_PUT } from './durable-redis-scripts.js';
import type { DurableRecords } from './durable.js';
import { openedWhenReady, RedisLink } from './redis-link.js';
import type { VersionedRecord } from './records.js';
import type { StoreHealth } from './store.js';

export interface RedisRecordsOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string;
  /** Put before every key: the cluster's prefix (several clusters may share one Redis). */
  readonly prefix: string;
  /** Told about every record this node refused to read (wrong schema version, not JSON). */
  readonly onUnreadable?: UnreadableListener;
  /** A command without an answer after this long fails STORE_UNAVAILABLE (default 2000 ms). */
  readonly commandTimeoutMs?: number;
}

export class RedisRecords implements DurableRecords {
  readonly kind = 'redis' as const;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #index: string;
  readonly #onUnreadable: UnreadableListener;

  /** Connects in the background: calls reject STORE_UNAVAILABLE until Redis answers. */
  constructor(opts: RedisRecordsOptions) {
    this.#prefix = `${opts.prefix}dur:`;
    this.#index = `${opts.prefix}dur-index`;
    this.#onUnreadable = opts.onUnreadable ?? (() => {});
    this.#link = new RedisLink({
      url: opts.url,
      name: `${opts.prefix}durable`,
      ...(opts.commandTimeoutMs !== undefined && { commandTimeoutMs: opts.commandTimeoutMs }),
    });
  }

  /** Records whose Redis answered within `waitMs` (default 5000); else STORE_UNAVAILABLE. */
  static async open(opts: RedisRecordsOptions, waitMs = 5000): Promise<RedisRecords> {
    const records = new RedisRecords(opts);
    return openedWhenReady(records, records.#link, waitMs);
  }

  /** Whether Redis answers now. */
  get health(): StoreHealth {
    return this.#link.health;
  }

  onHealth(listener: (h: StoreHealth) => void): () => void {
    return this.#link.onHealth(listener);
  }

  async get<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    const raw = await this.#link.run('durable get', (c) => c.get(this.#key(key)));
    return raw === null ? undefined : decodeRecordText<T>(key, raw, this.#onUnreadable);
  }

  async put(
    key: string,
    rec: VersionedRecord,
    opts?: { ifAbsent?: boolean; ifMatch?: VersionedRecord },
  ): Promise<boolean> {
    const mode = putMode(opts);
    const args = [canonicalJson(rec), mode.kind, mode.kind === 'match' ? mode.json : '', key];
    const written = await this.#link.run('durable put', (c) =>
      c.eval(DURABLE_PUT, 2, this.#key(key), this.#index, ...args),
    );
    return written === 1;
  }

  async delete(key: string, opts: { ifMatch?: VersionedRecord } = {}): Promise<boolean> {
    const expected = opts.ifMatch === undefined ? '' : canonicalJson(opts.ifMatch);
    const deleted = await this.#link.run('durable delete', (c) =>
      c.eval(DURABLE_DELETE, 2, this.#key(key), this.#index, key, expected),
    );
    return deleted === 1;
  }

  async list<T extends VersionedRecord>(
    prefix: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<{ key: string; rec: T }[]> {
    const limit = listLimit(opts.limit);
    const { after } = opts;
    // ZRANGEBYLEX takes one start: past `after` when that is at or beyond the prefix, else the prefix.
    const start =
      after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0
        ? `(${after}`
        : `[${prefix}`;
    const end = Buffer.concat([Buffer.from(`[${prefix}`), Buffer.from([0xff])]); // past every UTF-8 key
    const flat = (await this.#link.run('durable list', (c) =>
      c.eval(DURABLE_LIST, 1, this.#index, start, end, limit, this.#prefix),
    )) as string[];
    const out: { key: string; rec: T }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const key = flat[i] as string;
      out.push({ key, rec: decodeRecordText<T>(key, flat[i + 1] as string, this.#onUnreadable) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#link.close();
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }
}
