// The DurableRecords contract as tests: SQLite (unit suite) and Redis (cluster suite) run this one
// suite, so a channel or an access key reads the same whichever store a server runs on. What differs
// per backend comes in through a DurableTarget: how to open another handle on the same records, how
// to write past the implementation, what a restart is, and (Redis) what an outage is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DurableRecords } from '../../src/store/durable.js';
import { eventually } from './eventually.js';
import { RECORD_VERSION, StoreError, type VersionedRecord } from '../../src/store/records.js';

export interface DurableTarget {
  /** A new handle on the same records (another connection, as another process would hold). */
  open(onUnreadable?: (key: string, err: StoreError) => void): Promise<DurableRecords>;
  /** Writes text under a key past the implementation, as another version of the code would have. */
  rawPut(key: string, text: string): Promise<void>;
  /** Closes these handles, then the backend stops and starts again, keeping what it stored. */
  restart(handles: readonly DurableRecords[]): Promise<void>;
  /** The backend becomes unreachable, then comes back (only backends that can be away). */
  readonly outage?: { down(): Promise<void>; up(): Promise<void> };
  close(): Promise<void>;
}

interface Rec extends VersionedRecord {
  readonly name: string;
  readonly n?: number;
  readonly tags?: { readonly b: number; readonly a: number };
}

const rec = (name: string, n?: number): Rec => ({ v: RECORD_VERSION, name, ...(n !== undefined && { n }) });
const keysOf = (rows: { key: string }[]): string[] => rows.map((r) => r.key);
const unreadable = (e: unknown): boolean => e instanceof StoreError && e.code === 'UNREADABLE_RECORD';

