/**
 * What the signaling store holds: plain, JSON-serialisable records, each stamped with the schema
 * version that wrote it. A node that meets a record of a version it cannot read refuses it (a
 * `StoreError` `UNREADABLE_RECORD` and a log line), never guesses: that is what makes a rolling upgrade
 * of a cluster safe. docs/signaling-cluster.md shows who holds which record.
 */

/** The record schema this code writes and reads. Bump it when a record's meaning changes. */
export const RECORD_VERSION = 1;

export interface VersionedRecord {
  /** Schema version of the writer (RECORD_VERSION). */
  readonly v: number;
}

/** Where a client is connected: one per client id, refreshed by its node's heartbeat (TTL). */
export interface PresenceRecord extends VersionedRecord {
  /** Protocol-scoped client id, for example `p2p/alice`. */
  readonly id: string;
  /** The node that holds the connection. */
  readonly node: string;
  /** That node's connection id. */
  readonly conn: number;
  /** When the client registered there (ms since the epoch). */
  readonly since: number;
  /** Protocol data readers may need without asking the node (public key, observed address...). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Stable codes of store failures. */
export type StoreErrorCode = 'STORE_UNAVAILABLE' | 'UNREADABLE_RECORD';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** Checks a decoded record's version; returns the record or throws UNREADABLE_RECORD. */
export function readRecord<T extends VersionedRecord>(key: string, value: unknown): T {
  const v = (value as { v?: unknown } | null)?.v;
  if (typeof value !== 'object' || value === null || v !== RECORD_VERSION)
    throw new StoreError(
      'UNREADABLE_RECORD',
      `record ${key} has schema version ${JSON.stringify(v)}; this node reads version ${RECORD_VERSION}`,
    );
  return value as T;
}
