// Compliance: presence, records, sets and the mailbox; what node `a` writes, node `b` reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  RECORD_VERSION,
  StoreError,
  type PresenceRecord,
  type VersionedRecord,
} from '../../src/store/records.js';
import { eventually } from './eventually.js';
import { LIMITS, type ComplianceContext } from './store-compliance.js';

const presence = (id: string, node: string, conn: number): PresenceRecord => ({
  v: RECORD_VERSION,
  id,
  node,
  conn,
  since: 1_700_000_000_000,
  data: { publicKey: 'k1', observed: '203.0.113.9:4000' },
});

const rec = (fields: Record<string, unknown>): VersionedRecord => ({ v: RECORD_VERSION, ...fields });

const isCode = (code: string) => (err: unknown) => err instanceof StoreError && err.code === code;

export function dataCompliance(get: () => ComplianceContext): void {
  describe('presence', () => {
    it('set, read from another node, replace', async () => {
      const { a, b, unique } = get();
      const id = unique('p2p/alice');
      assert.equal(await b.store.getPresence(id), undefined);
      await a.store.setPresence(presence(id, 'a', 1), 60_000);
      assert.deepEqual(await b.store.getPresence(id), presence(id, 'a', 1));
      await b.store.setPresence(presence(id, 'b', 7), 60_000);
      assert.deepEqual(await a.store.getPresence(id), presence(id, 'b', 7));
    });

    it('delete only when the record still names this node and connection', async () => {
      const { a, b, unique } = get();
      const id = unique('p2p/bob');
      await a.store.setPresence(presence(id, 'a', 1), 60_000);
      assert.equal(await a.store.deletePresence(id, 'a', 2), false, 'another connection of a');
      assert.equal(await b.store.deletePresence(id, 'b', 1), false, 'the same conn id on b');
      assert.deepEqual(await a.store.getPresence(id), presence(id, 'a', 1), 'still there');
      assert.equal(await a.store.deletePresence(id, 'a', 1), true);
      assert.equal(await a.store.getPresence(id), undefined);
      assert.equal(await a.store.deletePresence(id, 'a', 1), false, 'already gone');
    });

    it('expires after its TTL; refresh extends the TTL of the ids given and ignores missing ones', async () => {
      const { a, b, target, unique } = get();
      const u = target.ttlUnitMs;
      const [kept, lapsed] = [unique('p2p/kept'), unique('p2p/lapsed')];
      await a.store.setPresence(presence(kept, 'a', 1), 2 * u);
      await a.store.setPresence(presence(lapsed, 'a', 2), 2 * u);
      const never = unique('p2p/never-there');
      assert.deepEqual(await a.store.refreshPresence([kept, never], 10 * u), [never], 'missing ids');
      await target.elapse(4 * u);
      await eventually('the unrefreshed presence expires', async () => !(await b.store.getPresence(lapsed)));
      assert.deepEqual(await b.store.getPresence(kept), presence(kept, 'a', 1), 'refreshed: still there');
      assert.equal(await b.store.getPresence(never), undefined, 'refresh does not create');
      assert.deepEqual(await a.store.refreshPresence([], u), []);
      assert.deepEqual(
        await b.store.present([kept, lapsed, never]),
        new Set([kept]),
        'present: one call for all',
      );
      assert.deepEqual(await b.store.present([]), new Set());
      assert.deepEqual(await a.store.refreshPresence([lapsed, kept], 6 * u), [lapsed], 'expired: missing');
      await target.elapse(6 * u);
      await eventually('the refreshed presence expires too', async () => !(await b.store.getPresence(kept)));
    });

    it('a presence another schema version wrote is refused, for reading and for deleting', async () => {
      const { b, target, unique } = get();
      const id = unique('p2p/future');
      await target.rawPut('presence', id, JSON.stringify({ ...presence(id, 'a', 1), v: 99 }));
      await assert.rejects(b.store.getPresence(id), isCode('UNREADABLE_RECORD'));
      await assert.rejects(b.store.deletePresence(id, 'a', 1), isCode('UNREADABLE_RECORD'));
    });
  });

  describe('records', () => {
    it('put, get from another node, overwrite, delete', async () => {
      const { a, b, unique } = get();
      const key = unique('session');
      assert.equal(await b.store.get(key), undefined);
      assert.equal(await a.store.put(key, rec({ peers: ['x', 'y'] })), true);
      assert.deepEqual(await b.store.get(key), { v: RECORD_VERSION, peers: ['x', 'y'] });
      await b.store.put(key, rec({ peers: [] }));
      assert.deepEqual(await a.store.get(key), { v: RECORD_VERSION, peers: [] });
      await a.store.delete(key);
      assert.equal(await b.store.get(key), undefined);
      await a.store.delete(key); // deleting what is not there is fine
    });

    it('ifAbsent writes only when the key does not exist (or has expired)', async () => {
      const { a, b, target, unique } = get();
      const key = unique('claim');
      assert.equal(await a.store.put(key, rec({ by: 'a' }), { ifAbsent: true }), true);
      assert.equal(await b.store.put(key, rec({ by: 'b' }), { ifAbsent: true }), false);
      assert.deepEqual(await b.store.get(key), { v: RECORD_VERSION, by: 'a' }, 'the first writer kept it');
      const lease = unique('lease');
      const opts = { ifAbsent: true, ttlMs: 2 * target.ttlUnitMs };
      assert.equal(await a.store.put(lease, rec({ by: 'a' }), opts), true);
      assert.equal(await b.store.put(lease, rec({ by: 'b' }), opts), false);
      await target.elapse(3 * target.ttlUnitMs);
      await eventually('the lease is free again', () => b.store.put(lease, rec({ by: 'b' }), opts));
      assert.deepEqual(await a.store.get(lease), { v: RECORD_VERSION, by: 'b' });
    });

    it('ttl expires a record; touch extends records and sets, and skips missing keys', async () => {
      const { a, b, target, unique } = get();
      const u = target.ttlUnitMs;
      const [kept, lapsed, set] = [unique('kept'), unique('lapsed'), unique('set')];
      await a.store.put(kept, rec({}), { ttlMs: 2 * u });
      await a.store.put(lapsed, rec({}), { ttlMs: 2 * u });
      await a.store.addToSet(set, 'm', 2 * u);
      await a.store.touch([kept, set, unique('missing')], 10 * u);
      await target.elapse(4 * u);
      await eventually('the untouched record expires', async () => !(await b.store.get(lapsed)));
      assert.deepEqual(await b.store.get(kept), { v: RECORD_VERSION });
      assert.deepEqual(await b.store.members(set), ['m']);
      await target.elapse(6 * u);
      await eventually('touched ones expire too', async () => !(await b.store.get(kept)));
      await eventually('the touched set expires too', async () => (await b.store.members(set)).length === 0);
    });

    it('a record another schema version wrote is refused with UNREADABLE_RECORD', async () => {
      const { b, target, unique } = get();
      for (const text of ['{"v":99}', '{"sessions":[]}', 'null', '[1]']) {
        const key = unique('old');
        await target.rawPut('record', key, text);
        await assert.rejects(b.store.get(key), isCode('UNREADABLE_RECORD'), text);
      }
    });

    it('any JSON survives put/get unchanged (as JSON)', async () => {
      const { a, b, unique } = get();
      const key = unique('fuzz');
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (data) => {
          const written = rec({ data });
          await a.store.put(key, written);
          assert.deepEqual(await b.store.get(key), JSON.parse(JSON.stringify(written)));
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('sets', () => {
    it('add (twice is once), read from another node, remove; an emptied set is gone', async () => {
      const { a, b, unique } = get();
      const key = unique('viewers');
      assert.deepEqual(await b.store.members(key), []);
      for (const m of ['x', 'y', 'x']) await a.store.addToSet(key, m);
      assert.deepEqual((await b.store.members(key)).sort(), ['x', 'y']);
      await b.store.removeFromSet(key, 'x');
      await b.store.removeFromSet(key, 'absent');
      assert.deepEqual(await a.store.members(key), ['y']);
      await a.store.removeFromSet(key, 'y');
      assert.deepEqual(await a.store.members(key), []);
      await a.store.addToSet(key, 'z');
      await a.store.delete(key);
      assert.deepEqual(await b.store.members(key), [], 'delete removes a set');
    });

    it('a set with a TTL expires', async () => {
      const { a, b, target, unique } = get();
      const key = unique('ttl-set');
      await a.store.addToSet(key, 'x', 2 * target.ttlUnitMs);
      assert.deepEqual(await b.store.members(key), ['x']);
      await target.elapse(3 * target.ttlUnitMs);
      await eventually('the set expires', async () => (await b.store.members(key)).length === 0);
    });
  });

  describe('mailbox', () => {
    const t0 = 1_800_000_000_000;

    it('holds messages in order until taken; take empties the box; boxes are per recipient', async () => {
      const { a, b, unique } = get();
      const [id, other] = [unique('p2p/away'), unique('p2p/other')];
      for (const m of ['a', 'b', 'c']) assert.equal(await a.store.mailboxPut(id, m, t0), true);
      assert.equal(await a.store.mailboxPut(other, 'z', t0), true);
      assert.deepEqual(await b.store.mailboxTake(id, t0 + 1), ['a', 'b', 'c']);
      assert.deepEqual(await b.store.mailboxTake(id, t0 + 1), []);
      assert.deepEqual(await b.store.mailboxTake(other, t0 + 1), ['z']);
    });

    it(`refuses past ${LIMITS.maxMessages} messages or ${LIMITS.maxBytes} UTF-16 units`, async () => {
      const { a, b, unique } = get();
      const counted = unique('p2p/count');
      for (let i = 0; i < LIMITS.maxMessages; i++)
        assert.equal(await a.store.mailboxPut(counted, '.', t0), true);
      assert.equal(await b.store.mailboxPut(counted, '.', t0), false, 'message cap');
      const sized = unique('p2p/bytes');
      assert.equal(await a.store.mailboxPut(sized, '€😀€€€€€', t0), true, '8 units, 20 UTF-8 bytes');
      assert.equal(await b.store.mailboxPut(sized, '😀€', t0), false, '3 more units: 11 > 10');
      assert.equal(await b.store.mailboxPut(sized, '😀', t0), true, 'exactly 10');
      assert.deepEqual(await b.store.mailboxTake(sized, t0), ['€😀€€€€€', '😀']);
    });

    it('messages expire after the mailbox TTL, and expired ones free their room', async () => {
      const { a, b, unique } = get();
      const [id, full] = [unique('p2p/late'), unique('p2p/full')];
      await a.store.mailboxPut(id, 'old', t0);
      await a.store.mailboxPut(id, 'new', t0 + 1000);
      assert.deepEqual(await b.store.mailboxTake(id, t0 + LIMITS.ttlMs), ['new']);
      for (let i = 0; i < LIMITS.maxMessages; i++) await a.store.mailboxPut(full, `${i}`, t0);
      assert.equal(await a.store.mailboxPut(full, 'x', t0 + LIMITS.ttlMs - 1), false, 'all still live');
      assert.equal(await a.store.mailboxPut(full, 'y', t0 + LIMITS.ttlMs), true, 'all expired');
      assert.deepEqual(await b.store.mailboxTake(full, t0 + LIMITS.ttlMs), ['y']);
    });

    it('a message may carry its own TTL, shorter or longer than the mailbox default', async () => {
      const { a, b, unique } = get();
      const id = unique('p2p/ttl');
      assert.equal(await a.store.mailboxPut(id, 's', t0, 10), true);
      assert.equal(await a.store.mailboxPut(id, 'd', t0), true);
      assert.equal(await a.store.mailboxPut(id, 'l', t0, LIMITS.ttlMs * 2), true);
      assert.deepEqual(await b.store.mailboxTake(id, t0 + LIMITS.ttlMs), ['l'], 'after the default TTL');
      await a.store.mailboxPut(id, 's', t0, 10);
      await a.store.mailboxPut(id, 'd', t0);
      assert.deepEqual(await b.store.mailboxTake(id, t0 + 10), ['d'], 'after the short one');
    });

    it('discard drops everything held', async () => {
      const { a, b, unique } = get();
      const id = unique('p2p/gone');
      await a.store.mailboxPut(id, 'x', t0);
      await b.store.mailboxDiscard(id);
      assert.deepEqual(await a.store.mailboxTake(id, t0), []);
      assert.equal(await a.store.mailboxPut(id, '0123456789', t0), true, 'the room is back');
    });
  });
}
