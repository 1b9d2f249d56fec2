// The peer protocol's own tests (peer-engine.test.ts, path-report.test.ts) once more, on a real
// Redis: a private redis-server, a fresh key prefix and node for every harness. Same tests, the
// other store: what the memory store lets pass must pass here too.
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { startRedisServer } from '@peerlink/testing';
import { RedisBus, RedisStore } from '../src/index.js';
import { useBackends, type Backend } from './helpers.js';

const server = await startRedisServer();
const open: Backend[] = [];
const mailbox = { ttlMs: 30_000, maxMessages: 256, maxBytes: 256 * 1024 };
useBackends(async () => {
  const prefix = `engine-${randomUUID()}:`;
  const b = {
    store: await RedisStore.open({ url: server.url, prefix, mailbox }),
    bus: await RedisBus.open({ url: server.url, prefix, nodeId: 'node-1' }),
  };
  open.push(b);
  return b;
});
after(async () => {
  await Promise.all(open.flatMap((b) => [b.store.close(), b.bus.close()]));
  await server.stop();
});

await import('./peer-engine.test.js');
await import('./path-report.test.js');
