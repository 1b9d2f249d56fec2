// The peer protocol over real sockets: ws and wss, sessions, the relay (100 MB checked by hash),
// a peer vanishing, zombie cleanup and drain.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeRelayFrame, mintPeerToken } from '@peerlink/signaling';
import type { RunningServer } from '../src/index.js';
import { TestPeer } from './helpers/peer-client.js';
import { SECRET, start } from './helpers/start-server.js';

const tok = (id: string, secret = SECRET): Promise<string> => mintPeerToken({ secret, id, ttlSeconds: 600 });
const wsUrl = (s: RunningServer, secure = false): string =>
  secure ? `${s.httpsUrl.replace('https', 'wss')}/p2p` : `${s.httpUrl.replace('http', 'ws')}/p2p`;

async function connectPair(server: RunningServer, secure = false) {
  const a = await TestPeer.open(wsUrl(server, secure));
  const b = await TestPeer.open(wsUrl(server, secure));
  await a.register('alice', await tok('alice'));
  await b.register('bob', await tok('bob'));
  a.send({ type: 'connect', target: 'bob' });
  const incoming = await b.next('incoming');
  const session = incoming['session'] as number;
  b.send({ type: 'answer', session });
  await a.next('answered');
  return { a, b, session };
}

describe('peer protocol over real sockets', () => {
  for (const secure of [false, true]) {
    it(`registers, connects, trickles candidates over ${secure ? 'wss' : 'ws'}`, async () => {
      const server = await start();
      try {
        const a = await TestPeer.open(wsUrl(server, secure));
        const welcome = await a.register('alice', await tok('alice'));
        assert.match(welcome['observedAddress'] as string, /^127\.0\.0\.1:\d+$/);
        assert.deepEqual(
          (welcome['stun'] as { primary: string }).primary,
          `127.0.0.1:${server.stun.primary.port}`,
        );
        const ice = welcome['iceServers'] as { urls: string[] }[];
        assert.equal(ice[0]?.urls[0], `stun:127.0.0.1:${server.stun.primary.port}`);
        const turn = ice[1] as { urls: string[]; username: string; credential: string };
        assert.equal(turn.urls[0], `turn:127.0.0.1:${server.stun.primary.port}?transport=udp`);
        assert.match(turn.username, /^\d+:alice$/);
        assert.ok(turn.credential.length > 20);
        const b = await TestPeer.open(wsUrl(server, secure));
        await b.register('bob', await tok('bob'));
        a.send({ type: 'connect', target: 'bob', ref: 'c1' });
        const connecting = await a.next('connecting');
        const incoming = await b.next('incoming');
        assert.equal(incoming['session'], connecting['session']);
        b.send({ type: 'answer', session: incoming['session'] });
        await a.next('answered');
        a.send({
          type: 'candidate',
          session: connecting['session'],
          candidate: { ip: '198.51.100.1', port: 1 },
        });
        assert.deepEqual((await b.next('candidate'))['candidate'], { ip: '198.51.100.1', port: 1 });
        const status = (await (await fetch(`${server.httpUrl}/status`)).json()) as {
          counts: Record<string, number>;
        };
        assert.equal(status.counts['peers'], 2);
        assert.equal(status.counts['sessions'], 1);
        a.ws.close();
        b.ws.close();
      } finally {
        await server.close();
      }
    });
  }

  it('refuses a bad token and a token for another id with named errors', async () => {
    const server = await start();
    try {
      const p = await TestPeer.open(wsUrl(server));
      p.send({ type: 'register', id: 'alice', token: await tok('alice', 'wrong-secret') });
      assert.equal((await p.next('error'))['code'], 'UNAUTHORIZED');
      p.send({ type: 'register', id: 'alice', token: await tok('bob') });
      assert.equal((await p.next('error'))['code'], 'ID_MISMATCH');
      p.ws.close();
    } finally {
      await server.close();
    }
  });

  for (const [secure, megabytes] of [
    [false, 100],
    [true, 20],
  ] as const) {
    it(`relays ${megabytes} MB between two peers over ${secure ? 'wss' : 'ws'}, verified by hash, and counts the bytes`, async () => {
      const server = await start({
        peerOptions: {
          relay: {
            bytesPerSecond: 1e10,
            burstBytes: 1e10,
            maxFrameBytes: 65540,
            highWaterBytes: 1 << 20,
            hardCapBytes: 8 << 20,
          },
        },
      });
      try {
        const { a, b, session } = await connectPair(server, secure);
        const total = megabytes * 1024 * 1024;
        const chunk = 16 * 1024;
        const sent = createHash('sha256');
        const got = createHash('sha256');
        let received = 0;
        const done = new Promise<void>((resolve) => {
          b.onFrame = (f) => {
            assert.equal(f.readUInt32BE(0), session);
            got.update(f.subarray(4));
            received += f.length - 4;
            if (received >= total) resolve();
          };
        });
        const block = randomBytes(chunk * 64);
        for (let off = 0; off < total; off += chunk) {
          const payload = block.subarray(off % block.length, (off % block.length) + chunk);
          sent.update(payload);
          a.ws.send(encodeRelayFrame(session, payload));
          // Respect the sender's own socket buffer, as the SDK does; the server applies backpressure too.
          if (a.ws.bufferedAmount > 4 << 20) await new Promise<void>((r) => setImmediate(r));
        }
        await done;
        assert.equal(received, total);
        assert.equal(got.digest('hex'), sent.digest('hex'));
        const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
        const relayed = Number(/^peerlink_relay_bytes_total (\d+)/m.exec(metrics)?.[1]);
        assert.equal(relayed, total + (total / chunk) * 4);
        assert.doesNotMatch(metrics, /peerlink_relay_dropped_total\{reason="backpressure"\} [1-9]/);
        a.ws.close();
        b.ws.close();
      } finally {
        await server.close();
      }
    });
  }

  it('counts a reported path switch in /metrics and /status, and drops the sides when the session ends', async () => {
    const server = await start();
    try {
      const { a, b, session } = await connectPair(server);
      a.send({ type: 'path', session, path: 'direct' });
      a.send({ type: 'ping', ts: 1 }); // no reply to a path report: the pong says it was handled
      await a.next('pong');
      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      assert.match(metrics, /^peerlink_path_switches_total\{to="direct"\} 1$/m);
      assert.match(metrics, /^peerlink_path_switches_total\{to="turn"\} 0$/m);
      assert.match(metrics, /^peerlink_peer_session_sides\{path="direct"\} 1$/m);
      assert.match(metrics, /^peerlink_peer_session_sides\{path="relay"\} 1$/m);
      const status = (await (await fetch(`${server.httpUrl}/status`)).json()) as {
        paths: { sides: Record<string, number>; switches: Record<string, number> };
      };
      assert.deepEqual(status.paths.sides, { relay: 1, direct: 1, turn: 0 });
      assert.equal(status.paths.switches['direct'], 1);
      a.send({ type: 'close', session });
      await b.next('closed');
      const after = await (await fetch(`${server.httpUrl}/metrics`)).text();
      assert.match(after, /^peerlink_peer_session_sides\{path="direct"\} 0$/m);
      assert.match(after, /^peerlink_path_switches_total\{to="direct"\} 1$/m);
      a.ws.close();
      b.ws.close();
    } finally {
      await server.close();
    }
  });

  it('tells the other peer when a peer vanishes and does not come back', async () => {
    const server = await start({ peerOptions: { awayTtlMs: 300 }, signalingTickMs: 50 });
    try {
      const { a, b, session } = await connectPair(server);
      b.ws.terminate();
      const closed = await a.next('closed');
      assert.deepEqual(closed, { type: 'closed', session, reason: 'peer-gone' });
      a.ws.close();
    } finally {
      await server.close();
    }
  });

  it('closes a zombie after the (shortened) idle timeout while a pinging peer stays', async () => {
    const server = await start({ peerOptions: { idleTimeoutMs: 400 }, signalingTickMs: 50 });
    try {
      const zombie = await TestPeer.open(wsUrl(server));
      await zombie.register('zombie', await tok('zombie'));
      const live = await TestPeer.open(wsUrl(server));
      await live.register('live', await tok('live'));
      const pinger = setInterval(() => live.send({ type: 'ping' }), 100);
      const info = await zombie.closed();
      clearInterval(pinger);
      assert.equal(info.code, 4008);
      assert.equal(live.closeInfo, undefined);
      live.ws.close();
    } finally {
      await server.close();
    }
  });

  it('drains: GO_AWAY to clients, new connections refused, done when clients leave', async () => {
    const server = await start();
    const p = await TestPeer.open(wsUrl(server));
    await p.register('alice', await tok('alice'));
    const goaway = p.next('goaway');
    const drained = server.drain(10_000);
    assert.equal((await goaway)['reason'], 'shutdown');
    await assert.rejects(TestPeer.open(wsUrl(server)));
    p.ws.close();
    await drained;
  });
});
