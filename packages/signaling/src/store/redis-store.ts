/**
 * The shared store on Redis, for several signaling processes. Keys, all under `prefix`:
 * - `presence:<id>`: a client's PresenceRecord as JSON, with a TTL (PX) its node's heartbeat extends;
 * - `rec:<key>`: records (JSON strings) and sets (Redis sets) under the caller's key;
 * - `mailbox:<id>`: a list of held messages, JSON `{expires, n, text}`, oldest first.
 * Redis keeps the time for TTLs; mailbox expiry follows the `now` callers pass, as the memory store's.
 *
 * @example
 * ```ts
 * const store = await RedisStore.open({ url: 'redis://127.0.0.1:6379', prefix: 'peerlink:', mailbox });
 * store.onHealth((h) => log.warn(`store ${h}`));
 * ```
 */
import { decodeRecordText } from './durable-codec.js';
import { openedWhenReady, RedisLink } from './redis-link.js';
import { DELETE_IF_EQUAL, MAILBOX_PUT, mailboxEntry } from './redis-scripts.js';
import { StoreError, type PresenceRecord, type VersionedRecord } from './records.js';
import type { MailboxLimits, SignalStore, StoreHealth } from './store.js';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string;
  /** Put before every key, so that several clusters (or test runs) share one Redis. */
  readonly prefix: string;
  readonly mailbox: MailboxLimits;
  /** Told about every record this node refused to read (wrong schema version, not JSON). */
  readonly onUnreadable?: (key: string, err: StoreError) => void;
  /** A command without an answer after this long fails STORE_UNAVAILABLE (default 2000 ms). */
  readonly commandTimeoutMs?: number;
}

/** How often deletePresence re-reads when the record changed between its read and its delete. */
const CAS_ATTEMPTS = 5;

export class RedisStore implements SignalStore {
  readonly kind = 'redis' as const;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #limits: MailboxLimits;
  readonly #onUnreadable: (key: string, err: StoreError) => void;

