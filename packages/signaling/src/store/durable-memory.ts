/**
 * DurableRecords in this process's memory: for tests and embedders of one node that keep nothing
 * across a restart (the server keeps its records in SQLite or Redis). It shares the other two's codec
 * (durable-codec.ts), so the semantics are theirs: records stored as canonical JSON and read back
 * with their schema version checked, `ifAbsent`/`ifMatch` as `putMode` says, keys in UTF-8 byte
 * order, the same list limits.
 */
import type { DurableRecords } from './durable.js';
import { canonicalJson, decodeRecordText, listLimit, putMode } from './durable-codec.js';
import type { VersionedRecord } from './records.js';

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class MemoryRecords implements DurableRecords {
  readonly kind = 'sqlite' as const; // the embedded kind: one node, nothing shared
  readonly #map = new Map<string, string>();

  async get<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    const json = this.#map.get(key);
    return json === undefined ? undefined : decodeRecordText<T>(key, json, () => {});
  }

  async put(
    key: string,
    rec: VersionedRecord,
    opts?: { ifAbsent?: boolean; ifMatch?: VersionedRecord },
  ): Promise<boolean> {
    const mode = putMode(opts);
    const now = this.#map.get(key);
    if (mode.kind === 'absent' && now !== undefined) return false;
    if (mode.kind === 'match' && now !== mode.json) return false;
    this.#map.set(key, canonicalJson(rec));
    return true;
  }

  async delete(key: string, opts: { ifMatch?: VersionedRecord } = {}): Promise<boolean> {
    if (opts.ifMatch !== undefined && this.#map.get(key) !== canonicalJson(opts.ifMatch)) return false;
    return this.#map.delete(key);
  }

  async list<T extends VersionedRecord>(
    prefix: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<{ key: string; rec: T }[]> {
    const { after } = opts;
    return [...this.#map.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || byBytes(k, after) > 0))
      .sort(byBytes)
      .slice(0, listLimit(opts.limit))
      .map((key) => ({ key, rec: decodeRecordText<T>(key, this.#map.get(key) as string, () => {}) }));
  }

  async close(): Promise<void> {}
}
