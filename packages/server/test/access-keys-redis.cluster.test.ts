// Access keys in a cluster: servers on one private Redis keep them as durable records there (not in
// their data dirs), every node given the same KEK file reads a key made on another, and a node
// started without that file, or with another, refuses to start and says which KEK it needs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '@peerlink/testing';
import { ServerError } from '../src/index.js';
import { start } from './helpers/start-server.js';

describe('access keys on Redis (a cluster)', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(() => redis.stop());

  it('nodes sharing the KEK file read each other’s keys; a node without it does not start', async () => {
    const prefix = `test-${randomUUID()}:`;
    const kekFile = join(mkdtempSync(join(tmpdir(), 'peerlink-kek-')), 'cluster-kek.key');
    const cluster = { 'redis-url': redis.url, 'redis-prefix': prefix };
    const one = await start({}, { ...cluster, 'kek-file': kekFile });
    const two = await start({}, { ...cluster, 'kek-file': kekFile });
    const raw = new Redis(redis.url);
    try {
      assert.equal(one.backend.durable.kind, 'redis');
      const made = await one.accessKeys.create(Date.now());
      assert.equal(await two.accessKeys.secretOf(made.AccessKeyId), made.SecretAccessKey);
      assert.equal(existsSync(join(one.dataDir.path, 'state.db')), false, 'nothing in the data dir');
      assert.ok(await raw.exists(`${prefix}dur:access-key/${made.AccessKeyId}`));
      const stored = await raw.get(`${prefix}dur:access-key/${made.AccessKeyId}`);
      assert.ok(stored && !stored.includes(made.SecretAccessKey), 'sealed in Redis too');
      assert.equal(await two.accessKeys.revoke(made.AccessKeyId), true);
      assert.equal(await one.accessKeys.secretOf(made.AccessKeyId), undefined);

      // A third node with its own data dir and no --kek-file: no kek.key there, so it stops at start.
      await assert.rejects(
        start({}, cluster),
        (e) =>
          e instanceof ServerError &&
          e.code === 'KEK_MISSING' &&
          /sealed with KEK [0-9a-f]{16}/.test(e.message),
      );
      const wrong = join(mkdtempSync(join(tmpdir(), 'peerlink-kek-')), 'kek.key');
      writeFileSync(wrong, `${Buffer.alloc(32, 9).toString('base64')}\n`);
      await assert.rejects(
        start({}, { ...cluster, 'kek-file': wrong }),
        (e) => e instanceof ServerError && e.code === 'KEK_MISMATCH',
      );
    } finally {
      raw.disconnect();
      await Promise.all([one.close(), two.close()]);
    }
  });
});
