// The router across two nodes on one in-memory hub: a text message whose client left the receiving
// node after the sender looked it up is held in the mailbox only when the sender asked for that,
// and for the TTL the sender gave (a KVS channel's MessageTtlSeconds), not the store's default.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryHub, RECORD_VERSION, Router, type LocalSink } from '../src/index.js';
import { memoryBackend } from './helpers.js';

const T0 = 1_000_000;

async function twoNodes() {
  const now = T0;
  const hub = new MemoryHub();
  const a = memoryBackend('node-a', hub, () => now);
  const b = memoryBackend('node-b', hub, () => now);
  const ra = new Router(a.store, a.bus, undefined, () => now);
  const rb = new Router(b.store, b.bus, undefined, () => now);
  const delivered: string[] = [];
  let here = true; // whether node b still holds the client when the envelope arrives
  const sink: LocalSink = {
    deliverText: (_c, _id, text) => (here ? (delivered.push(text), true) : false),
    deliverRelay: () => {},
    control: () => {},
  };
  ra.register('t/', sink);
  rb.register('t/', sink);
  await Promise.all([ra.start(), rb.start()]);
  await b.store.setPresence({ v: RECORD_VERSION, id: 't/x', node: 'node-b', conn: 7, since: T0 }, 60_000);
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    ra,
    store: b.store,
    delivered,
    leave: () => (here = false),
    settle,
  };
}

describe('Router: a client that left the node meanwhile', () => {
  it('delivers to the node that holds the client', async () => {
    const n = await twoNodes();
    assert.equal(await n.ra.sendText('t/x', 'hello', { mailbox: false, now: T0 }), 'remote');
    await n.settle();
    assert.deepEqual(n.delivered, ['hello']);
  });

  it('drops a message the sender did not want held', async () => {
    const n = await twoNodes();
    n.leave();
    assert.equal(await n.ra.sendText('t/x', 'fleeting', { mailbox: false, now: T0 }), 'remote');
    await n.settle();
    assert.deepEqual(await n.store.mailboxTake('t/x', T0), []);
  });

  it("holds a message the sender wanted held, for the sender's TTL", async () => {
    const n = await twoNodes();
    n.leave();
    await n.ra.sendText('t/x', 'offer', { mailbox: true, now: T0, ttlMs: 5_000 });
    await n.ra.sendText('t/x', 'candidate', { mailbox: true, now: T0, ttlMs: 50_000 });
    await n.settle();
    // 10 s later the 5 s message has expired; the 50 s one waits (the store's default is 30 s).
    assert.deepEqual(await n.store.mailboxTake('t/x', T0 + 10_000), ['candidate']);
  });
});
