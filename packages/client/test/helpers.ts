// A real peerlink server in process, and nodes registered with it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadServeConfig, startServer, type RunningServer } from '@peerlink/server';
import { mintPeerToken } from '@peerlink/signaling';
import { PeerNode, type PeerNodeOptions } from '../src/index.js';

export const SECRET = 'client-test-secret';

export async function server(opts: { httpPort?: number; dataDir?: string } = {}): Promise<RunningServer> {
  const config = loadServeConfig({
    flags: {
      'data-dir': opts.dataDir ?? mkdtempSync(join(tmpdir(), 'peerlink-client-')),
      host: '127.0.0.1',
      'http-port': String(opts.httpPort ?? 0),
      'https-port': '0',
      'admin-listen': '127.0.0.1:0',
      'stun-port': '0',
      'tls-port': '0',
      'auth-secret': SECRET,
      'drain-seconds': '1',
    },
    env: {},
  });
  return startServer(config, { logger: pino({ level: 'silent' }) });
}

export const token = (id: string): Promise<string> => mintPeerToken({ secret: SECRET, id, ttlSeconds: 600 });

export async function node(
  s: RunningServer,
  id: string,
  extra: Partial<PeerNodeOptions> = {},
): Promise<PeerNode> {
  // Port mapping off: tests send only to loopback, never to this machine's real gateway.
  return PeerNode.start({ server: s.httpUrl, id, token: () => token(id), portMapping: false, ...extra });
}

/** Resolves with the next value of an event. */
export function once<T>(emitter: { once(e: string, f: (v: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}
