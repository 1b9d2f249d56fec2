// The peer protocol over QUIC on a cluster: two peerlink nodes share a private Redis; alice holds her
// signaling and relay on node 1's QUIC carrier (quic://), bob his on node 2's WebSocket (ws://). They
// connect and move bytes through the relay across the nodes, both ways. Node 2 runs as a child
// process with --no-quic: two QUIC worker threads ending in one process have aborted V8 at exit.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import type { RunningServer } from '@peerlink/server';
import { roundTrip, startRedisServer } from '@peerlink/testing';
import type { PeerConnection } from '../src/index.js';
import { node, once, quicOf, SECRET, server } from './helpers.js';

const CLI = new URL('../../../../apps/cli/bin/peerlink.js', import.meta.url).pathname;

/** `peerlink serve` in a child on the same Redis; resolves with its HTTP URL once it listens. */
function childNode(redisUrl: string, prefix: string): Promise<{ child: ChildProcess; httpUrl: string }> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      ...['--data-dir', mkdtempSync(join(tmpdir(), 'peerlink-node2-'))],
      ...['--host', '127.0.0.1', '--http-port', '0', '--https-port', '0', '--admin-listen', '127.0.0.1:0'],
      ...['--stun-port', '0', '--tls-port', '0', '--auth-secret', SECRET, '--no-quic'],
      ...['--redis-url', redisUrl, '--redis-prefix', prefix],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const m = /^peerlink: HTTP {2}(http:\/\/\S+?)\/ /.exec(line);
      if (m?.[1]) resolve({ child, httpUrl: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`node 2 exited (${code}): ${err}`)));
  });
}

function echo(conn: PeerConnection): void {
  conn.on('message', (m) => conn.send(m));
  conn.on('stream', (s) => s.pipe(s));
}

describe('the peer protocol over QUIC across two nodes on Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let node1: RunningServer;
  let node2: { child: ChildProcess; httpUrl: string };
  before(async () => {
    redis = await startRedisServer();
    const prefix = `quic-${randomUUID()}:`;
    node1 = await server({ flags: { 'redis-url': redis.url, 'redis-prefix': prefix } });
    node2 = await childNode(redis.url, prefix);
  });
  after(async () => {
    const exited = once(node2.child, 'exit');
    node2.child.kill('SIGTERM');
    await exited;
    await node1.close();
    await redis.stop();
  });

  it(
    'a quic:// peer on node 1 and a ws:// peer on node 2 relay to each other, both ways',
    { timeout: 300_000 },
    async () => {
      const q = quicOf(node1);
      const alice = await node(node1, 'alice', { server: q.url, ca: q.cert, direct: false });
      const bob = await node(node1, 'bob', { server: node2.httpUrl, direct: false });
      bob.on('connection', echo);
      alice.on('connection', echo);
      try {
        const conn = await alice.connect('bob', { peerKey: bob.identity.publicKey });
        assert.equal(conn.path, 'relay');
        const { sent, got } = await roundTrip(conn.createStream(), 128 * 1024);
        assert.equal(got, sent);
        const back = await bob.connect('alice');
        const reply = once<Uint8Array>(back, 'message');
        back.send('from node 2');
        assert.equal(new TextDecoder().decode(await reply), 'from node 2');
      } finally {
        alice.close();
        bob.close();
      }
    },
  );
});
