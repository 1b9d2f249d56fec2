import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, encodeRelayFrame } from '../src/index.js';
import { Harness, pair } from './helpers.js';

describe('peer engine: registration', () => {
  it('welcomes a registered peer with its observed address, STUN, ICE servers and limits', async () => {
    const h = await Harness.create();
    const c = await h.open('198.51.100.9:4242');
    await h.register(c, 'alice');
    const w = h.last(c);
    assert.equal(w.type, 'welcome');
    if (w.type !== 'welcome') return;
    assert.equal(w.id, 'alice');
    assert.equal(w.observedAddress, '198.51.100.9:4242');
    assert.equal(w.stun.primary, '203.0.113.1:3478');
    assert.equal(w.iceServers[0]?.username, 'x:alice');
    assert.equal(w.v, 1);
    assert.ok(w.relay.maxFrameBytes > 1000);
  });

  it('refuses a token for another id, and closes after repeated bad tokens', async () => {
    const h = await Harness.create();
    const c = await h.open();
    await h.register(c, 'alice', 'mallory');
    assert.deepEqual(
      { type: h.last(c).type, code: (h.last(c) as { code: string }).code },
      { type: 'error', code: 'ID_MISMATCH' },
    );
    for (let i = 0; i < 3; i++) {
      await h.text(c, { type: 'register', id: 'alice', token: 'bad' });
      const a = h.auth.pop();
      assert.ok(a);
      await h.authResult(a.conn, { ok: false, reason: 'bad signature' });
    }
    assert.equal(h.closed.get(c)?.code, CloseCode.Unauthorized);
  });

  it('a second registration of the same id replaces the first, with a reason', async () => {
    const h = await Harness.create();
    const first = await h.open();
    await h.register(first, 'alice');
    const second = await h.open();
    await h.register(second, 'alice');
    assert.equal((h.messages(first).find((m) => m.type === 'error') as { code: string }).code, 'REPLACED');
    assert.equal(h.closed.get(first)?.code, CloseCode.Replaced);
    assert.equal(h.last(second).type, 'welcome');
    assert.equal(h.engine.stats().peers, 1);
  });

  it('enforces --max-peers', async () => {
    const h = await Harness.create({ maxPeers: 1 });
    await h.register(await h.open(), 'alice');
    const c = await h.open();
    await h.text(c, { type: 'register', id: 'bob', token: 't' });
    assert.equal((h.last(c) as { code: string }).code, 'SERVER_FULL');
    assert.equal(h.closed.get(c)?.code, CloseCode.ServerFull);
  });

  it('answers malformed, oversized and unregistered messages with named errors, and keeps the socket', async () => {
    const h = await Harness.create({ maxMessageBytes: 100 });
    const c = await h.open();
    await h.text(c, '{not json');
    assert.deepEqual([h.last(c).type, (h.last(c) as { code: string }).code], ['error', 'BAD_MESSAGE']);
    await h.text(c, { type: 'connect', target: 'bad id with spaces' });
    assert.match((h.last(c) as { message: string }).message, /^target: /);
    await h.text(c, JSON.stringify({ type: 'ping', pad: 'x'.repeat(200) }));
    assert.equal((h.last(c) as { code: string }).code, 'TOO_LARGE');
    await h.text(c, { type: 'connect', target: 'bob' });
    assert.equal((h.last(c) as { code: string }).code, 'NOT_REGISTERED');
    await h.text(c, { type: 'nope' });
    assert.equal((h.last(c) as { code: string }).code, 'BAD_MESSAGE');
    assert.equal(h.closed.has(c), false);
  });

  it('closes a peer that keeps misbehaving', async () => {
    const h = await Harness.create({ strikesBeforeClose: 5 });
    const c = await h.open();
    for (let i = 0; i < 5; i++) await h.text(c, 'garbage');
    assert.equal(h.closed.get(c)?.code, CloseCode.PolicyViolation);
  });

  it('rate-limits messages per connection', async () => {
    const h = await Harness.create({ messagesPerSecond: 10, messageBurst: 10, strikesBeforeClose: 1000 });
    const c = await h.open();
    for (let i = 0; i < 15; i++) await h.text(c, { type: 'ping', ts: i });
    const codes = h.messages(c).map((m) => (m.type === 'error' ? m.code : m.type));
    assert.equal(codes.filter((x) => x === 'pong').length, 10);
    assert.equal(codes.filter((x) => x === 'RATE_LIMITED').length, 5);
    await h.advance(1000);
    await h.text(c, { type: 'ping', ts: 99 });
    assert.deepEqual(h.last(c), { type: 'pong', ts: 99 });
  });
});