export function durableCompliance(
  name: string,
  setup: () => Promise<DurableTarget>,
  opts: { outage: boolean } = { outage: false },
): void {
  describe(`durable records compliance: ${name}`, () => {
    let target: DurableTarget;
    let db: DurableRecords;
    let seq = 0;
    /** A key prefix no other test uses, so that each test lists only its own records. */
    const space = (label: string): string => `t${++seq}-${label}/`;

    before(async () => {
      target = await setup();
      db = await target.open();
    });
    after(async () => {
      await db.close();
      await target.close();
    });

    it('get answers undefined for a missing key and the record as put', async () => {
      const k = space('get');
      assert.equal(await db.get(`${k}missing`), undefined);
      const r: Rec = { v: RECORD_VERSION, name: 'x', tags: { b: 2, a: 1 } };
      assert.equal(await db.put(`${k}one`, r), true);
      assert.deepEqual(await db.get(`${k}one`), r);
      assert.equal(await db.put(`${k}one`, rec('y')), true, 'a plain put replaces');
      assert.deepEqual(await db.get(`${k}one`), rec('y'));
    });

    it('ifAbsent writes only a new key', async () => {
      const k = `${space('absent')}key`;
      assert.equal(await db.put(k, rec('first'), { ifAbsent: true }), true);
      assert.equal(await db.put(k, rec('second'), { ifAbsent: true }), false);
      assert.deepEqual(await db.get(k), rec('first'));
    });

    it('ifMatch writes only over exactly that record, whatever its key order', async () => {
      const k = `${space('match')}key`;
      assert.equal(await db.put(k, rec('a'), { ifMatch: rec('a') }), false, 'nothing to match');
      assert.equal(await db.get(k), undefined);
      const tagged: Rec = { v: RECORD_VERSION, name: 'a', tags: { b: 2, a: 1 } };
      await db.put(k, tagged);
      const cur = await db.get<Rec>(k);
      assert.ok(cur);
      const stale: Rec = { ...cur, name: 'other' };
      assert.equal(await db.put(k, rec('b'), { ifMatch: stale }), false, 'stale');
      const reordered = { tags: { a: 1, b: 2 }, name: 'a', v: RECORD_VERSION };
      assert.equal(await db.put(k, rec('b', 1), { ifMatch: reordered }), true);
      assert.equal(await db.put(k, rec('c'), { ifMatch: cur }), false, 'the old record no longer matches');
      assert.deepEqual(await db.get(k), rec('b', 1));
      await assert.rejects(db.put(k, rec('d'), { ifAbsent: true, ifMatch: rec('b', 1) }), TypeError);
    });

    it('of several handles racing, exactly one ifAbsent and one ifMatch win', async () => {
      const k = `${space('race')}key`;
      const handles = await Promise.all([1, 2, 3, 4].map(() => target.open()));
      try {
        const created = await Promise.all(handles.map((h, i) => h.put(k, rec(`h${i}`), { ifAbsent: true })));
        assert.equal(created.filter(Boolean).length, 1);
        const seen = await db.get<Rec>(k);
        assert.ok(seen);
        const updated = await Promise.all(handles.map((h, i) => h.put(k, rec(`u${i}`), { ifMatch: seen })));
        assert.equal(updated.filter(Boolean).length, 1);
        const winner = updated.indexOf(true);
        assert.deepEqual(await db.get(k), rec(`u${winner}`), 'every handle reads the winner');
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    });

    it('delete says whether there was a record, and the key leaves the listing', async () => {
      const k = space('delete');
      await db.put(`${k}a`, rec('a'));
      await db.put(`${k}b`, rec('b'));
      assert.equal(await db.delete(`${k}a`), true);
      assert.equal(await db.delete(`${k}a`), false);
      assert.equal(await db.get(`${k}a`), undefined);
      assert.deepEqual(keysOf(await db.list(k)), [`${k}b`]);
      assert.equal(await db.put(`${k}a`, rec('again'), { ifAbsent: true }), true, 'a deleted key is absent');
    });

    it('delete with ifMatch removes only exactly that record', async () => {
      const k = `${space('delete-match')}key`;
      await db.put(k, rec('first', 1));
      assert.equal(await db.delete(k, { ifMatch: rec('other', 1) }), false, 'another record stays');
      assert.equal(await db.delete(`${k}-none`, { ifMatch: rec('first', 1) }), false, 'nothing to match');
      assert.deepEqual(await db.get(k), rec('first', 1));
      assert.equal(await db.delete(k, { ifMatch: rec('first', 1) }), true);
      assert.equal(await db.get(k), undefined);
      assert.deepEqual(keysOf(await db.list(k)), [], 'and it leaves the listing');
    });

    it('list: only the prefix, in UTF-8 byte order, after a key, at most limit', async () => {
      const k = space('list');
      // In UTF-8 byte order: '/' < '0' < 'B' < 'a' < U+FFFF < U+1F600 (JS's UTF-16 order differs there).
      const suffixes = ['a', 'B', '0', '\u{1F600}', '\uFFFF', 'a/deeper', ''];
      for (const s of suffixes) await db.put(`${k}${s}`, rec(s));
      await db.put(`${k.slice(0, -1)}-sibling`, rec('outside')); // shares all but the final '/'
      const ordered = ['', '0', 'B', 'a', 'a/deeper', '\uFFFF', '\u{1F600}'].map((s) => `${k}${s}`);
      const all = await db.list<Rec>(k);
      assert.deepEqual(keysOf(all), ordered);
      assert.deepEqual(all[3], { key: `${k}a`, rec: rec('a') });
      assert.deepEqual(keysOf(await db.list(k, { limit: 2 })), ordered.slice(0, 2));
      assert.deepEqual(keysOf(await db.list(k, { after: `${k}B` })), ordered.slice(3));
      assert.deepEqual(
        keysOf(await db.list(k, { after: `${k}Az`, limit: 1 })),
        [`${k}B`],
        'after need not exist',
      );
      assert.deepEqual(keysOf(await db.list(k, { after: 'a-before-every-t' })), ordered);
      assert.deepEqual(keysOf(await db.list(k, { after: `${k}\u{1F600}` })), []);
      assert.deepEqual(keysOf(await db.list(`${k}a`)), [`${k}a`, `${k}a/deeper`]);
      assert.deepEqual(await db.list(`${k}zz`), []);
      await assert.rejects(db.list(k, { limit: 0 }), RangeError);
    });

    it('list pages through everything with after, 100 at a time by default', async () => {
      const k = space('pages');
      const keys = Array.from({ length: 205 }, (_, i) => `${k}${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((key, i) => db.put(key, rec(key, i))));
      const first = await db.list(k);
      assert.equal(first.length, 100);
      const seen: string[] = [];
      let last: string | undefined;
      for (;;) {
        const page = await db.list(k, { limit: 64, ...(last !== undefined && { after: last }) });
        seen.push(...keysOf(page));
        if (page.length < 64) break;
        last = page.at(-1)?.key;
      }
      assert.deepEqual(seen, keys);
    });

    it('a record of another schema version, or not JSON, is refused, never misread', async () => {
      const k = space('unreadable');
      const reported: string[] = [];
      const own = await target.open((key, err) => reported.push(`${key} ${err.code}`));
      try {
        await target.rawPut(`${k}future`, JSON.stringify({ v: RECORD_VERSION + 1, name: 'from v2' }));
        await target.rawPut(`${k}garbled`, '{"v":1,');
        await target.rawPut(`${k}unversioned`, '{"name":"x"}');
        for (const s of ['future', 'garbled', 'unversioned'])
          await assert.rejects(own.get(`${k}${s}`), unreadable);
        await assert.rejects(own.list(k), unreadable, 'a listing that meets one refuses too');
        assert.deepEqual(reported, [
          `${k}future UNREADABLE_RECORD`,
          `${k}garbled UNREADABLE_RECORD`,
          `${k}unversioned UNREADABLE_RECORD`,
          `${k}future UNREADABLE_RECORD`,
        ]);
        assert.equal(await own.delete(`${k}future`), true, 'an unreadable record can still be deleted');
      } finally {
        await own.close();
      }
    });

    it('what was put outlives a restart of the backend', async () => {
      const k = space('restart');
      await db.put(`${k}kept`, rec('kept', 7));
      await target.restart([db]);
      db = await target.open();
      assert.deepEqual(await db.get(`${k}kept`), rec('kept', 7));
      assert.deepEqual(keysOf(await db.list(k)), [`${k}kept`], 'and the listing with it');
    });

    // A backend that cannot be away (a file) has no such test, rather than a skipped one.
    if (opts.outage)
      it('while the backend is away every call rejects STORE_UNAVAILABLE; then it serves again', async () => {
        const outage = target.outage as NonNullable<DurableTarget['outage']>;
        const k = `${space('outage')}key`;
        await db.put(k, rec('before'));
        await outage.down();
        const down = (e: unknown) => e instanceof StoreError && e.code === 'STORE_UNAVAILABLE';
        await assert.rejects(db.get(k), down);
        await assert.rejects(db.put(k, rec('during')), down);
        await assert.rejects(db.list(k), down);
        await assert.rejects(db.delete(k), down);
        await outage.up();
        // The same handle: it reconnects by itself.
        await eventually('the handle reads again', async () => (await db.get<Rec>(k))?.name === 'before');
      });
  });
}
