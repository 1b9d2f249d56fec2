/**
 * The seam between signaling and its shared state. A protocol never holds another node's clients in
 * a Map: it asks a `SignalStore` (presence, records such as sessions, sets, the mailbox) and hands
 * messages for other nodes to a `SignalBus` (one channel per node). Two implementations pass one
 * compliance suite (test/helpers/store-compliance.ts): memory (one process; several in-process nodes
 * may share one `MemoryHub`) and Redis (several processes).
 *
 * Every method may reject with `StoreError('STORE_UNAVAILABLE')` while the backend is unreachable;
 * callers refuse what needs shared state with that code and carry on with what they hold locally.
 */
import type { PresenceRecord, VersionedRecord } from './records.js';

export interface MailboxLimits {
  /** How long a held message waits for its recipient. */
  readonly ttlMs: number;
  /** Per recipient, in messages and in bytes (UTF-16 code units of the text). */
  readonly maxMessages: number;
  readonly maxBytes: number;
}

export type StoreHealth = 'up' | 'down';

export interface SignalStore {
  readonly kind: 'memory' | 'redis';
  /** Whether the backend answers now; changes are reported to `onHealth` listeners. */
  readonly health: StoreHealth;
  onHealth(listener: (h: StoreHealth) => void): () => void;

  // ---- presence: where each client is connected --------------------------------------------------
  /** Sets (or replaces) a client's presence; it expires after `ttlMs` unless refreshed. */
  setPresence(rec: PresenceRecord, ttlMs: number): Promise<void>;
  getPresence(id: string): Promise<PresenceRecord | undefined>;
  /** Which of `ids` are connected somewhere now: one round trip for all of them. */
  present(ids: readonly string[]): Promise<Set<string>>;
  /** Deletes a client's presence only if it still names this node and connection. */
  deletePresence(id: string, node: string, conn: number): Promise<boolean>;
  /**
   * Heartbeat: extends the TTL of these presences (ids a node holds). Resolves with the ids that were
   * missing (expired, or lost with a Redis that restarted without persistence): set those again.
   */
  refreshPresence(ids: readonly string[], ttlMs: number): Promise<string[]>;

  // ---- records: plain data under a key (sessions, and later channels and calls) -------------------
  get<T extends VersionedRecord>(key: string): Promise<T | undefined>;
  /**
   * Writes a record. `ifAbsent`: only when the key does not exist (returns false if it did).
   * `ttlMs`: the record expires unless written or touched again.
   */
  put(key: string, rec: VersionedRecord, opts?: { ttlMs?: number; ifAbsent?: boolean }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Extends the TTL of existing keys (records or sets). */
  touch(keys: readonly string[], ttlMs: number): Promise<void>;

  // ---- sets of strings (a peer's sessions, a channel's viewers...) --------------------------------
  addToSet(key: string, member: string, ttlMs?: number): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  members(key: string): Promise<string[]>;

  // ---- mailbox: messages for a client that is away ------------------------------------------------
  /**
   * Holds a message for `id` for `ttlMs` (default: the store's mailbox TTL; KVS channels set their
   * own); false when its box is full (a counted drop).
   */
  mailboxPut(id: string, text: string, now: number, ttlMs?: number): Promise<boolean>;
  /** Removes and returns `id`'s unexpired messages, oldest first. */
  mailboxTake(id: string, now: number): Promise<string[]>;
  mailboxDiscard(id: string): Promise<void>;

  close(): Promise<void>;
}

/** Messages between nodes: each node listens on its own channel. Delivery is at most once. */
export interface SignalBus {
  readonly nodeId: string;
  /** Sends to a node's channel; resolves with how many listeners got it (0: that node is gone). */
  publish(node: string, payload: Uint8Array): Promise<number>;
  /** Starts delivering this node's channel to `handler`. */
  listen(handler: (payload: Uint8Array) => void): Promise<void>;
  close(): Promise<void>;
}
