// The IM call protocol on a running server, over real sockets: JWTs (HS256 with --jwt-secret as
// ?token= or a first auth message; RS256 and ES256 from a local JWKS server), the seed's call over
// wss, the ring timeout, the policy and offline hooks as local HTTP servers, and the HTTP routes
// (ICE servers with TURN REST credentials, call history).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import { seed003 } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { start } from './helpers/start-server.js';

const JWT_SECRET = 'im-test-secret-0123456789abcdef';
type Frame = { type: string; payload: Record<string, unknown> & { status?: string; reason?: string } };

async function hs256(sub: string, opts: { secret?: string; exp?: number | null } = {}): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt();
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? '10m');
  return jwt.sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET));
}

/** A device on /im: every frame it got, and a wait for the next one that matches. */
class Device {
  readonly frames: Frame[] = [];
  readonly #waiters: { want: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const f = JSON.parse(d.toString()) as Frame;
      this.frames.push(f);
      for (const w of [...this.#waiters])
        if (w.want(f)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(f);
        }
    });
    this.closed = new Promise((r) => ws.once('close', (code) => r(code)));
  }

  static async open(url: string, authMessage?: string): Promise<Device> {
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    const d = new Device(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    if (authMessage !== undefined) d.send({ type: 'auth', payload: { token: authMessage } });
    return d;
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** The first frame (already here or to come) of `type` that passes `pred`. */
  next(type: string, pred: (f: Frame) => boolean = () => true): Promise<Frame> {
    const want = (f: Frame): boolean => f.type === type && pred(f);
    const seen = this.frames.find(want);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ want, resolve }));
  }
}

async function jsonServer(
  handle: (body: unknown, path: string) => unknown,
): Promise<{ url: string; server: Server; got: unknown[] }> {
  const got: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = body === '' ? undefined : (JSON.parse(body) as unknown);
      if (parsed !== undefined) got.push(parsed);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(handle(parsed, req.url ?? '/')));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, got };
}

