// Compliance: the bus between nodes. Bytes arrive as sent, to the node they were sent to only.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SignalBus } from '../../src/store/store.js';
import type { ComplianceContext } from './store-compliance.js';

/** What a bus delivered, with a way to wait for the next delivery. */
export class Inbox {
  readonly received: Uint8Array[] = [];
  #waiters: ((p: Uint8Array) => void)[] = [];

  readonly handler = (payload: Uint8Array): void => {
    const w = this.#waiters.shift();
    if (w) w(payload);
    else this.received.push(payload);
  };

  /** The next payload (already queued or still to come); fails after `deadlineMs`. */
  next(deadlineMs = 5000): Promise<Uint8Array> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== got);
        reject(new Error(`no bus message within ${deadlineMs} ms`));
      }, deadlineMs);
      const got = (p: Uint8Array) => {
        clearTimeout(timer);
        resolve(p);
      };
      this.#waiters.push(got);
    });
  }
}

/** Inboxes of nodes a and b, listening from the first bus test on; the outage tests reuse them. */
export const inboxes = new WeakMap<SignalBus, Inbox>();

export function inboxOf(bus: SignalBus): Inbox {
  const inbox = inboxes.get(bus);
  if (!inbox) throw new Error(`node ${bus.nodeId} is not listening`);
  return inbox;
}

export function busCompliance(get: () => ComplianceContext): void {
  describe('bus', () => {
    before(async () => {
      for (const { bus } of [get().a, get().b]) {
        const inbox = new Inbox();
        inboxes.set(bus, inbox);
        await bus.listen(inbox.handler);
      }
    });

    it('a payload published to another node arrives there byte-identical, and only there', async () => {
      const { a, b } = get();
      const sent = new Uint8Array([1, 2, 3, 250]);
      assert.equal(await a.bus.publish('b', sent), 1, 'one listener');
      assert.deepEqual(await inboxOf(b.bus).next(), sent);
      assert.equal(await b.bus.publish('a', new Uint8Array([9])), 1);
      assert.deepEqual(await inboxOf(a.bus).next(), new Uint8Array([9]));
      assert.deepEqual(inboxOf(a.bus).received, [], 'a did not hear its message to b');
      assert.deepEqual(inboxOf(b.bus).received, []);
    });

    it('every byte value crosses; a view into a larger buffer sends only its own bytes', async () => {
      const { a, b } = get();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      assert.equal(await a.bus.publish('b', all), 1);
      assert.deepEqual(await inboxOf(b.bus).next(), all);
      const view = all.subarray(100, 110);
      assert.equal(await a.bus.publish('b', view), 1);
      assert.deepEqual(await inboxOf(b.bus).next(), all.slice(100, 110));
      assert.equal(await a.bus.publish('b', new Uint8Array(0)), 1);
      assert.deepEqual(await inboxOf(b.bus).next(), new Uint8Array(0));
    });

    it('the payload a handler gets is its own copy', async () => {
      const { a, b } = get();
      const sent = new Uint8Array([7, 7, 7]);
      await a.bus.publish('b', sent);
      sent[0] = 0;
      assert.deepEqual(await inboxOf(b.bus).next(), new Uint8Array([7, 7, 7]));
    });

    it('publishing to a node nobody listens for reaches no one (0)', async () => {
      const { a } = get();
      assert.equal(await a.bus.publish('nobody', new Uint8Array([1])), 0);
    });
  });
}
