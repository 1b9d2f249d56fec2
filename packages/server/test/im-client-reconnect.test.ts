// @peerlink/im-client's ImSocket against a running server, through a TCP proxy that can cut every
// connection: the socket comes back by itself with a fresh token, sends what was queued while down,
// and a call in progress survives the drop (the new device learns the call's status; the other side gets
// the hang-up, not network_error). A refused token and close() stop it for good.
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ImSocket, type ImFrame } from '@peerlink/im-client';
import { seed003 } from '@peerlink/testing';
import { SignJWT } from 'jose';
import type { RunningServer } from '../src/index.js';
import { start } from './helpers/start-server.js';

const JWT_SECRET = 'im-reconnect-secret-0123456789ab';

const hs256 = (sub: string, secret = JWT_SECRET): Promise<string> =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));

/** A TCP proxy to `port` whose `cut()` destroys every connection it carries. */
async function proxy(port: number): Promise<{ port: number; cut(): void; server: Server }> {
  const live = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      live.add(s);
      s.on('close', () => live.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    cut: () => {
      for (const s of live) s.destroy();
    },
  };
}

/** Every frame a socket got, and a wait for the next that matches. */
function collect(socket: ImSocket): { next(pred: (f: ImFrame) => boolean): Promise<ImFrame> } {
  const frames: ImFrame[] = [];
  const waiters: { pred: (f: ImFrame) => boolean; resolve: (f: ImFrame) => void }[] = [];
  socket.on('frame', (f) => {
    frames.push(f);
    for (const w of [...waiters])
      if (w.pred(f)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(f);
      }
  });
  return {
    next: (pred) => {
      const seen = frames.findIndex(pred);
      if (seen >= 0) return Promise.resolve(frames.splice(seen, 1)[0] as ImFrame);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** A seed message's payload, with `change` over it (typed loosely: the server is what checks it). */
const payloadOf = (text: string, change: Record<string, unknown> = {}): never =>
  ({ ...(JSON.parse(text) as { payload: object }).payload, ...change }) as never;
const status =
  (s: string, call = 'c-reconnect') =>
  (f: ImFrame) =>
    f.type === 'call.status' && f.payload.status === s && f.payload.call_id === call;

describe('ImSocket reconnects', () => {
  let server: RunningServer;
  let cutter: Awaited<ReturnType<typeof proxy>>;
  const sockets: ImSocket[] = [];
  const open = (o: ConstructorParameters<typeof ImSocket>[0]): ImSocket => {
    const s = new ImSocket({ reconnect: { minDelayMs: 100, maxDelayMs: 1000 }, ...o });
    sockets.push(s);
    return s;
  };

  before(async () => {
    server = await start({}, { 'jwt-secret': JWT_SECRET });
    cutter = await proxy(Number(new URL(server.httpUrl).port));
  });
  after(async () => {
    for (const s of sockets) s.close();
    cutter.server.close();
    await server.close();
  });

  it('comes back after the connection is cut, with a fresh token, and sends what was queued meanwhile', async () => {
    let tokens = 0;
    const a = open({ url: `ws://127.0.0.1:${cutter.port}/im`, token: () => (tokens++, hs256('1')) });
    const b = open({ url: `${server.httpUrl.replace(/^http/, 'ws')}/im`, token: await hs256('2') });
    const bFrames = collect(b);
    assert.equal(await a.ready(), '1');
    await b.ready();
    const reopened = new Promise<boolean>((r) => a.on('open', (_u, again) => r(again)));
    const dropped = new Promise<number>((r) => a.on('drop', (code) => r(code)));
    cutter.cut();
    await dropped;
    assert.equal(a.state, 'reconnecting');
    // Sent while down: queued, and the offer reaches bob once alice is back.
    assert.equal(a.send('call.offer', payloadOf(seed003.SEED_003_OFFER)), true);
    assert.equal(await reopened, true);
    assert.equal(tokens, 2);
    const offer = await bFrames.next((f) => f.type === 'call.offer');
    assert.equal(offer.payload.call_id, 'call_123456789');
    const rejected = new Promise((r) => a.on('frame', (f) => f.type === 'call.end' && r(f)));
    b.send(
      'call.end',
      payloadOf(seed003.SEED_003_END, { from_user: 2, to_user: 1, reason: 'user_rejected' }),
    );
    await rejected;
    // Another device of user 1 would take part in the next test: close both.
    a.close();
    b.close();
  });

  it('keeps a call in progress across the cut: the new device hears the status of the call, bob the hang-up', async () => {
    const a = open({ url: `ws://127.0.0.1:${cutter.port}/im`, token: () => hs256('1') });
    const b = open({ url: `${server.httpUrl.replace(/^http/, 'ws')}/im`, token: await hs256('2') });
    const [aFrames, bFrames] = [collect(a), collect(b)];
    await Promise.all([a.ready(), b.ready()]);
    const call = payloadOf(seed003.SEED_003_OFFER, { call_id: 'c-reconnect' });
    a.send('call.offer', call);
    await bFrames.next((f) => f.type === 'call.offer');
    b.send('call.answer', payloadOf(seed003.SEED_003_ANSWER, { call_id: 'c-reconnect' }));
    await aFrames.next((f) => f.type === 'call.answer');
    await aFrames.next(status('ringing'));
    await aFrames.next(status('answered'));
    a.send('call.status', { call_id: 'c-reconnect', status: 'connected' });
    await bFrames.next(status('connected'));
    const reopened = new Promise((r) => a.on('open', r));
    cutter.cut();
    await reopened;
    // Back within the grace (or before the server saw the old socket go): the server tells the new
    // device where its call stands (our extension); bob may have seen `disconnected` meanwhile.
    const where = await aFrames.next((f) => f.type === 'call.status' && f.payload.call_id === 'c-reconnect');
    assert.ok(
      where.type === 'call.status' &&
        ['answered', 'connected', 'disconnected'].includes(where.payload.status),
    );
    a.send('call.end', payloadOf(seed003.SEED_003_END, { call_id: 'c-reconnect' }));
    const end = await bFrames.next((f) => f.type === 'call.end');
    assert.equal(end.type === 'call.end' && end.payload.reason, 'user_hangup');
  });

  it('stops for good on a refused token (4003) and after close()', async () => {
    const refused = open({
      url: `ws://127.0.0.1:${cutter.port}/im`,
      token: await hs256('1', 'wrong-secret-0123456789abcdef'),
    });
    const error = new Promise<Error>((r) => refused.on('error', r));
    await assert.rejects(refused.ready(), /closed/);
    assert.match((await error).message, /token refused/);
    assert.equal(refused.state, 'closed');
    assert.equal(refused.send('call.status', { call_id: 'x', status: 'connected' }), false);

    const a = open({ url: `ws://127.0.0.1:${cutter.port}/im`, token: await hs256('1') });
    await a.ready();
    let reopened = false;
    a.on('open', () => (reopened = true));
    a.close();
    assert.equal(a.state, 'closed');
    // A cut after close() brings nothing back: the proxy holds no connection of a's any more.
    cutter.cut();
    await new Promise((r) => setImmediate(r));
    assert.equal(reopened, false);
    assert.equal(a.state, 'closed');
  });
});
