/**
 * The embedded store: everything in this process, nothing to run. Several in-process nodes (tests,
 * the benchmark) share one `MemoryHub` for their records and bus, the way several processes share one
 * Redis. Records are kept as JSON text, so a record that would not survive Redis does not survive here
 * either. Time comes from the injected clock (TTL checks are lazy, on read).
 */
import { readRecord, StoreError, type PresenceRecord, type VersionedRecord } from './records.js';
import type { MailboxLimits, SignalBus, SignalStore, StoreHealth } from './store.js';

interface Entry {
  json: string;
  expires: number; // Infinity when no TTL
}

/** The shared state of in-process nodes. */
export class MemoryHub {
  readonly records = new Map<string, Entry>();
  readonly sets = new Map<string, { members: Set<string>; expires: number }>();
  readonly boxes = new Map<string, { text: string; expires: number }[]>();
  readonly listeners = new Map<string, (payload: Uint8Array) => void>();
  /** Tests flip this to play an outage: every call rejects with STORE_UNAVAILABLE. */
  down = false;
}

export class MemoryStore implements SignalStore {
  readonly kind = 'memory' as const;
  readonly #hub: MemoryHub;
  readonly #now: () => number;
  readonly #limits: MailboxLimits;
  readonly #listeners = new Set<(h: StoreHealth) => void>();

  constructor(opts: { hub?: MemoryHub; now?: () => number; mailbox: MailboxLimits }) {
    this.#hub = opts.hub ?? new MemoryHub();
    this.#now = opts.now ?? Date.now;
    this.#limits = opts.mailbox;
  }

  get health(): StoreHealth {
    return this.#hub.down ? 'down' : 'up';
  }

  onHealth(listener: (h: StoreHealth) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tests: play an outage or its end, telling health listeners. */
  setDown(down: boolean): void {
    this.#hub.down = down;
    for (const l of this.#listeners) l(this.health);
  }

  async setPresence(rec: PresenceRecord, ttlMs: number): Promise<void> {
    this.#up();
    this.#hub.records.set(`presence/${rec.id}`, { json: JSON.stringify(rec), expires: this.#now() + ttlMs });
  }

  async getPresence(id: string): Promise<PresenceRecord | undefined> {
    return this.get<PresenceRecord>(`presence/${id}`);
  }

  async present(ids: readonly string[]): Promise<Set<string>> {
    this.#up();
    return new Set(ids.filter((id) => this.#live(`presence/${id}`)));
  }

  async deletePresence(id: string, node: string, conn: number): Promise<boolean> {
    const cur = await this.getPresence(id);
    if (!cur || cur.node !== node || cur.conn !== conn) return false;
    this.#hub.records.delete(`presence/${id}`);
    return true;
  }

  async refreshPresence(ids: readonly string[], ttlMs: number): Promise<string[]> {
    this.#up();
    const missing = ids.filter((id) => !this.#live(`presence/${id}`));
    await this.touch(
      ids.map((id) => `presence/${id}`),
      ttlMs,
    );
    return missing;
  }

  async get<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    this.#up();
    const e = this.#live(key);
    return e ? readRecord<T>(key, JSON.parse(e.json)) : undefined;
  }

  async put(
    key: string,
    rec: VersionedRecord,
    opts: { ttlMs?: number; ifAbsent?: boolean } = {},
  ): Promise<boolean> {
    this.#up();
    if (opts.ifAbsent && this.#live(key)) return false;
    const expires = opts.ttlMs === undefined ? Infinity : this.#now() + opts.ttlMs;
    this.#hub.records.set(key, { json: JSON.stringify(rec), expires });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#up();
    this.#hub.records.delete(key);
    this.#hub.sets.delete(key);
  }

  async touch(keys: readonly string[], ttlMs: number): Promise<void> {
    this.#up();
    const expires = this.#now() + ttlMs;
    for (const k of keys) {
      const e = this.#live(k) ?? this.#liveSet(k);
      if (e) e.expires = expires;
    }
  }

  async addToSet(key: string, member: string, ttlMs?: number): Promise<void> {
    this.#up();
    let s = this.#liveSet(key);
    if (!s) {
      s = { members: new Set(), expires: Infinity };
      this.#hub.sets.set(key, s);
    }
    s.members.add(member);
    if (ttlMs !== undefined) s.expires = this.#now() + ttlMs;
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    this.#up();
    const s = this.#liveSet(key);
    if (!s) return;
    s.members.delete(member);
    if (s.members.size === 0) this.#hub.sets.delete(key);
  }

  async members(key: string): Promise<string[]> {
    this.#up();
    return [...(this.#liveSet(key)?.members ?? [])];
  }

  async mailboxPut(id: string, text: string, now: number, ttlMs = this.#limits.ttlMs): Promise<boolean> {
    this.#up();
    const box = this.#box(id, now);
    const bytes = box.reduce((n, m) => n + m.text.length, 0);
    if (box.length >= this.#limits.maxMessages || bytes + text.length > this.#limits.maxBytes) return false;
    box.push({ text, expires: now + ttlMs });
    this.#hub.boxes.set(id, box);
    return true;
  }

  async mailboxTake(id: string, now: number): Promise<string[]> {
    this.#up();
    const box = this.#box(id, now);
    this.#hub.boxes.delete(id);
    return box.map((m) => m.text);
  }

  async mailboxDiscard(id: string): Promise<void> {
    this.#up();
    this.#hub.boxes.delete(id);
  }

  async close(): Promise<void> {}

  #box(id: string, now: number): { text: string; expires: number }[] {
    return (this.#hub.boxes.get(id) ?? []).filter((m) => m.expires > now);
  }

  #live(key: string): Entry | undefined {
    const e = this.#hub.records.get(key);
    if (e && e.expires <= this.#now()) {
      this.#hub.records.delete(key);
      return undefined;
    }
    return e;
  }

  #liveSet(key: string): { members: Set<string>; expires: number } | undefined {
    const s = this.#hub.sets.get(key);
    if (s && s.expires <= this.#now()) {
      this.#hub.sets.delete(key);
      return undefined;
    }
    return s;
  }

  #up(): void {
    if (this.#hub.down) throw new StoreError('STORE_UNAVAILABLE', 'the store is unreachable');
  }
}

/** The in-process bus: a node's channel is a function in the hub. */
export class MemoryBus implements SignalBus {
  readonly #hub: MemoryHub;

  constructor(
    readonly nodeId: string,
    hub: MemoryHub,
  ) {
    this.#hub = hub;
  }

  async publish(node: string, payload: Uint8Array): Promise<number> {
    if (this.#hub.down) throw new StoreError('STORE_UNAVAILABLE', 'the bus is unreachable');
    const l = this.#hub.listeners.get(node);
    if (!l) return 0;
    const copy = payload.slice(); // what crosses a bus is a copy, as it is over Redis
    queueMicrotask(() => l(copy));
    return 1;
  }

  async listen(handler: (payload: Uint8Array) => void): Promise<void> {
    this.#hub.listeners.set(this.nodeId, handler);
  }

  async close(): Promise<void> {
    this.#hub.listeners.delete(this.nodeId);
  }
}
