/**
 * DurableRecords in this process's memory: for tests and embedders of one node that keep nothing
 * across a restart (the server keeps its records in SQLite or Redis). Same semantics as those: keys
 * in UTF-8 byte order, `ifMatch` compares canonical JSON, records are copied in and out.
 */
import type { DurableRecords } from '../../../store/durable.js';
import type { VersionedRecord } from '../../../store/records.js';

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class MemoryRecords implements DurableRecords {
  readonly kind = 'sqlite' as const; // the embedded kind: one node, nothing shared
  readonly #map = new Map<string, string>();

  async get<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    const json = this.#map.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  async put(
    key: string,
    rec: VersionedRecord,
    opts: { ifAbsent?: boolean; ifMatch?: VersionedRecord } = {},
  ): Promise<boolean> {
    if (opts.ifAbsent && opts.ifMatch) throw new TypeError('ifAbsent and ifMatch go separately');
    const now = this.#map.get(key);
    if (opts.ifAbsent && now !== undefined) return false;
    if (opts.ifMatch && (now === undefined || canonical(JSON.parse(now)) !== canonical(opts.ifMatch)))
      return false;
    this.#map.set(key, JSON.stringify(rec));
    return true;
  }

  async delete(key: string, opts: { ifMatch?: VersionedRecord } = {}): Promise<boolean> {
    const now = this.#map.get(key);
    if (opts.ifMatch && (now === undefined || canonical(JSON.parse(now)) !== canonical(opts.ifMatch)))
      return false;
    return this.#map.delete(key);
  }

  async list<T extends VersionedRecord>(
    prefix: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<{ key: string; rec: T }[]> {
    const { after, limit = 100 } = opts;
    return [...this.#map.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || byBytes(k, after) > 0))
      .sort(byBytes)
      .slice(0, limit)
      .map((key) => ({ key, rec: JSON.parse(this.#map.get(key) as string) as T }));
  }

  async close(): Promise<void> {}
}
