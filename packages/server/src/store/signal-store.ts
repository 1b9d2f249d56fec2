/**
 * The signaling store a node runs on: embedded (memory, one node, nothing to run) unless
 * `--redis-url` names a Redis that several nodes share. Each node has an id (`--node-id`, else the
 * host name and a random suffix): its bus channel, and what its presence records name.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  MemoryBus,
  MemoryHub,
  MemoryStore,
  type MailboxLimits,
  type SignalBus,
  type SignalStore,
} from '@peerlink/signaling';
import type { Logger } from 'pino';

export interface SignalBackend {
  readonly nodeId: string;
  readonly store: SignalStore;
  readonly bus: SignalBus;
  close(): Promise<void>;
}

export function defaultNodeId(): string {
  return `${hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 40)}-${randomBytes(3).toString('hex')}`;
}

export async function openSignalBackend(opts: {
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly nodeId: string | undefined;
  readonly mailbox: MailboxLimits;
  readonly logger: Logger;
  readonly now: () => number;
}): Promise<SignalBackend> {
  const nodeId = opts.nodeId ?? defaultNodeId();
  if (opts.redisUrl === undefined) {
    const hub = new MemoryHub();
    const store = new MemoryStore({ hub, mailbox: opts.mailbox, now: opts.now });
    const bus = new MemoryBus(nodeId, hub);
    return { nodeId, store, bus, close: async () => {} };
  }
  throw new Error('--redis-url: the Redis store is not wired yet');
}
