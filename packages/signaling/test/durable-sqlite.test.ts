// SqliteRecords passes the durable records compliance suite on a file in a temporary directory (a
// restart is every handle closed and the file opened again), plus what only a shared file has: another
// process writing while this one reads, the file's mode, and a quiet load on a Node that warns.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SqliteRecords } from '../src/store/durable-sqlite.js';
import { RECORD_VERSION, StoreError } from '../src/store/records.js';
import { durableCompliance } from './helpers/durable-compliance.js';

const run = promisify(execFile);
const MODULE = new URL('../src/store/durable-sqlite.js', import.meta.url).href;
const freshFile = (): string => join(mkdtempSync(join(tmpdir(), 'peerlink-durable-')), 'state.db');

durableCompliance('sqlite', async () => {
  const path = freshFile();
  const raw = SqliteRecords.open(path);
  await raw.close(); // the table exists; rawPut writes it with its own connection
  return {
    open: async (onUnreadable) => SqliteRecords.open(path, onUnreadable ? { onUnreadable } : {}),
    rawPut: async (key, text) => {
      const { DatabaseSync } = await import('node:sqlite');
      const db = new DatabaseSync(path);
      db.exec('PRAGMA busy_timeout = 5000');
      db.prepare('INSERT OR REPLACE INTO records (key, json) VALUES (?, ?)').run(key, text);
      db.close();
    },
    restart: async (handles) => {
      await Promise.all(handles.map((h) => h.close()));
    },
    close: async () => {},
  };
});

/** Runs `body` in a child Node process with `records` (a SqliteRecords on `path`) in scope. */
function inChild(path: string, body: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--input-type=module', '-e', childScript(path, body)]);
}

// Under a loaded CI machine SQLite's busy handler (sleeps that grow to 100 ms) can leave one of two
// contending processes waiting longer than the 5 s default; what these tests prove is that a writer
// waits rather than failing, not how long the wait is.
const CONTENDED_BUSY_MS = 60_000;

function childScript(path: string, body: string): string {
  return `
    const { SqliteRecords } = await import(${JSON.stringify(MODULE)});
    const records = SqliteRecords.open(${JSON.stringify(path)}, { busyTimeoutMs: ${CONTENDED_BUSY_MS} });
    ${body}
    await records.close();`;
}

describe('sqlite records: one file, several processes', () => {
  it('a record another process writes is read here at once, and the other way round', async () => {
    const path = freshFile();
    const here = SqliteRecords.open(path);
    try {
      await here.put('from/parent', { v: RECORD_VERSION });
      const { stdout } = await inChild(
        path,
        `const seen = await records.get('from/parent');
         await records.put('from/child', { v: ${RECORD_VERSION}, pid: process.pid }, { ifAbsent: true });
         console.log(JSON.stringify(seen));`,
      );
      assert.deepEqual(JSON.parse(stdout), { v: RECORD_VERSION }, 'the child read the open file');
      const child = await here.get<{ v: number; pid: number }>('from/child');
      assert.equal(typeof child?.pid, 'number', 'this handle, opened before, sees the child write');
      assert.deepEqual(
        (await here.list('from/')).map((r) => r.key),
        ['from/child', 'from/parent'],
      );
    } finally {
      await here.close();
    }
  });

  it('two processes writing the same keys at once: no SQLITE_BUSY, and ifAbsent lets one win each', async () => {
    const path = freshFile();
    const here = SqliteRecords.open(path, { busyTimeoutMs: CONTENDED_BUSY_MS });
    const N = 600;
    try {
      // The child says when it starts writing, so that both really write at once (keys in opposite
      // orders: they meet in the middle, where both race for the same keys).
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          childScript(
            path,
            `
          console.log('go');
          let won = 0;
          for (let i = 0; i < ${N}; i++) if (await records.put('k/' + i, { v: 1, by: 'child' }, { ifAbsent: true })) won++;
          console.log(won);`,
          ),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      assert.equal((await lines.next()).value, 'go');
      let won = 0;
      for (let i = N - 1; i >= 0; i--) {
        if (await here.put(`k/${i}`, { v: RECORD_VERSION }, { ifAbsent: true })) won++;
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      const childWon = Number((await lines.next()).value);
      assert.equal(won + childWon, N, `parent ${won} + child ${childWon}`);
      assert.equal((await here.list('k/', { limit: N + 1 })).length, N);
    } finally {
      await here.close();
    }
  });

  it("a write meeting another process's open transaction waits for it (busy_timeout), then sees its result", async () => {
    const path = freshFile();
    const here = SqliteRecords.open(path);
    try {
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `
          const { DatabaseSync } = await import('node:sqlite');
          const db = new DatabaseSync(${JSON.stringify(path)});
          db.exec('BEGIN IMMEDIATE');
          db.prepare('INSERT INTO records (key, json) VALUES (?, ?)').run('held', '{"v":1,"by":"child"}');
          console.log('locked');
          await new Promise((r) => setTimeout(r, 400));
          db.exec('COMMIT');
          db.close();`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      assert.equal((await lines.next()).value, 'locked');
      const started = performance.now();
      assert.equal(await here.put('held', { v: RECORD_VERSION }, { ifAbsent: true }), false, 'the child won');
      assert.ok(performance.now() - started > 200, 'it waited for the commit');
      assert.deepEqual(await here.get('held'), { v: 1, by: 'child' });
    } finally {
      await here.close();
    }
  });

  it('the file is created mode 0600: only the server user reads it', async () => {
    const path = freshFile();
    await SqliteRecords.open(path).close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('loading prints nothing to stderr (no ExperimentalWarning in a CLI that prints JSON)', async () => {
    const { stderr } = await inChild(freshFile(), `await records.put('x', { v: 1 });`);
    assert.equal(stderr, '');
  });

  it('a path that cannot hold a database is STORE_UNAVAILABLE, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-durable-'));
    assert.throws(
      () => SqliteRecords.open(dir),
      (e) => e instanceof StoreError && e.code === 'STORE_UNAVAILABLE' && e.message.includes(dir),
    );
  });

  it('a closed handle refuses with STORE_UNAVAILABLE rather than crashing', async () => {
    const records = SqliteRecords.open(freshFile());
    await records.close();
    await records.close(); // twice is fine
    await assert.rejects(records.get('x'), (e) => e instanceof StoreError && e.code === 'STORE_UNAVAILABLE');
  });
});
