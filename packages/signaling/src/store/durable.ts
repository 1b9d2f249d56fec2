/**
 * Records that must outlive a restart and be shared by every node: KVS signaling channels and the
 * access keys that sign requests (later: whatever else an operator creates). The embedded
 * implementation is a SQLite file in the data dir (node:sqlite), which CLI commands running beside the
 * server open too, so a key created by `peerlink access-keys create` is accepted at once; the Redis
 * implementation keeps them under the cluster's prefix. Like the SignalStore, records are plain JSON
 * stamped with a schema version (records.ts), and every call may reject STORE_UNAVAILABLE.
 */
import type { VersionedRecord } from './records.js';

export interface DurableRecords {
  readonly kind: 'sqlite' | 'redis';
  get<T extends VersionedRecord>(key: string): Promise<T | undefined>;
  /**
   * Writes a record. `ifAbsent`: only when the key does not exist. `ifMatch`: only when the stored
   * record is exactly this one (optimistic concurrency for read-modify-write). False when refused.
   * Records are compared in their canonical JSON (keys sorted), so the object `get` gave matches
   * whatever its key order; giving both options is a TypeError.
   */
  put(
    key: string,
    rec: VersionedRecord,
    opts?: { ifAbsent?: boolean; ifMatch?: VersionedRecord },
  ): Promise<boolean>;
  /**
   * True when there was something to delete. `ifMatch`: only when the stored record is exactly this
   * one (a delete that must not remove a record someone re-created meanwhile).
   */
  delete(key: string, opts?: { ifMatch?: VersionedRecord }): Promise<boolean>;
  /**
   * Records whose key starts with `prefix`, in key order (UTF-8 bytes, as SQLite and Redis compare):
   * at most `limit` (default 100) after `after`. One unreadable record refuses the whole call
   * (UNREADABLE_RECORD), as `get` would.
   */
  list<T extends VersionedRecord>(
    prefix: string,
    opts?: { after?: string; limit?: number },
  ): Promise<{ key: string; rec: T }[]>;
  close(): Promise<void>;
}
