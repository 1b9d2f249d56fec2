// The SDK against a real server over real sockets: relay-first connections, messages, datagrams,
// streams, key pinning, a peer that never answers, and a server restart mid-transfer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { createIdentity } from '@peerlink/transport';
import { ClientError, type PeerConnection } from '../src/index.js';
import { roundTrip, startTcpHoldProxy } from '@peerlink/testing';
import { directThenRelay, node, once, received, server, token } from './helpers.js';

function echo(conn: PeerConnection): void {
  conn.on('message', (m) => conn.send(m));
  conn.on('datagram', (d) => conn.sendDatagram(d));
  conn.on('stream', (s) => s.pipe(s));
}

describe('PeerNode over the relay', () => {
  it('connects, exchanges messages, datagrams and an echoed 4 MB stream', async () => {
    const s = await server();
    const bob = await node(s, 'bob', { direct: false });
    bob.on('connection', echo);
    const alice = await node(s, 'alice', { direct: false });
    try {
      const conn = await alice.connect('bob', { peerKey: bob.identity.publicKey });
      assert.equal(conn.state, 'connected');
      assert.equal(conn.path, 'relay');
      assert.deepEqual(conn.remoteKey, bob.identity.publicKey);
      const reply = once<Uint8Array>(conn, 'message');
      conn.send('hello');
      assert.equal(new TextDecoder().decode(await reply), 'hello');
      const dg = once<Uint8Array>(conn, 'datagram');
      conn.sendDatagram(new Uint8Array([1, 2, 3]));
      assert.deepEqual([...(await dg)], [1, 2, 3]);
      const { sent, got } = await roundTrip(conn.createStream(), 4 * 1024 * 1024);
      assert.equal(got, sent);
      const st = conn.stats();
      assert.ok((st.paths['relay']?.bytesSent ?? 0) > 4 * 1024 * 1024);
      assert.equal(st.session.dropped.unauthenticated, 0);
    } finally {
      alice.close();
      bob.close();
      await s.close();
    }
  });

  it('refuses a peer whose key differs from the pinned one', async () => {
    const s = await server();
    const bob = await node(s, 'bob', { direct: false });
    const alice = await node(s, 'alice', { direct: false });
    try {
      await assert.rejects(
        alice.connect('bob', { peerKey: createIdentity().publicKey, timeoutMs: 5000 }),
        (e) => {
          assert.ok(e instanceof ClientError);
          assert.match(e.message, /KEY_MISMATCH/);
          return true;
        },
      );
    } finally {
      alice.close();
      bob.close();
      await s.close();
    }
  });

  it('reports an offline peer, and times out on a peer that never answers', async () => {
    const s = await server();
    const alice = await node(s, 'alice', { direct: false });
    // A registered peer that ignores every message.
    const mute = new WebSocket(`${s.httpUrl.replace('http', 'ws')}/p2p`);
    await once(mute, 'open');
    const welcomed = once(mute, 'message');
    mute.send(JSON.stringify({ type: 'register', id: 'mute', token: await token('mute') }));
    await welcomed;
    try {
      await assert.rejects(
        alice.connect('nobody'),
        (e) => e instanceof ClientError && e.code === 'CLIENT_PEER_OFFLINE',
      );
      const t0 = Date.now();
      await assert.rejects(
        alice.connect('mute', { timeoutMs: 800 }),
        (e) => e instanceof ClientError && e.code === 'CLIENT_TIMEOUT',
      );
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      mute.close();
      alice.close();
      await s.close();
    }
  });

  it('takes an answer that arrives in the same read as `connecting`', async () => {
    // On a loaded machine the connecting process can sleep through both: one read returns them,
    // and the answer must not be dropped while the `connecting` reply is still being awaited.
    const s = await server();
    const proxy = await startTcpHoldProxy({
      targetHost: '127.0.0.1',
      targetPort: Number(new URL(s.httpUrl).port),
    });
    const bob = await node(s, 'bob', { direct: false });
    bob.on('connection', echo);
    const alice = await node(s, 'alice', { direct: false, server: `http://127.0.0.1:${proxy.port}` });
    const has = (type: string) => (b: Buffer) => b.includes(`"type":"${type}"`);
    const merged = proxy.hold(has('connecting'), has('answered'));
    try {
      const conn = await alice.connect('bob', { timeoutMs: 3000 });
      const held = await merged;
      assert.ok(has('connecting')(held) && has('answered')(held), 'one write held both');
      const reply = once<Uint8Array>(conn, 'message');
      conn.send('hello');
      assert.equal(new TextDecoder().decode(await reply), 'hello');
    } finally {
      alice.close();
      bob.close();
      await proxy.close();
      await s.close();
    }
  });

  for (const how of ['restart', 'drain'] as const) {
    it(`survives a server ${how === 'drain' ? 'drain (GO_AWAY) and ' : ''}restart mid-transfer without losing a byte`, async () => {
      let s = await server();
      const port = Number(new URL(s.httpUrl).port);
      const dataDir = s.dataDir.path;
      const bob = await node(s, 'bob', { direct: false });
      bob.on('connection', echo);
      const alice = await node(s, 'alice', { direct: false });
      try {
        const conn = await alice.connect('bob');
        const stream = conn.createStream();
        const total = 3 * 1024 * 1024;
        const restarted = (async () => {
          await received(stream, 512 * 1024);
          if (how === 'drain') await s.drain(200);
          else await s.close();
          s = await server({ httpPort: port, dataDir });
        })();
        const states: string[] = [];
        conn.on('state', (st) => states.push(st));
        const { sent, got } = await roundTrip(stream, total);
        await restarted;
        assert.equal(got, sent);
        assert.ok(states.includes('reconnecting'), `states: ${states.join(',')}`);
        assert.equal(conn.state, 'connected');
      } finally {
        alice.close();
        bob.close();
        await s.close();
      }
    });
  }
});

describe('PeerNode direct paths (loopback)', () => {
  it('moves to a direct path make-before-break, and back to the relay when it dies, losing nothing', async () => {
    const s = await server();
    const bob = await node(s, 'bob');
    bob.on('connection', echo);
    const alice = await node(s, 'alice');
    try {
      const { conn, paths, sent, got } = await directThenRelay(alice, bob, 4 * 1024 * 1024, 1024 * 1024);
      assert.equal(got, sent);
      assert.deepEqual(paths.slice(-1), ['relay'], `paths: ${paths.join(',')}`);
      assert.equal(conn.state, 'connected');
      assert.equal(conn.stats().session.dropped.unauthenticated, 0);
      assert.ok(conn.stats().pathSwitches >= 2, 'to direct and back, counted');
      // Both sides reported their switches: the server counts them.
      const metrics = await (await fetch(`${s.httpUrl}/metrics`)).text();
      const counted = (to: string): number =>
        Number(new RegExp(`peerlink_path_switches_total\\{to="${to}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      assert.ok(counted('direct') >= 1, metrics);
      assert.ok(counted('relay') >= 1, metrics);
    } finally {
      alice.close();
      bob.close();
      await s.close();
    }
  });
});
