/**
 * DurableRecords in one SQLite file (Node's built-in `node:sqlite`), the embedded store's: the server
 * keeps it at `<data-dir>/state.db`, and CLI commands open the same file while the server runs.
 *
 * - WAL journal: readers never block the writer, and two processes may hold the file open at once.
 * - `busy_timeout`: a write that meets another process's write waits for it (up to `busyTimeoutMs`)
 *   instead of failing SQLITE_BUSY at once.
 * - One table, `records(key TEXT PRIMARY KEY, json TEXT)`: every write is one statement, so
 *   `ifAbsent` (INSERT .. ON CONFLICT DO NOTHING) and `ifMatch` (UPDATE .. WHERE json = ?) are atomic
 *   across processes without an explicit transaction.
 * - Keys compare as UTF-8 bytes (SQLite's BINARY collation), the same order as Redis's ZRANGEBYLEX.
 * - The file is created mode 0600 (SQLite gives its -wal and -shm files the same mode).
 *
 * node:sqlite is synchronous: a call holds the event loop for a few microseconds, or up to the busy
 * timeout while another process writes. That suits what lives here (channels, access keys), not the
 * per-message traffic of the SignalStore. Node 22 marks node:sqlite experimental and prints an
 * ExperimentalWarning on load: it is loaded on first open, and that one warning is kept off stderr (a
 * CLI printing JSON should print only JSON).
 *
 * @example
 * ```ts
 * const records = SqliteRecords.open('./peerlink-data/state.db');
 * await records.put('channel/demo', { v: RECORD_VERSION, arn: '...' }, { ifAbsent: true });
 * ```
 */
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  canonicalJson,
  decodeRecordText,
  listLimit,
  putMode,
  type UnreadableListener,
} from './durable-codec.js';
import type { DurableRecords } from './durable.js';
import { StoreError, type VersionedRecord } from './records.js';

export interface SqliteRecordsOptions {
  /** How long a write waits for another process's write (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Told about every record this process refused to read (wrong schema version, not JSON). */
  readonly onUnreadable?: UnreadableListener;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID`;

/** The statements, prepared once per open file. `?1 || x'FF'` is past every UTF-8 key with prefix ?1. */
const SQL = {
  get: 'SELECT json FROM records WHERE key = ?',
  put: 'INSERT INTO records (key, json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json',
  putIfAbsent: 'INSERT INTO records (key, json) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
  putIfMatch: 'UPDATE records SET json = ? WHERE key = ? AND json = ?',
  delete: 'DELETE FROM records WHERE key = ?',
  deleteIfMatch: 'DELETE FROM records WHERE key = ? AND json = ?',
  list: `SELECT key, json FROM records
    WHERE key >= ?1 AND key < CAST(?1 || x'FF' AS TEXT) AND (?2 IS NULL OR key > ?2)
    ORDER BY key LIMIT ?3`,
} as const;

export class SqliteRecords implements DurableRecords {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #stmt: Record<keyof typeof SQL, StatementSync>;
  readonly #onUnreadable: UnreadableListener;
  #closed = false;

  private constructor(path: string, db: DatabaseSync, onUnreadable: UnreadableListener) {
    this.path = path;
    this.#db = db;
    this.#onUnreadable = onUnreadable;
    this.#stmt = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)]),
    ) as Record<keyof typeof SQL, StatementSync>;
  }

  /** Opens (creating it if needed) the file at `path`; STORE_UNAVAILABLE when it cannot. */
  static open(path: string, opts: SqliteRecordsOptions = {}): SqliteRecords {
    let db: DatabaseSync | undefined;
    try {
      closeSync(openSync(path, 'a', 0o600)); // created 0600 before SQLite creates it with the umask's mode
      db = new (loadSqlite().DatabaseSync)(path);
      // busy_timeout first: switching to WAL takes a lock another process may hold for a moment.
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(SCHEMA);
      return new SqliteRecords(path, db, opts.onUnreadable ?? (() => {}));
    } catch (err) {
      db?.close();
      throw unavailable(`open ${path}`, err);
    }
  }

  async get<T extends VersionedRecord>(key: string): Promise<T | undefined> {
    const row = this.#run('get', () => this.#stmt.get.get(key)) as { json: string } | undefined;
    return row === undefined ? undefined : decodeRecordText<T>(key, row.json, this.#onUnreadable);
  }

  async put(
    key: string,
    rec: VersionedRecord,
    opts?: { ifAbsent?: boolean; ifMatch?: VersionedRecord },
  ): Promise<boolean> {
    const mode = putMode(opts);
    const json = canonicalJson(rec);
    const { changes } = this.#run('put', () => {
      if (mode.kind === 'absent') return this.#stmt.putIfAbsent.run(key, json);
      if (mode.kind === 'match') return this.#stmt.putIfMatch.run(json, key, mode.json);
      return this.#stmt.put.run(key, json);
    });
    return Number(changes) === 1;
  }

  async delete(key: string, opts: { ifMatch?: VersionedRecord } = {}): Promise<boolean> {
    const expected = opts.ifMatch === undefined ? undefined : canonicalJson(opts.ifMatch);
    const { changes } = this.#run('delete', () =>
      expected === undefined ? this.#stmt.delete.run(key) : this.#stmt.deleteIfMatch.run(key, expected),
    );
    return Number(changes) > 0;
  }

  async list<T extends VersionedRecord>(
    prefix: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<{ key: string; rec: T }[]> {
    const limit = listLimit(opts.limit);
    const rows = this.#run('list', () => this.#stmt.list.all(prefix, opts.after ?? null, limit)) as {
      key: string;
      json: string;
    }[];
    return rows.map(({ key, json }) => ({ key, rec: decodeRecordText<T>(key, json, this.#onUnreadable) }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /** Runs a statement; a SQLite failure (busy past the timeout, I/O, a closed file) is STORE_UNAVAILABLE. */
  #run<T>(what: string, statement: () => T): T {
    try {
      return statement();
    } catch (err) {
      throw unavailable(what, err);
    }
  }
}

function unavailable(what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreError('STORE_UNAVAILABLE', `sqlite ${what} failed: ${reason}`, { cause: err });
}

type SqliteModule = typeof import('node:sqlite');
let sqlite: SqliteModule | undefined;

/** node:sqlite, loaded on first use with its one ExperimentalWarning (Node 22) kept off stderr. */
function loadSqlite(): SqliteModule {
  if (sqlite) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    sqlite = createRequire(import.meta.url)('node:sqlite') as SqliteModule;
    return sqlite;
  } catch (err) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `this Node.js (${process.version}) has no node:sqlite; the embedded store needs Node 22.13 or newer`,
      { cause: err },
    );
  } finally {
    process.emitWarning = emitWarning;
  }
}
