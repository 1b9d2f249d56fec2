// The SDK's peer protocol over the server's QUIC carrier (`quic://HOST:PORT`, docs/quic-signaling.md):
// two nodes register over QUIC and move bytes through the relay (binary frames on the QUIC stream),
// a QUIC node and a wss node reach each other, nodes over QUIC go direct on loopback as over ws and
// fall back to the relay losing nothing, a bad token is refused, and the relay queue cap drops and
// counts frames while the transport above still delivers every byte, and nodes re-join (GO_AWAY on
// a drain, or a lost connection on a restart) and finish a relayed transfer. One server (one QUIC worker)
// per test, one at a time. Sizes are small: @matrixai/quic moves a few hundred KB/s at best and far
// less on a loaded machine (docs/quic-signaling.md, "Relay throughput"), so every test waits long.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningServer } from '@peerlink/server';
import { roundTrip } from '@peerlink/testing';
import { ClientError, type PeerConnection, type PeerNode, type PeerNodeOptions } from '../src/index.js';
import { directThenRelay, node, once, quicOf, received, server } from './helpers.js';

function echo(conn: PeerConnection): void {
  conn.on('message', (m) => conn.send(m));
  conn.on('stream', (s) => s.pipe(s));
}

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
};

const SLOW = { timeout: 300_000 };

/**
 * A server, bob (echoing) and alice, both over quic:// unless `bobOverWss` (bob on wss://, the same
 * development certificate as `ca`), with the options given; everything closed after `body`.
 */
async function withPair(
  opts: { bobOverWss?: boolean; bob?: Partial<PeerNodeOptions>; alice?: Partial<PeerNodeOptions> },
  body: (a: { s: RunningServer; alice: PeerNode; bob: PeerNode }) => Promise<void>,
): Promise<void> {
  const s = await server();
  const q = quicOf(s);
  const bob = await node(s, 'bob', { server: opts.bobOverWss ? s.httpsUrl : q.url, ca: q.cert, ...opts.bob });
  bob.on('connection', echo);
  const alice = await node(s, 'alice', { server: q.url, ca: q.cert, ...opts.alice });
  try {
    await body({ s, alice, bob });
  } finally {
    alice.close();
    bob.close();
    await s.close();
  }
}

const relayOnly = { direct: false } as const;