describe('peer engine: sessions', () => {
  it('connect arrives as incoming with the public key; answer comes back as answered', async () => {
    const h = await Harness.create();
    const { a, b, session } = await pair(h);
    const incoming = h.messages(b).find((m) => m.type === 'incoming');
    assert.deepEqual(incoming, {
      type: 'incoming',
      session,
      from: 'alice',
      address: '198.51.100.1',
      publicKey: 'KEY-A',
      payload: { hello: 1 },
    });
    assert.deepEqual(h.last(a), {
      type: 'answered',
      session,
      from: 'bob',
      address: '198.51.100.2',
      publicKey: 'KEY-B',
      payload: { ok: true },
    });
  });

  it('reject reaches the caller with the reason and ends the session', async () => {
    const h = await Harness.create();
    const { a, b, session } = await pair(h, { answer: false });
    await h.text(b, { type: 'reject', session, reason: 'busy' });
    assert.deepEqual(h.last(a), { type: 'rejected', session, from: 'bob', reason: 'busy' });
    await h.text(a, { type: 'candidate', session, candidate: {} });
    assert.equal((h.last(a) as { code: string }).code, 'UNKNOWN_SESSION');
  });

  it('trickles candidates and signals both ways', async () => {
    const h = await Harness.create();
    const { a, b, session } = await pair(h);
    await h.text(a, { type: 'candidate', session, candidate: { addr: '198.51.100.1:1' } });
    assert.deepEqual(h.last(b), {
      type: 'candidate',
      session,
      from: 'alice',
      candidate: { addr: '198.51.100.1:1' },
    });
    await h.text(b, { type: 'signal', session, data: { punchAt: 5 } });
    assert.deepEqual(h.last(a), { type: 'signal', session, from: 'bob', data: { punchAt: 5 } });
  });

  it('a peer can only address sessions it is part of', async () => {
    const h = await Harness.create();
    const { session } = await pair(h);
    const m = await h.open();
    await h.register(m, 'mallory');
    await h.text(m, { type: 'candidate', session, candidate: 'x' });
    assert.equal((h.last(m) as { code: string }).code, 'NOT_IN_SESSION');
    await h.binary(m, encodeRelayFrame(session, new Uint8Array(10)));
    assert.equal((h.last(m) as { code: string }).code, 'NOT_IN_SESSION');
  });

  it('connect to an unknown peer or to yourself is an error echoing the ref', async () => {
    const h = await Harness.create();
    const a = await h.open();
    await h.register(a, 'alice');
    await h.text(a, { type: 'connect', target: 'ghost', ref: 'q' });
    assert.deepEqual(h.last(a), {
      type: 'error',
      code: 'PEER_OFFLINE',
      message: 'peer "ghost" is not registered',
      ref: 'q',
    });
    await h.text(a, { type: 'connect', target: 'alice' });
    assert.equal((h.last(a) as { code: string }).code, 'SELF_CONNECT');
  });

  it('an unanswered connect is rejected as timeout', async () => {
    const h = await Harness.create({ pendingSessionTimeoutMs: 5000 });
    const { a, session } = await pair(h, { answer: false });
    await h.advance(5000);
    assert.deepEqual(h.last(a), { type: 'rejected', session, from: 'bob', reason: 'timeout' });
  });
});

