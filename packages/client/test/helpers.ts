// A real peerlink server in process, and nodes registered with it. A server started here listens for
// QUIC too (an ephemeral UDP port): a test file starts at most one at a time, since two QUIC worker
// threads ending together have aborted V8 at exit; a second node runs in a child (cluster test).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadServeConfig, startServer, type RunningServer } from '@peerlink/server';
import { mintPeerToken } from '@peerlink/signaling';
import { roundTrip } from '@peerlink/testing';
import { PeerNode, type PeerConnection, type PeerNodeOptions } from '../src/index.js';

export const SECRET = 'client-test-secret';

export async function server(
  opts: { httpPort?: number; dataDir?: string; flags?: Record<string, string | boolean> } = {},
): Promise<RunningServer> {
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
      ...opts.flags,
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

/** Resolves once `bytes` bytes of the stream have been read (its data events, counted). */
export function received(
  stream: { on(e: 'data', f: (d: Buffer) => void): unknown },
  bytes: number,
): Promise<void> {
  let n = 0;
  return new Promise((resolve) => {
    stream.on('data', (d) => {
      n += d.length;
      if (n >= bytes) resolve();
    });
  });
}

/** The server's `quic://` URL and the development certificate it presents (a `ca` for the SDK). */
export function quicOf(s: RunningServer): { url: string; cert: string } {
  if (!s.quic) throw new Error('this server has no QUIC carrier');
  return {
    url: `quic://127.0.0.1:${s.quic.port}`,
    cert: readFileSync(join(s.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8'),
  };
}

/**
 * alice's connection to bob goes direct, then bob's UDP socket closes after `killAt` bytes of an
 * echoed `total`-byte stream: the rest must come back through the relay. Both nodes run with direct
 * paths on, bob echoes streams.
 */
export async function directThenRelay(
  alice: PeerNode,
  bob: PeerNode,
  total: number,
  killAt: number,
): Promise<{ conn: PeerConnection; paths: string[]; sent: string; got: string }> {
  const conn = await alice.connect('bob');
  const paths: string[] = [];
  conn.on('path', (p) => paths.push(p.path));
  if (conn.path !== 'direct') await once(conn, 'path');
  if (conn.path !== 'direct') throw new Error(`no direct path: ${conn.path}`);
  const stream = conn.createStream();
  let received = 0;
  const killed = new Promise<void>((resolve) => {
    stream.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= killAt) resolve();
    });
  }).then(() => bob.udp?.close()); // the direct path dies, as when an address goes away
  const { sent, got } = await roundTrip(stream, total);
  await killed;
  return { conn, paths, sent, got };
}
