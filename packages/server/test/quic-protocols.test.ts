// Every protocol over the QUIC carrier (docs/quic-signaling.md, "Protocols"): a JOIN with
// `protocol: "im"` is an /im connection of the IM call engine, so the seed's call is set up between a
// QUIC client and a WSS client (ringing, answer, ICE both ways, end with duration); IM's `auth`
// message works after JOINED, and a bad token is refused as over wss. A JOIN with `protocol: "peer"`
// is a /p2p connection: it registers, opens a session with a wss peer and relays binary frames both
// ways, unchanged. One server, one QUIC worker.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { encodeBinaryFrame, mintPeerToken } from '@peerlink/signaling';
import { seed003 } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { TestPeer } from './helpers/peer-client.js';
import { quicJoin, type Frame, type QuicTestClient } from './helpers/quic-client.js';
import { SECRET, start } from './helpers/start-server.js';

const JWT_SECRET = 'quic-im-secret-0123456789abcdef';
const jwt = (sub: string): Promise<string> =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));

/** Frames of one QUIC client as they come, and a wait for the first (seen or to come) that matches. */
function inbox(c: QuicTestClient): (want: (f: Frame) => boolean) => Promise<Frame> {
  const seen: Frame[] = [];
  let wake: (() => void) | undefined;
  void (async () => {
    for (;;) {
      seen.push(await c.next());
      wake?.();
    }
  })();
  return async (want) => {
    for (;;) {
      const f = seen.find(want);
      if (f) return f;
      await new Promise<void>((r) => (wake = r));
    }
  };
}
const im = (type: string, status?: string) => (f: Frame) =>
  f['type'] === type && (status === undefined || (f['payload'] as { status?: string }).status === status);

/** An /im WebSocket device: a wait for the first frame (seen or to come) of a type. */
async function wssDevice(url: string): Promise<{ ws: WebSocket; next: (type: string) => Promise<Frame> }> {
  const ws = new WebSocket(url, { rejectUnauthorized: false });
  const seen: Frame[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (d: Buffer) => {
    seen.push(JSON.parse(d.toString()) as Frame);
    wake?.();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (type: string): Promise<Frame> => {
    for (;;) {
      const f = seen.find((x) => x['type'] === type);
      if (f) return f;
      await new Promise<void>((r) => (wake = r));
    }
  };
  return { ws, next };
}

describe('IM and the peer protocol over QUIC', () => {
  let server: RunningServer;
  let cert: string;
  const port = (): number => server.quic?.port as number;
  before(async () => {
    server = await start({}, { 'jwt-secret': JWT_SECRET, 'ring-timeout': '5' });
    cert = readFileSync(join(server.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8');
  });
  after(() => server.close());

  it("sets up the seed's call between a QUIC caller and a WSS callee", async () => {
    const { c: caller, answer } = await quicJoin(port(), cert, { protocol: 'im', token: await jwt('1') });
    const callee = await wssDevice(`${server.httpsUrl.replace(/^https/, 'wss')}/im?token=${await jwt('2')}`);
    try {
      assert.deepEqual(answer, { messageType: 'JOINED', protocol: 'im', keepaliveMs: 15000 });
      const next = inbox(caller);
      assert.deepEqual((await next(im('auth.ok')))['payload'], { user_id: '1' });
      await callee.next('auth.ok');
      await caller.send(seed003.SEED_003_OFFER);
      assert.deepEqual(await callee.next('call.offer'), JSON.parse(seed003.SEED_003_OFFER));
      await next(im('call.status', 'ringing'));
      callee.ws.send(seed003.SEED_003_ANSWER);
      assert.equal((await next(im('call.answer')))['type'], 'call.answer');
      await next(im('call.status', 'answered'));
      await caller.send(seed003.SEED_003_ICE);
      assert.equal((await callee.next('call.ice'))['type'], 'call.ice');
      await caller.send(seed003.SEED_003_END);
      const end = await callee.next('call.end');
      const p = end['payload'] as { reason: string; duration: number; ended_at: unknown };
      assert.equal(typeof p.duration, 'number');
      assert.ok(p.ended_at !== undefined, 'the server fills ended_at');
    } finally {
      callee.ws.close();
      await caller.close();
    }
  });

  it('authenticates by an auth message after JOINED, and refuses a bad token as over wss', async () => {
    const { c: good } = await quicJoin(port(), cert, { protocol: 'im' });
    const { c: bad } = await quicJoin(port(), cert, { protocol: 'im' });
    try {
      await good.send({ type: 'auth', payload: { token: await jwt('7') } });
      assert.deepEqual((await good.next())['payload'], { user_id: '7' });
      await bad.send({ type: 'auth', payload: { token: 'not-a-jwt' } });
      const refused = await bad.next();
      assert.equal(refused['type'], 'call.error');
      assert.equal((refused['payload'] as { error_code: string }).error_code, 'UNAUTHORIZED');
      assert.equal((await bad.closed).code, 4003);
    } finally {
      await good.close();
      await bad.close();
    }
  });

  it('a peer JOIN registers on /p2p and relays binary frames with a wss peer, both ways, unchanged', async () => {
    const { c: alice, answer } = await quicJoin(port(), cert, { protocol: 'peer' });
    const bob = await TestPeer.open(`${server.httpUrl.replace(/^http/, 'ws')}/p2p`);
    try {
      assert.equal(answer['protocol'], 'peer');
      await alice.send({
        type: 'register',
        id: 'alice',
        token: await mintPeerToken({ secret: SECRET, id: 'alice', ttlSeconds: 600 }),
      });
      const welcome = await alice.next();
      assert.equal(welcome['type'], 'welcome');
      await bob.register('bob', await mintPeerToken({ secret: SECRET, id: 'bob', ttlSeconds: 600 }));
      await alice.send({ type: 'connect', target: 'bob', ref: 'r1' });
      const connecting = await alice.next();
      assert.equal(connecting['type'], 'connecting');
      const incoming = await bob.next('incoming');
      assert.match(String(incoming['address']), /^127\.0\.0\.1$|^127\.0\.0\.1:\d+$/, 'the QUIC address');
      bob.send({ type: 'answer', session: incoming['session'] });
      assert.equal((await alice.next())['type'], 'answered');
      const session = incoming['session'] as number;
      const frame = new Uint8Array(4 + 3000);
      new DataView(frame.buffer).setUint32(0, session);
      frame.fill(0xa5, 4);
      const atBob = new Promise<Buffer>((r) => (bob.onFrame = r));
      await alice.send(encodeBinaryFrame(frame));
      assert.deepEqual([...(await atBob)], [...frame]);
      const back = Buffer.from(frame).fill(0x5a, 4);
      bob.ws.send(back);
      const got = (await alice.next())['binary'] as Uint8Array;
      assert.deepEqual([...got], [...back]);
    } finally {
      bob.ws.close();
      await alice.close();
    }
  });
});
