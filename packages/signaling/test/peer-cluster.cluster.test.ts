// The cross-node peer protocol on Redis: two nodes on a private redis-server, a fresh key prefix per
// test. The outage is the server stopped; recovery is the same server restarted without its data
// (no persistence, as tests and many deployments run it), awaited until every node's store answers
// again and its bus publishes: the nodes' next heartbeat writes their peers' presence again.
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { setTimeout as elapse } from 'node:timers/promises';
import { RedisBus, RedisStore } from '../src/index.js';
import type { Backend } from './helpers.js';
import { eventually } from './helpers/eventually.js';
import { peerClusterSuite } from './helpers/peer-cluster-suite.js';
import { startRedisServer, type RedisServer } from '@peerlink/testing';

const mailbox = { ttlMs: 30_000, maxMessages: 256, maxBytes: 256 * 1024 };
let server: RedisServer;
let backends: Backend[] = [];

before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await closeAll();
  await server.stop();
});

async function closeAll(): Promise<void> {
  await Promise.all(backends.flatMap((b) => [b.store.close(), b.bus.close()]));
  backends = [];
}

async function redisBackend(nodeId: string, prefix: string): Promise<Backend> {
  const b = {
    store: await RedisStore.open({ url: server.url, prefix, mailbox }),
    bus: await RedisBus.open({ url: server.url, prefix, nodeId }),
  };
  backends.push(b);
  return b;
}

peerClusterSuite('redis', {
  nodes: async () => {
    await closeAll();
    const prefix = `test-${randomUUID()}:`;
    return [await redisBackend('node-1', prefix), await redisBackend('node-2', prefix)];
  },
  outage: async () => {
    await server.stop();
    await eventually('every store sees the outage', () => backends.every((b) => b.store.health === 'down'));
  },
  recover: async () => {
    await server.restart();
    for (const { store, bus } of backends) {
      await eventually('the store answers', () => store.health === 'up', 15_000);
      await eventually(
        'the bus publishes',
        async () => (await bus.publish('nobody', new Uint8Array())) === 0,
        15_000,
      );
    }
  },
  passStoreTime: async (ms, hs) => {
    await elapse(ms); // Redis TTLs run on real time
    for (const h of hs) h.now += ms / hs.length;
  },
});