describe('PeerNode over QUIC signaling', () => {
  it('two quic:// nodes connect relay-first and echo a stream through the QUIC relay', SLOW, () =>
    withPair({ bob: relayOnly, alice: relayOnly }, async ({ s, alice, bob }) => {
      const seen = alice.welcome?.observedAddress ?? '';
      assert.match(seen, /^127\.0\.0\.1:\d+$/, 'the QUIC path seen by the server');
      assert.equal(await metric(s.httpUrl, 'peerlink_quic_joins_total\\{outcome="joined"\\}'), 2);
      const conn = await alice.connect('bob', { peerKey: bob.identity.publicKey });
      assert.equal(conn.path, 'relay');
      const reply = once<Uint8Array>(conn, 'message');
      conn.send('over quic');
      assert.equal(new TextDecoder().decode(await reply), 'over quic');
      const { sent, got } = await roundTrip(conn.createStream(), 128 * 1024);
      assert.equal(got, sent);
      assert.ok((conn.stats().paths['relay']?.bytesSent ?? 0) > 128 * 1024);
      assert.equal(conn.stats().session.dropped.unauthenticated, 0);
      const relayed = await metric(s.httpUrl, 'peerlink_relay_bytes_total');
      assert.ok(relayed > 256 * 1024, `relayed by the server: ${relayed}`);
    }),
  );

  it('a quic:// node and a wss:// node reach each other through the relay, both ways', SLOW, () =>
    withPair({ bobOverWss: true, bob: relayOnly, alice: relayOnly }, async ({ alice, bob }) => {
      const conn = await alice.connect('bob');
      const { sent, got } = await roundTrip(conn.createStream(), 128 * 1024);
      assert.equal(got, sent);
      alice.on('connection', echo);
      const back = await bob.connect('alice');
      const reply = once<Uint8Array>(back, 'message');
      back.send('from wss');
      assert.equal(new TextDecoder().decode(await reply), 'from wss');
    }),
  );

  it(
    'quic:// nodes go direct on loopback, and back to the QUIC relay when it dies, losing nothing',
    SLOW,
    () =>
      withPair({}, async ({ alice, bob }) => {
        const { conn, paths, sent, got } = await directThenRelay(alice, bob, 256 * 1024, 64 * 1024);
        assert.equal(got, sent);
        assert.deepEqual(paths.slice(-1), ['relay'], `paths: ${paths.join(',')}`);
        assert.ok((conn.stats().paths['relay']?.bytesSent ?? 0) > 0, 'the QUIC relay carried the rest');
      }),
  );

  it('counts relay frames dropped at the queue cap, and the transport still delivers every byte', SLOW, () =>
    // A cap of 16 KiB: a burst of a window's worth overflows it at once.
    withPair({ bob: relayOnly, alice: { ...relayOnly, relayQueueBytes: 16 * 1024 } }, async ({ alice }) => {
      const conn = await alice.connect('bob');
      const { sent, got } = await roundTrip(conn.createStream(), 128 * 1024);
      assert.equal(got, sent);
      assert.ok(alice.relayDroppedFrames > 0, 'frames over the cap were dropped and counted');
    }),
  );

  for (const how of ['drain', 'restart'] as const) {
    it(
      `quic:// nodes re-join after a server ${how === 'drain' ? 'drain (GO_AWAY) and ' : ''}restart and finish a relayed transfer`,
      SLOW,
      async () => {
        let s = await server();
        const q = quicOf(s);
        const flags = { 'quic-port': String(s.quic?.port) };
        const restart = { httpPort: Number(new URL(s.httpUrl).port), dataDir: s.dataDir.path, flags };
        const bob = await node(s, 'bob', { server: q.url, ca: q.cert, ...relayOnly });
        bob.on('connection', echo);
        const alice = await node(s, 'alice', { server: q.url, ca: q.cert, ...relayOnly });
        const why: string[] = [];
        alice.on('state', (st, reason) => why.push(`${st}: ${reason ?? ''}`));
        try {
          const conn = await alice.connect('bob');
          const states: string[] = [];
          conn.on('state', (st) => states.push(st));
          const stream = conn.createStream();
          const restarted = (async () => {
            await received(stream, 96 * 1024);
            if (how === 'drain') await s.drain(200);
            else await s.close();
            s = await server(restart);
          })();
          const { sent, got } = await roundTrip(stream, 384 * 1024);
          await restarted;
          assert.equal(got, sent);
          assert.ok(states.includes('reconnecting'), `states: ${states.join(',')}`);
          assert.equal(conn.state, 'connected');
          // A drain's GO_AWAY closes the QUIC connection from the node's side at once (1000 goaway);
          // a restart ends it from the server's.
          const lost = why.find((w) => w.startsWith('reconnecting')) ?? '';
          if (how === 'drain') assert.match(lost, /1000 goaway/, why.join(' | '));
          else assert.doesNotMatch(lost, /goaway/, why.join(' | '));
          // Both nodes joined the new server over QUIC (a node may need a second try while it starts),
          // and the rest of the stream crossed its relay.
          const joins = await metric(s.httpUrl, 'peerlink_quic_joins_total\\{outcome="joined"\\}');
          assert.ok(joins >= 2, `QUIC joins on the new server: ${joins}`);
          assert.ok((await metric(s.httpUrl, 'peerlink_relay_bytes_total')) > 0, 'relayed after the restart');
        } finally {
          alice.close();
          bob.close();
          await s.close();
        }
      },
    );
  }

  it('a bad token over QUIC fails the registration with the server reason', SLOW, () =>
    withPair({ bob: relayOnly, alice: relayOnly }, async ({ s }) => {
      const q = quicOf(s);
      const bad = node(s, 'mallory', { server: q.url, ca: q.cert, ...relayOnly, token: 'not-a-jwt' });
      await assert.rejects(bad, (e) => e instanceof ClientError && e.code === 'CLIENT_REGISTER_FAILED');
      await assert.rejects(
        node(s, 'mallory', { server: q.url, ca: q.cert, ...relayOnly, token: 'not-a-jwt' }),
        /UNAUTHORIZED/,
      );
    }),
  );
});
