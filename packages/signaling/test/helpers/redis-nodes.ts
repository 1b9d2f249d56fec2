// Nodes of a test file on one private redis-server (started before the file's tests, stopped after):
// `open(n)` closes the previous nodes and gives `n` new ones on a fresh key prefix. The outage is the
// server stopped; recovery the same server restarted without its data, awaited until every node's
// store answers and its bus publishes again.
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { startRedisServer, type RedisServer } from '@peerlink/testing';
import { RedisBus, RedisStore } from '../../src/index.js';
import type { Backend } from '../helpers.js';
import { eventually } from './eventually.js';

const mailbox = { ttlMs: 30_000, maxMessages: 256, maxBytes: 256 * 1024 };

export interface RedisNodes {
  open(n: number): Promise<Backend[]>;
  outage(): Promise<void>;
  recover(): Promise<void>;
}

export function redisNodes(): RedisNodes {
  let server: RedisServer;
  let backends: Backend[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(backends.flatMap((b) => [b.store.close(), b.bus.close()]));
    backends = [];
  };
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await closeAll();
    await server.stop();
  });
  return {
    async open(n) {
      await closeAll();
      const prefix = `test-${randomUUID()}:`;
      for (let i = 1; i <= n; i++)
        backends.push({
          store: await RedisStore.open({ url: server.url, prefix, mailbox }),
          bus: await RedisBus.open({ url: server.url, prefix, nodeId: `node-${i}` }),
        });
      return [...backends];
    },
    async outage() {
      await server.stop();
      await eventually('every store sees the outage', () => backends.every((b) => b.store.health === 'down'));
    },
    async recover() {
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
  };
}
