// A real peerlink server in this process on ephemeral loopback ports, for the server's tests. A test
// file that calls clusterStore(url) first runs every server it starts on that Redis (a fresh key
// prefix each), so the same tests cover the embedded store and Redis.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { VersionedRecord } from '@peerlink/signaling';
import { loadServeConfig, startServer, type RunningServer, type StartOptions } from '../../src/index.js';

export const SECRET = 'test-secret-0123456789';
let redisUrl: string | undefined;

/** Every server started after this shares signaling state through the Redis at `url`. */
export function clusterStore(url: string): void {
  redisUrl = url;
}

export async function start(
  opts: Partial<StartOptions> = {},
  flags: Record<string, string | boolean> = {},
): Promise<RunningServer> {
  const config = loadServeConfig({
    flags: {
      'data-dir': mkdtempSync(join(tmpdir(), 'peerlink-sig-')),
      host: '127.0.0.1',
      'http-port': '0',
      'https-port': '0',
      'stun-port': '0',
      'auth-secret': SECRET,
      ...(redisUrl !== undefined ? { 'redis-url': redisUrl, 'redis-prefix': `test-${randomUUID()}:` } : {}),
      ...flags,
    },
    env: {},
  });
  return startServer(config, { logger: pino({ level: 'silent' }), ...opts });
}

/** Writes a KVS channel record straight into the server's durable store (no control-plane call). */
export async function putKvsChannel(
  server: RunningServer,
  name: string,
  arn: string,
  created: number,
): Promise<void> {
  await server.backend.durable.put(`kvs/channel/${name}`, {
    v: 1,
    name,
    arn,
    type: 'SINGLE_MASTER',
    status: 'ACTIVE',
    created,
    version: '1',
    messageTtlSeconds: 60,
    tags: {},
  } as VersionedRecord);
}
