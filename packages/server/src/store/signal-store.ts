/**
 * The signaling store a node runs on: embedded (memory, one node, nothing to run) unless
 * `--redis-url` names a Redis that several nodes share. Each node has an id (`--node-id`, else the
 * host name and a random suffix): its bus channel, and what its presence records name. Beside it, the
 * durable records (durable-store.ts): the data dir's state.db, or the same Redis.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  MemoryBus,
  MemoryHub,
  MemoryStore,
  RedisBus,
  RedisStore,
  type DurableRecords,
  type MailboxLimits,
  type SignalBus,
  type SignalStore,
} from '@peerlink/signaling';
import type { Logger } from 'pino';
import { ServerError } from '../errors.js';
import { openDurableRecords, redactUrl } from './durable-store.js';

export interface SignalBackend {
  readonly nodeId: string;
  readonly store: SignalStore;
  readonly bus: SignalBus;
  /** What outlives a restart (channels, access keys): `<data-dir>/state.db`, or the same Redis. */
  readonly durable: DurableRecords;
  close(): Promise<void>;
}

export function defaultNodeId(): string {
  return `${hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 40)}-${randomBytes(3).toString('hex')}`;
}

export async function openSignalBackend(opts: {
  /** The data dir: the embedded store keeps its durable records in its state.db. */
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly nodeId: string | undefined;
  readonly mailbox: MailboxLimits;
  readonly logger: Logger;
  readonly now: () => number;
}): Promise<SignalBackend> {
  const nodeId = opts.nodeId ?? defaultNodeId();
  const durableLog = opts.logger.child({ component: 'durable-store' });
  const durable = await openDurableRecords({
    dataDir: opts.dataDir,
    redisUrl: opts.redisUrl,
    redisPrefix: opts.redisPrefix,
    onUnreadable: (key, err) =>
      durableLog.error({ key, err: err.message }, 'refused a record this node cannot read'),
  });
  if (opts.redisUrl === undefined) {
    const hub = new MemoryHub();
    const store = new MemoryStore({ hub, mailbox: opts.mailbox, now: opts.now });
    const bus = new MemoryBus(nodeId, hub);
    return { nodeId, store, bus, durable, close: () => durable.close() };
  }
  const log = opts.logger.child({ component: 'store', store: 'redis', node: nodeId });
  const common = { url: opts.redisUrl, prefix: opts.redisPrefix };
  // Both wait for Redis at start: a node that cannot reach its cluster's state says so and exits,
  // rather than serving as a lone node. Later outages are survived (docs/signaling-cluster.md).
  let store: RedisStore | undefined;
  try {
    store = await RedisStore.open({
      ...common,
      mailbox: opts.mailbox,
      onUnreadable: (key, err) =>
        log.error({ key, err: err.message }, 'refused a store record this node cannot read'),
    });
    const bus = await RedisBus.open({ ...common, nodeId });
    let closing = false;
    store.onHealth((h) => {
      if (closing) return;
      if (h === 'up') log.info('store reachable again');
      else log.warn('store unreachable: serving local clients only');
    });
    const opened = store;
    return {
      nodeId,
      store,
      bus,
      durable,
      close: async () => {
        closing = true;
        await Promise.allSettled([opened.close(), bus.close(), durable.close()]);
      },
    };
  } catch (err) {
    await Promise.allSettled([store?.close(), durable.close()]);
    throw new ServerError(
      'STORE_UNAVAILABLE',
      `cannot reach Redis at ${redactUrl(opts.redisUrl)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
