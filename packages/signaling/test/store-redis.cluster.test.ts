// The Redis store passes the store compliance suite against a private redis-server (its own port,
// a unique key prefix): real time with short TTLs, an outage is the server stopped, recovery the same
// server restarted on the same port. Plus what only Redis has: unreadable text reported to
// onUnreadable, and a connection that fails fast when Redis never answered.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as elapse } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RECORD_VERSION, StoreError } from '../src/store/records.js';
import { RedisBus } from '../src/store/redis-bus.js';
import { RedisStore } from '../src/store/redis-store.js';
import { eventually } from './helpers/eventually.js';
import { startRedisServer, type RedisServer } from '@peerlink/testing';
import { LIMITS, storeCompliance, type ComplianceTarget } from './helpers/store-compliance.js';

storeCompliance('redis', async (): Promise<ComplianceTarget> => {
  const server = await startRedisServer();
  const prefix = `test-${randomUUID()}:`;
  const raw = new Redis(server.url, { lazyConnect: true, retryStrategy: () => 100 });
  raw.on('error', () => {}); // it sees the outage too
  await raw.connect();
  return {
    makeNode: async (nodeId, mailbox) => ({
      store: await RedisStore.open({ url: server.url, prefix, mailbox }),
      bus: await RedisBus.open({ url: server.url, prefix, nodeId }),
    }),
    rawPut: async (where, key, text) => {
      await raw.set(`${prefix}${where === 'presence' ? 'presence' : 'rec'}:${key}`, text);
    },
    elapse: (ms) => elapse(ms), // real time: what Redis measures TTLs by
    ttlUnitMs: 100,
    outage: () => server.stop(),
    recover: () => server.restart(),
    close: async () => {
      raw.disconnect();
      await server.stop();
    },
  };
});

describe('redis store: what only Redis has', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(() => server.stop());

  it('a record that is not JSON, or of another version, is reported to onUnreadable', async () => {
    const prefix = `test-${randomUUID()}:`;
    const seen: [string, string][] = [];
    const store = await RedisStore.open({
      url: server.url,
      prefix,
      mailbox: LIMITS,
      onUnreadable: (key, err) => seen.push([key, err.code]),
    });
    const raw = new Redis(server.url);
    try {
      await raw.set(`${prefix}rec:garbled`, '{"v":1,');
      await raw.set(`${prefix}rec:future`, '{"v":2}');
      await raw.rpush(`${prefix}mailbox:p2p/x`, 'not json', JSON.stringify({ expires: 2, n: 2, text: 'ok' }));
      for (const key of ['garbled', 'future'])
        await assert.rejects(
          store.get(key),
          (e) => e instanceof StoreError && e.code === 'UNREADABLE_RECORD',
        );
      assert.deepEqual(await store.mailboxTake('p2p/x', 1), ['ok'], 'the readable entry still arrives');
      assert.deepEqual(seen, [
        [`${prefix}rec:garbled`, 'UNREADABLE_RECORD'],
        [`${prefix}rec:future`, 'UNREADABLE_RECORD'],
        [`${prefix}mailbox:p2p/x`, 'UNREADABLE_RECORD'],
      ]);
      assert.equal(await store.put('fine', { v: RECORD_VERSION }), true);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('keys and channels carry the prefix; nothing is written outside it', async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = await RedisStore.open({ url: server.url, prefix, mailbox: LIMITS });
    const raw = new Redis(server.url);
    try {
      await store.setPresence({ v: RECORD_VERSION, id: 'p2p/a', node: 'n', conn: 1, since: 0 }, 60_000);
      await store.put('session/1', { v: RECORD_VERSION });
      await store.addToSet('peer/a/sessions', '1');
      await store.mailboxPut('p2p/b', 'hi', Date.now());
      const keys = (await raw.keys(`${prefix}*`)).sort();
      assert.deepEqual(keys, [
        `${prefix}mailbox:p2p/b`,
        `${prefix}presence:p2p/a`,
        `${prefix}rec:peer/a/sessions`,
        `${prefix}rec:session/1`,
      ]);
      const ttl = await raw.pttl(`${prefix}presence:p2p/a`);
      assert.ok(ttl > 50_000 && ttl <= 60_000, `presence TTL ${ttl}`);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('a command in flight when Redis goes away rejects then, and is not replayed after the reconnect', async () => {
    const own = await startRedisServer();
    const prefix = `test-${randomUUID()}:`;
    // A command timeout far past the deadline below: only the link dropping can end the command.
    const store = await RedisStore.open({ url: own.url, prefix, mailbox: LIMITS, commandTimeoutMs: 60_000 });
    const raw = new Redis(own.url, { retryStrategy: () => 50 });
    raw.on('error', () => {});
    try {
      await raw.call('CLIENT', 'PAUSE', '10000', 'WRITE'); // the store's writes wait, unanswered
      const inFlight = store.mailboxPut('p2p/x', 'held?', Date.now());
      const settled = inFlight.then(
        () => 'resolved',
        (e: unknown) => (e instanceof StoreError ? e.code : 'other'),
      );
      await own.stop();
      const outcome = await Promise.race([settled, elapse(5000, 'still pending', { ref: false })]);
      assert.equal(outcome, 'STORE_UNAVAILABLE');
      await own.restart();
      await eventually('the store is back', () => store.health === 'up', 15_000);
      assert.deepEqual(await store.mailboxTake('p2p/x', Date.now()), [], 'the refused put was not replayed');
    } finally {
      raw.disconnect();
      await store.close();
      await own.stop();
    }
  });

  it('open() fails fast with STORE_UNAVAILABLE when nothing answers, and leaves nothing running', async () => {
    const gone = await startRedisServer();
    await gone.stop();
    const t = Date.now();
    await assert.rejects(
      RedisStore.open({ url: gone.url, prefix: 'x:', mailbox: LIMITS }, 300),
      (e) => e instanceof StoreError && e.code === 'STORE_UNAVAILABLE',
    );
    await assert.rejects(
      RedisBus.open({ url: gone.url, prefix: 'x:', nodeId: 'n' }, 300),
      (e) => e instanceof StoreError && e.code === 'STORE_UNAVAILABLE',
    );
    assert.ok(Date.now() - t < 2000, 'within the waits asked for');
  });
});