  /** Connects in the background: health is 'down' (and calls reject) until Redis answers. */
  constructor(opts: RedisStoreOptions) {
    this.#prefix = opts.prefix;
    this.#limits = opts.mailbox;
    this.#onUnreadable = opts.onUnreadable ?? (() => {});
    this.#link = new RedisLink({
      url: opts.url,
      name: `${opts.prefix}store`,
      ...(opts.commandTimeoutMs !== undefined && { commandTimeoutMs: opts.commandTimeoutMs }),
    });
  }

  /** A store whose Redis answered within `waitMs` (default 5000); else STORE_UNAVAILABLE. */
  static async open(opts: RedisStoreOptions, waitMs = 5000): Promise<RedisStore> {
    const store = new RedisStore(opts);
    return openedWhenReady(store, store.#link, waitMs);
  }

  get health(): StoreHealth {
    return this.#link.health;
  }

  onHealth(listener: (h: StoreHealth) => void): () => void {
    return this.#link.onHealth(listener);
  }

  async setPresence(rec: PresenceRecord, ttlMs: number): Promise<void> {
    await this.#link.run('setPresence', (c) =>
      c.set(this.#presence(rec.id), JSON.stringify(rec), 'PX', ttlMs),
    );
  }

  async getPresence(id: string): Promise<PresenceRecord | undefined> {
    return this.#read<PresenceRecord>(this.#presence(id));
  }

  async present(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.#link.run('present', async (c) => {
      const p = c.pipeline();
      for (const id of ids) p.exists(this.#presence(id));
      return checked(await p.exec());
    });
    return new Set(ids.filter((_, i) => found[i] === 1));
  }

  /** Read, check in TS, then compare-and-delete the exact value read: atomic without decoding in Lua. */
  async deletePresence(id: string, node: string, conn: number): Promise<boolean> {
    const key = this.#presence(id);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const raw = await this.#link.run('deletePresence', (c) => c.get(key));
      if (raw === null) return false;
      const cur = this.#decode<PresenceRecord>(key, raw);
      if (cur.node !== node || cur.conn !== conn) return false;
      const deleted = await this.#link.run('deletePresence', (c) => c.eval(DELETE_IF_EQUAL, 1, key, raw));
      if (deleted === 1) return true;
    }
    return false;
  }

  async refreshPresence(ids: readonly string[], ttlMs: number): Promise<string[]> {
    const extended = await this.#expire(
      'refreshPresence',
      ids.map((id) => this.#presence(id)),
      ttlMs,
    );
    return ids.filter((_, i) => extended[i] !== 1); // PEXPIRE answers 0 for a missing key
  }

  async get<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    return this.#read<T>(this.#rec(key));
  }

  async put(
    key: string,
    rec: VersionedRecord,
    opts: { ttlMs?: number; ifAbsent?: boolean } = {},
  ): Promise<boolean> {
    const k = this.#rec(key);
    const json = JSON.stringify(rec);
    const { ttlMs, ifAbsent } = opts;
    const reply = await this.#link.run('put', (c) => {
      if (ttlMs !== undefined && ifAbsent) return c.set(k, json, 'PX', ttlMs, 'NX');
      if (ttlMs !== undefined) return c.set(k, json, 'PX', ttlMs);
      if (ifAbsent) return c.set(k, json, 'NX');
      return c.set(k, json);
    });
    return reply === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.#link.run('delete', (c) => c.del(this.#rec(key)));
  }

  async touch(keys: readonly string[], ttlMs: number): Promise<void> {
    await this.#expire(
      'touch',
      keys.map((k) => this.#rec(k)),
      ttlMs,
    );
  }

  async addToSet(key: string, member: string, ttlMs?: number): Promise<void> {
    const k = this.#rec(key);
    await this.#link.run('addToSet', async (c) => {
      const tx = c.multi().sadd(k, member);
      if (ttlMs !== undefined) tx.pexpire(k, ttlMs);
      checked(await tx.exec());
    });
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    await this.#link.run('removeFromSet', (c) => c.srem(this.#rec(key), member));
  }

  async members(key: string): Promise<string[]> {
    return this.#link.run('members', (c) => c.smembers(this.#rec(key)));
  }

  async mailboxPut(id: string, text: string, now: number, ttlMs = this.#limits.ttlMs): Promise<boolean> {
    const { maxMessages, maxBytes } = this.#limits;
    const entry = mailboxEntry(text, now + ttlMs);
    const args = [entry, now, maxMessages, maxBytes, ttlMs, text.length];
    const held = await this.#link.run('mailboxPut', (c) => c.eval(MAILBOX_PUT, 1, this.#box(id), ...args));
    return held === 1;
  }

  async mailboxTake(id: string, now: number): Promise<string[]> {
    const key = this.#box(id);
    const [entries] = await this.#link.run('mailboxTake', async (c) =>
      checked(await c.multi().lrange(key, 0, -1).del(key).exec()),
    );
    const texts: string[] = [];
    for (const raw of entries as string[]) {
      try {
        const m = JSON.parse(raw) as { expires: number; text: string };
        if (m.expires > now) texts.push(m.text);
      } catch (cause) {
        this.#onUnreadable(key, new StoreError('UNREADABLE_RECORD', `a mailbox entry of ${key}`, { cause }));
      }
    }
    return texts;
  }

  async mailboxDiscard(id: string): Promise<void> {
    await this.#link.run('mailboxDiscard', (c) => c.del(this.#box(id)));
  }

  async close(): Promise<void> {
    await this.#link.close();
  }

  async #read<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    const raw = await this.#link.run('get', (c) => c.get(key));
    return raw === null ? undefined : this.#decode<T>(key, raw);
  }

  /** JSON and schema version checked; refusals are reported to onUnreadable and thrown. */
  #decode<T extends VersionedRecord>(key: string, raw: string): T {
    return decodeRecordText<T>(key, raw, this.#onUnreadable);
  }

  /** PEXPIRE each key in one pipeline; the replies, 1 (extended) or 0 (missing), in key order. */
  async #expire(what: string, keys: string[], ttlMs: number): Promise<unknown[]> {
    if (keys.length === 0) return [];
    return this.#link.run(what, async (c) => {
      const p = c.pipeline();
      for (const k of keys) p.pexpire(k, ttlMs);
      return checked(await p.exec());
    });
  }

  #presence(id: string): string {
    return `${this.#prefix}presence:${id}`;
  }

  #rec(key: string): string {
    return `${this.#prefix}rec:${key}`;
  }

  #box(id: string): string {
    return `${this.#prefix}mailbox:${id}`;
  }
}

/** A pipeline's or transaction's replies; throws the first command error (exec itself may resolve). */
function checked(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the transaction was aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
