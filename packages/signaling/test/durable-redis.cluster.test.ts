// RedisRecords passes the durable records compliance suite against a private redis-server (a unique
// key prefix): a restart is the server stopped with its data saved and started again on the same port,
// an outage the server stopped and restarted. Plus the key layout, which operators may inspect.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer } from '@peerlink/testing';
import { RedisRecords } from '../src/store/durable-redis.js';
import { RECORD_VERSION } from '../src/store/records.js';
import { durableCompliance } from './helpers/durable-compliance.js';

// One private redis-server for the file: the compliance suite stops and restarts it, and leaves it up.
const server = await startRedisServer();
after(() => server.stop());

durableCompliance(
  'redis',
  async () => {
    const prefix = `test-${randomUUID()}:`;
    return {
      open: (onUnreadable) =>
        RedisRecords.open({ url: server.url, prefix, ...(onUnreadable && { onUnreadable }) }),
      rawPut: async (key, text) => {
        const raw = new Redis(server.url);
        await raw.multi().set(`${prefix}dur:${key}`, text).zadd(`${prefix}dur-index`, 0, key).exec();
        raw.disconnect();
      },
      restart: async (handles) => {
        await Promise.all(handles.map((h) => h.close()));
        await server.stop({ keepData: true });
        await server.restart();
      },
      outage: { down: () => server.stop({ keepData: true }), up: () => server.restart() },
      close: async () => {},
    };
  },
  { outage: true },
);

describe('redis records: what only Redis has', () => {
  it('keys are <prefix>dur:<key> and one index <prefix>dur-index; nothing outside the prefix', async () => {
    const prefix = `test-${randomUUID()}:`;
    const records = await RedisRecords.open({ url: server.url, prefix });
    const raw = new Redis(server.url);
    try {
      await records.put('channel/a', { v: RECORD_VERSION });
      await records.put('access-key/AKIA', { v: RECORD_VERSION });
      await records.put('gone', { v: RECORD_VERSION });
      await records.delete('gone');
      assert.deepEqual((await raw.keys(`${prefix}*`)).sort(), [
        `${prefix}dur-index`,
        `${prefix}dur:access-key/AKIA`,
        `${prefix}dur:channel/a`,
      ]);
      assert.deepEqual(await raw.zrange(`${prefix}dur-index`, '0', '-1', 'WITHSCORES'), [
        'access-key/AKIA',
        '0',
        'channel/a',
        '0',
      ]);
      assert.equal(await raw.pttl(`${prefix}dur:channel/a`), -1, 'no TTL: durable');
    } finally {
      raw.disconnect();
      await records.close();
    }
  });

  it('open fails STORE_UNAVAILABLE when Redis never answers', async () => {
    const gone = await startRedisServer();
    await gone.stop();
    await assert.rejects(
      RedisRecords.open({ url: gone.url, prefix: 'x:' }, 300),
      (e) => (e as { code?: string }).code === 'STORE_UNAVAILABLE',
    );
  });
});