describe('IM on a running server (HS256)', () => {
  let server: RunningServer;
  let hooks: Awaited<ReturnType<typeof jsonServer>>;
  const im = (q = ''): string => `${server.httpsUrl.replace(/^https/, 'wss')}/im${q}`;

  before(async () => {
    hooks = await jsonServer((body, path) =>
      path === '/policy' ? { allow: (body as { to: string }).to !== '3' } : {},
    );
    server = await start(
      {},
      {
        'jwt-secret': JWT_SECRET,
        'ring-timeout': '1',
        'call-policy-url': `${hooks.url}/policy`,
        'offline-webhook': `${hooks.url}/offline`,
      },
    );
  });
  after(async () => {
    await server.close();
    hooks.server.close();
  });

  it("carries the seed's call over wss: ringing, answer, ICE, end with duration; then both histories have it", async () => {
    const a = await Device.open(im(`?token=${await hs256('1')}`));
    const b = await Device.open(im(), await hs256('2'));
    await Promise.all([a.next('auth.ok'), b.next('auth.ok')]);
    a.send(seed003.SEED_003_OFFER);
    assert.deepEqual(await b.next('call.offer'), JSON.parse(seed003.SEED_003_OFFER));
    await a.next('call.status', (f) => f.payload.status === 'ringing');
    b.send(seed003.SEED_003_ANSWER);
    await a.next('call.answer');
    await b.next('call.status', (f) => f.payload.status === 'answered');
    a.send(seed003.SEED_003_ICE);
    await b.next('call.ice');
    a.send(seed003.SEED_003_STATUS);
    await b.next('call.status', (f) => f.payload.status === 'connected');
    a.send(seed003.SEED_003_END);
    const end = await b.next('call.end');
    assert.equal(end.payload.reason, 'user_hangup');
    assert.equal(typeof end.payload.duration, 'number');
    assert.notEqual(end.payload.ended_at, '2025-10-07T12:02:00Z', "the server's ended_at");
    for (const user of ['1', '2']) {
      const calls = await waitForHistory(server, user);
      assert.equal(calls[0]?.['call_id'], 'call_123456789');
      assert.equal(calls[0]?.['reason'], 'user_hangup');
      assert.equal(calls[0]?.['audio_quality'], 'good');
    }
    a.ws.close();
    b.ws.close();
  });

  it('refuses bad tokens with UNAUTHORIZED and a close 4003', async () => {
    const bad = [
      await hs256('1', { secret: 'another-secret-0123456789abcdef' }),
      await hs256('1', { exp: Math.floor(Date.now() / 1000) - 3600 }),
      await hs256('1', { exp: null }), // no exp: refused, a token must expire
      'not.a.jwt',
    ];
    for (const token of bad) {
      const d = await Device.open(im(`?token=${encodeURIComponent(token)}`));
      assert.equal((await d.next('call.error')).payload['error_code'], 'UNAUTHORIZED');
      assert.equal(await d.closed, 4003);
    }
  });

  it('rings out after --ring-timeout, calls the offline webhook for an absent callee, and asks the call policy', async () => {
    const a = await Device.open(im(`?token=${await hs256('1')}`));
    await a.next('auth.ok');
    const offer = JSON.parse(seed003.SEED_003_OFFER) as Frame;
    a.send({ ...offer, payload: { ...offer.payload, call_id: 'c-absent', to_user: 9 } });
    assert.equal(
      (await a.next('call.end', (f) => f.payload['call_id'] === 'c-absent')).payload.reason,
      'timeout',
    );
    assert.deepEqual(
      hooks.got.find((g) => (g as { call_id?: string }).call_id === 'c-absent'),
      {
        call_id: 'c-absent',
        from: '1',
        to: '9',
        call_type: 'video',
      },
    );
    a.send({ ...offer, payload: { ...offer.payload, call_id: 'c-denied', to_user: 3 } });
    const e = await a.next('call.error', (f) => f.payload['call_id'] === 'c-denied');
    assert.equal(e.payload['error_code'], 'PERMISSION_DENIED');
    a.ws.close();
  });

  it('GET /im/ice-servers: 401 without a token; STUN and TURN with REST credentials with one', async () => {
    assert.equal((await fetch(`${server.httpUrl}/im/ice-servers`)).status, 401);
    const res = await fetch(`${server.httpUrl}/im/ice-servers`, {
      headers: { authorization: `Bearer ${await hs256('alice')}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      ice_servers: { urls: string[]; username?: string; credential?: string }[];
    };
    assert.match(body.ice_servers[0]?.urls[0] ?? '', /^stun:127\.0\.0\.1:\d+$/);
    const turn = body.ice_servers[1];
    assert.ok(turn?.urls.some((u) => u.startsWith('turn:')));
    assert.match(turn?.username ?? '', /^\d+:im\/alice$/);
    assert.ok((turn?.credential ?? '').length > 10);
  });
});

describe('IM with RS256 and ES256 tokens from a JWKS URL', () => {
  let server: RunningServer;
  let keys: Awaited<ReturnType<typeof jsonServer>>;
  const pairs: Record<'RS256' | 'ES256', Awaited<ReturnType<typeof generateKeyPair>>> = {} as never;

  before(async () => {
    pairs.RS256 = await generateKeyPair('RS256');
    pairs.ES256 = await generateKeyPair('ES256');
    const jwks = {
      keys: await Promise.all(
        (['RS256', 'ES256'] as const).map(async (alg) => ({
          ...(await exportJWK(pairs[alg].publicKey)),
          alg,
          kid: alg,
        })),
      ),
    };
    keys = await jsonServer(() => jwks);
    server = await start({}, { 'jwks-url': `${keys.url}/.well-known/jwks.json` });
  });
  after(async () => {
    await server.close();
    keys.server.close();
  });

  const sign = async (
    alg: 'RS256' | 'ES256',
    key = pairs[alg].privateKey,
    kid: string = alg,
  ): Promise<string> =>
    new SignJWT({}).setProtectedHeader({ alg, kid }).setSubject('42').setExpirationTime('5m').sign(key);

  it('accepts both, and refuses a token signed by a key the JWKS does not hold', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const d = await Device.open(`${server.httpUrl.replace(/^http/, 'ws')}/im?token=${await sign(alg)}`);
      assert.deepEqual((await d.next('auth.ok')).payload, { user_id: '42' });
      d.ws.close();
    }
    const stranger = await generateKeyPair('ES256');
    const d = await Device.open(
      `${server.httpUrl.replace(/^http/, 'ws')}/im?token=${await sign('ES256', stranger.privateKey)}`,
    );
    assert.equal((await d.next('call.error')).payload['error_code'], 'UNAUTHORIZED');
    assert.equal(await d.closed, 4003);
  });
});

/** The history is written once the call's locks are released: poll the route until it shows. */
async function waitForHistory(server: RunningServer, user: string): Promise<Record<string, unknown>[]> {
  const token = await hs256(user);
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await fetch(`${server.httpUrl}/im/calls`, { headers: { authorization: `Bearer ${token}` } });
    const { calls } = (await res.json()) as { calls: Record<string, unknown>[] };
    if (calls.length > 0 || Date.now() > deadline) return calls;
    await new Promise((r) => setTimeout(r, 20)); // the poll interval
  }
}
