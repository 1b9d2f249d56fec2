/**
 * Ended calls, per user, newest first (GET /im/calls): one record per party under
 * `im/calls/<user>/<reverse time>-<call_id>`, so a prefix listing reads the newest first. Over the
 * durable records (SQLite or Redis on the server, memory for an embedder), so history survives a
 * restart and every node of a cluster reads the same.
 */
import type { DurableRecords } from '../../store/durable.js';
import { RECORD_VERSION, type VersionedRecord } from '../../store/records.js';
import type { CallSummary } from './call-machine.js';

export interface CallHistory {
  record(summary: CallSummary): Promise<void>;
  /** A user's calls, newest first; `before` is the `cursor` of the last entry of the previous page. */
  list(user: string, opts?: { limit?: number; before?: string }): Promise<HistoryPage>;
}

export interface HistoryPage {
  readonly calls: CallSummary[];
  /** Give as `before` for the next page; absent on the last page. */
  readonly cursor?: string;
}

type HistoryRecord = VersionedRecord & CallSummary;

/** Far enough in the future that every reverse time has the same 16 digits. */
const END_OF_TIME = 9_000_000_000_000_000;
const prefixOf = (user: string): string => `im/calls/${encodeURIComponent(user)}/`;

export class DurableCallHistory implements CallHistory {
  constructor(private readonly records: DurableRecords) {}

  async record(s: CallSummary): Promise<void> {
    const rec: HistoryRecord = { v: RECORD_VERSION, ...s };
    const suffix = `${String(END_OF_TIME - s.ended_at).padStart(16, '0')}-${s.call_id}`;
    await Promise.all([s.caller, s.callee].map((u) => this.records.put(prefixOf(u) + suffix, rec)));
  }

  async list(user: string, opts: { limit?: number; before?: string } = {}): Promise<HistoryPage> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 100);
    const prefix = prefixOf(user);
    const rows = await this.records.list<HistoryRecord>(prefix, {
      limit,
      ...(opts.before !== undefined && { after: prefix + opts.before }),
    });
    const calls = rows.map(({ rec: { v: _v, ...summary } }) => summary);
    const last = rows[rows.length - 1];
    return rows.length === limit && last ? { calls, cursor: last.key.slice(prefix.length) } : { calls };
  }
}
