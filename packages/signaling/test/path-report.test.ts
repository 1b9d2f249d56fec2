// Path reports (`path` messages): the observer hears each switch (peerlink_path_switches_total) and
// stats().sides follows every side of the active sessions (peerlink_peer_session_sides).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerMessage } from '../src/index.js';
import { Harness, pair } from './helpers.js';

const code = (m: ServerMessage): string | undefined => (m.type === 'error' ? m.code : undefined);

describe('peer engine: path reports', () => {
  it('a member reports a switch: no reply, the switch is counted, its side moves', async () => {
    const h = await Harness.create();
    const { a, b, session } = await pair(h);
    assert.deepEqual(h.engine.stats().sides, { relay: 2, direct: 0, turn: 0 });
    const before = [h.messages(a).length, h.messages(b).length];
    await h.text(a, { type: 'path', session, path: 'direct' });
    assert.deepEqual([h.messages(a).length, h.messages(b).length], before, 'nothing sent to anyone');
    assert.deepEqual(h.pathSwitches, ['direct']);
    assert.deepEqual(h.engine.stats().sides, { relay: 1, direct: 1, turn: 0 });
    await h.text(b, { type: 'path', session, path: 'turn' });
    await h.text(a, { type: 'path', session, path: 'relay' });
    assert.deepEqual(h.pathSwitches, ['direct', 'turn', 'relay']);
    assert.deepEqual(h.engine.stats().sides, { relay: 1, direct: 0, turn: 1 });
  });

  it('reporting the path a side is already on is not a switch', async () => {
    const h = await Harness.create();
    const { a, session } = await pair(h);
    await h.text(a, { type: 'path', session, path: 'relay' });
    await h.text(a, { type: 'path', session, path: 'direct' });
    await h.text(a, { type: 'path', session, path: 'direct' });
    assert.deepEqual(h.pathSwitches, ['direct']);
    assert.deepEqual(h.engine.stats().sides, { relay: 1, direct: 1, turn: 0 });
  });

  it('refuses a report from a peer outside the session, and one for no session, with a strike', async () => {
    const h = await Harness.create({ strikesBeforeClose: 2 });
    const { session } = await pair(h);
    const m = await h.open();
    await h.register(m, 'mallory');
    await h.text(m, { type: 'path', session, path: 'direct' });
    assert.deepEqual(h.last(m), {
      type: 'error',
      code: 'NOT_IN_SESSION',
      message: `not a member of session ${session}`,
      session,
    });
    await h.text(m, { type: 'path', session: session + 100, path: 'direct' });
    assert.equal(code(h.last(m)), 'UNKNOWN_SESSION');
    assert.ok(h.closed.has(m), 'the second strike closes the socket');
    assert.deepEqual(h.pathSwitches, []);
    assert.deepEqual(h.engine.stats().sides, { relay: 2, direct: 0, turn: 0 });
  });

  it('refuses malformed path values as BAD_MESSAGE naming the field', async () => {
    const h = await Harness.create();
    const { a, session } = await pair(h);
    for (const path of ['udp', 'DIRECT', '', 1, null, undefined]) {
      await h.text(a, { type: 'path', session, path });
      const last = h.last(a);
      assert.equal(code(last), 'BAD_MESSAGE', `path ${String(path)}`);
      assert.match((last as { message: string }).message, /^path: /);
    }
    await h.text(a, { type: 'path', session: 0, path: 'direct' });
    assert.match((h.last(a) as { message: string }).message, /^session: /);
    assert.deepEqual(h.pathSwitches, []);
  });

  it('refuses a report on a session that is not answered yet', async () => {
    const h = await Harness.create();
    const { a, session } = await pair(h, { answer: false });
    await h.text(a, { type: 'path', session, path: 'direct' });
    assert.equal(code(h.last(a)), 'SESSION_NOT_ACTIVE');
    assert.deepEqual(h.engine.stats().sides, { relay: 0, direct: 0, turn: 0 });
  });

  it('path reports are rate-limited like every other message', async () => {
    const h = await Harness.create({ messagesPerSecond: 1, messageBurst: 3, strikesBeforeClose: 1000 });
    const { a, session } = await pair(h); // register and connect take two of alice's three tokens
    await h.text(a, { type: 'path', session, path: 'direct' });
    await h.text(a, { type: 'path', session, path: 'turn' });
    assert.equal(code(h.last(a)), 'RATE_LIMITED');
    assert.deepEqual(h.pathSwitches, ['direct']);
  });

  it('the sides leave the count when their session ends: close, or a peer gone for good', async () => {
    const h = await Harness.create({ awayTtlMs: 10_000 });
    const first = await pair(h);
    await h.text(first.a, { type: 'path', session: first.session, path: 'direct' });
    await h.text(first.b, { type: 'path', session: first.session, path: 'direct' });
    assert.deepEqual(h.engine.stats().sides, { relay: 0, direct: 2, turn: 0 });
    await h.text(first.a, { type: 'close', session: first.session });
    assert.deepEqual(h.engine.stats().sides, { relay: 0, direct: 0, turn: 0 });

    await h.text(first.a, { type: 'connect', target: 'bob' });
    const session = (h.last(first.a) as Extract<ServerMessage, { type: 'connecting' }>).session;
    await h.text(first.b, { type: 'answer', session });
    await h.text(first.b, { type: 'path', session, path: 'turn' });
    assert.deepEqual(h.engine.stats().sides, { relay: 1, direct: 0, turn: 1 });
    await h.disconnect(first.b);
    await h.advance(5_000);
    assert.deepEqual(h.engine.stats().sides, { relay: 1, direct: 0, turn: 1 }, 'kept within the grace');
    await h.advance(5_000);
    assert.deepEqual(h.engine.stats().sides, { relay: 0, direct: 0, turn: 0 });
  });
});
