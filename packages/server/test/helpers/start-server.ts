// A real peerlink server in this process on ephemeral loopback ports, for the server's tests. A test
// file that calls clusterStore(url) first runs every server it starts on that Redis (a fresh key
// prefix each), so the same tests cover the embedded store and Redis.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  loadServeConfig,
  startServer,
  type RunningServer,
  type ServeConfig,
  type StartOptions,
} from '../../src/index.js';

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
  const resolved = {
    'data-dir': mkdtempSync(join(tmpdir(), 'peerlink-sig-')),
    host: '127.0.0.1',
    'http-port': '0',
    'https-port': '0',
    'admin-listen': '127.0.0.1:0',
    'stun-port': '0',
    'auth-secret': SECRET,
    ...(redisUrl !== undefined ? { 'redis-url': redisUrl, 'redis-prefix': `test-${randomUUID()}:` } : {}),
    ...flags,
  };
  // As the CLI does: a reload reads the --config file again, with the same flags.
  const read = (): ServeConfig =>
    loadServeConfig({
      flags: resolved,
      env: {},
      readFile: (p) => readFileSync(p, 'utf8'),
    });
  return startServer(read(), { logger: pino({ level: 'silent' }), readConfig: read, ...opts });
}
