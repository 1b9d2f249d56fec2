// Compliance: the backend goes away and comes back. While away every call rejects with
// STORE_UNAVAILABLE (never a backend error), health says 'down' and listeners hear it; once back,
// health is 'up', calls work, and the bus delivers again (subscriptions come back by themselves).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECORD_VERSION, StoreError } from '../../src/store/records.js';
import type { SignalStore, StoreHealth } from '../../src/store/store.js';
import { inboxOf } from './compliance-bus.js';
import { eventually, nextEvent } from './eventually.js';
import type { ComplianceContext } from './store-compliance.js';

/** Resolves when `store` reports `health` (at once if it already does); fails after `deadlineMs`. */
async function becomes(store: SignalStore, health: StoreHealth, deadlineMs: number): Promise<void> {
  if (store.health === health) return; // checked and subscribed in one tick: no change slips between
  await nextEvent(
    `health ${health}`,
    (l) => store.onHealth(l),
    (h) => h === health,
    deadlineMs,
  );
}

export function outageCompliance(get: () => ComplianceContext): void {
  describe('outage', () => {
    it('every call rejects STORE_UNAVAILABLE; health goes down, then up; then all works again', async () => {
      const { a, b, target } = get();
      const heard: StoreHealth[] = [];
      const off = a.store.onHealth((h) => heard.push(h));
      assert.equal(a.store.health, 'up');

      await target.outage();
      await becomes(a.store, 'down', 5000);

      const { store, bus } = a;
      const p = { v: RECORD_VERSION, id: 'p2p/x', node: 'a', conn: 1, since: 0 };
      const calls: [string, () => Promise<unknown>][] = [
        ['setPresence', () => store.setPresence(p, 1000)],
        ['getPresence', () => store.getPresence('p2p/x')],
        ['deletePresence', () => store.deletePresence('p2p/x', 'a', 1)],
        ['refreshPresence', () => store.refreshPresence(['p2p/x'], 1000)],
        ['present', () => store.present(['p2p/x'])],
        ['get', () => store.get('k')],
        ['put', () => store.put('k', { v: RECORD_VERSION })],
        ['put ifAbsent ttl', () => store.put('k', { v: RECORD_VERSION }, { ifAbsent: true, ttlMs: 1000 })],
        ['delete', () => store.delete('k')],
        ['touch', () => store.touch(['k'], 1000)],
        ['addToSet', () => store.addToSet('s', 'm', 1000)],
        ['removeFromSet', () => store.removeFromSet('s', 'm')],
        ['members', () => store.members('s')],
        ['mailboxPut', () => store.mailboxPut('p2p/x', 'hi', 0)],
        ['mailboxTake', () => store.mailboxTake('p2p/x', 0)],
        ['mailboxDiscard', () => store.mailboxDiscard('p2p/x')],
        ['publish', () => bus.publish('b', new Uint8Array([1]))],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(
          call(),
          (err) => err instanceof StoreError && err.code === 'STORE_UNAVAILABLE',
          `${name} while the backend is away`,
        );
      }

      await target.recover();
      // Each node's connection comes back on its own schedule: wait for both.
      await Promise.all([a.store, b.store].map((s) => becomes(s, 'up', 15_000)));
      off();
      assert.deepEqual(heard, ['down', 'up'], 'listeners heard each change once');

      await store.setPresence(p, 60_000);
      assert.deepEqual(await b.store.getPresence('p2p/x'), p);

      // The bus is back once b's subscription is: publishing reaches one listener again.
      await eventually(
        'b listens again',
        async () => (await a.bus.publish('b', new Uint8Array([0]))) === 1,
        15_000,
      );
      assert.deepEqual(await inboxOf(b.bus).next(), new Uint8Array([0]));
      assert.equal(await b.bus.publish('a', new Uint8Array([4, 2])), 1);
      assert.deepEqual(await inboxOf(a.bus).next(), new Uint8Array([4, 2]));
    });
  });
}
