/**
 * What both DurableRecords implementations share: the one JSON form a record is stored in, the checks
 * on the way back out, and the rules of `put` and `list` options. Keeping these here is what makes the
 * SQLite file and Redis agree byte for byte (a compliance suite holds them to it).
 */
import { readRecord, StoreError, type VersionedRecord } from './records.js';

/** `list` returns this many records when the caller gives no `limit`. */
export const DEFAULT_LIST_LIMIT = 100;

/**
 * JSON with every object's keys sorted, recursively: the stored form of a record, so that `ifMatch`
 * compares meaning, not the key order the caller happened to build its object in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export type PutMode = { kind: 'always' } | { kind: 'absent' } | { kind: 'match'; json: string };

/** The condition of a put, with the expected record in its stored form. */
export function putMode(opts: { ifAbsent?: boolean; ifMatch?: VersionedRecord } = {}): PutMode {
  if (opts.ifAbsent && opts.ifMatch !== undefined)
    throw new TypeError('put: ifAbsent and ifMatch exclude each other');
  if (opts.ifAbsent) return { kind: 'absent' };
  if (opts.ifMatch !== undefined) return { kind: 'match', json: canonicalJson(opts.ifMatch) };
  return { kind: 'always' };
}

/** A valid `limit` (a whole number of at least 1), or the default. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`list: limit must be a whole number >= 1, not ${limit}`);
  return limit;
}

/** Told about every record a reader refused (wrong schema version, not JSON). */
export type UnreadableListener = (key: string, err: StoreError) => void;

/**
 * A stored record's text, JSON and schema version checked; a refusal is reported to `onUnreadable`,
 * then thrown. The RedisStore reads its records with it too.
 */
export function decodeRecordText<T extends VersionedRecord>(
  key: string,
  raw: string,
  onUnreadable: UnreadableListener,
): T {
  try {
    return readRecord<T>(key, JSON.parse(raw));
  } catch (err) {
    const refusal =
      err instanceof StoreError
        ? err
        : new StoreError('UNREADABLE_RECORD', `record ${key} is not JSON`, { cause: err });
    onUnreadable(key, refusal);
    throw refusal;
  }
}