describe('peer engine: relay', () => {
  it('forwards frames of an active session unchanged, and not before the answer', async () => {
    const h = await Harness.create();
    const { a, b, session } = await pair(h, { answer: false });
    const frame = encodeRelayFrame(session, new Uint8Array([1, 2, 3]));
    await h.binary(a, frame);
    assert.equal((h.last(a) as { code: string }).code, 'SESSION_NOT_ACTIVE');
    await h.text(b, { type: 'answer', session });
    await h.binary(a, frame);
    await h.binary(b, encodeRelayFrame(session, new Uint8Array([9])));
    assert.deepEqual(h.frames(b), [frame]);
    assert.deepEqual(h.frames(a), [encodeRelayFrame(session, new Uint8Array([9]))]);
  });

  it('enforces the per-peer byte quota (silent counted drop)', async () => {
    const h = await Harness.create({
      relay: {
        bytesPerSecond: 1000,
        burstBytes: 1000,
        maxFrameBytes: 65540,
        highWaterBytes: 1 << 20,
        hardCapBytes: 1 << 22,
      },
    });
    const { a, b, session } = await pair(h);
    for (let i = 0; i < 5; i++) await h.binary(a, encodeRelayFrame(session, new Uint8Array(296)));
    assert.equal(h.frames(b).length, 3);
    await h.advance(1000);
    await h.binary(a, encodeRelayFrame(session, new Uint8Array(296)));
    assert.equal(h.frames(b).length, 4);
  });

  it('pauses senders to a slow receiver, drops past the hard cap, resumes when it drains', async () => {
    const h = await Harness.create({
      relay: {
        bytesPerSecond: 1e9,
        burstBytes: 1e9,
        maxFrameBytes: 65540,
        highWaterBytes: 10_000,
        hardCapBytes: 20_000,
      },
    });
    const { a, b, session } = await pair(h);
    h.autoFlush = false;
    const frame = encodeRelayFrame(session, new Uint8Array(4996));
    await h.binary(a, frame);
    await h.binary(a, frame);
    assert.ok(h.paused.has(a), 'sender paused at the high-water mark');
    for (let i = 0; i < 5; i++) await h.binary(a, frame);
    const delivered = h.frames(b).length;
    assert.ok(delivered >= 2 && delivered <= 4, `delivered ${delivered}`);
    h.core.flushed(b, 100_000);
    await h.settle();
    assert.equal(h.paused.has(a), false, 'resumed once the receiver drained');
  });
});

describe('peer engine: timeouts, reconnect and drain', () => {
  it('cleans up a zombie after the idle timeout, and pings keep a peer alive', async () => {
    const h = await Harness.create({ idleTimeoutMs: 120_000 });
    const z = await h.open();
    await h.register(z, 'zombie');
    const live = await h.open();
    await h.register(live, 'live');
    for (let t = 0; t < 4; t++) {
      await h.advance(40_000);
      await h.text(live, { type: 'ping' });
    }
    assert.equal(h.closed.get(z)?.code, CloseCode.Idle);
    assert.equal(h.closed.has(live), false);
  });

  it('keeps sessions and mail for a peer that reconnects within the grace, then forgets it', async () => {
    const h = await Harness.create({ awayTtlMs: 10_000 });
    const { a, b, session } = await pair(h);
    await h.disconnect(b);
    await h.text(a, { type: 'signal', session, data: 'while-away' });
    const b2 = await h.open();
    await h.register(b2, 'bob');
    const welcome = h.messages(b2)[0];
    assert.equal(welcome?.type, 'welcome');
    if (welcome?.type === 'welcome') assert.deepEqual(welcome.sessions, [{ session, peer: 'alice' }]);
    assert.deepEqual(h.last(b2), { type: 'signal', session, from: 'alice', data: 'while-away' });
    await h.disconnect(b2);
    await h.advance(10_000);
    assert.deepEqual(h.last(a), { type: 'closed', session, reason: 'peer-gone' });
    assert.equal(h.engine.stats().peers, 1);
  });

  it('drain sends GO_AWAY to everyone, refuses registrations, and closes after the grace', async () => {
    const h = await Harness.create();
    const a = await h.open();
    await h.register(a, 'alice');
    h.core.drain(h.now, 5000);
    await h.settle();
    assert.deepEqual(h.last(a), { type: 'goaway', reason: 'shutdown', reconnectMs: 5000 });
    const late = await h.open();
    assert.equal(h.closed.get(late)?.code, CloseCode.GoingAway);
    await h.advance(5000);
    assert.equal(h.closed.get(a)?.code, CloseCode.GoingAway);
  });
});
