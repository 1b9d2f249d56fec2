// The peer protocol across nodes: two harnesses (nodes) on one shared backend. Run on the memory hub
// (unit suite) and on a real Redis (cluster suite), so both stores pass the same tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRelayFrame, type ServerMessage } from '../../src/index.js';
import { Harness, pair, type Backend } from '../helpers.js';

export interface ClusterControls {
  /** Two fresh nodes' backends on one shared state; `now` is the harness clock. */
  nodes(now: () => number): Promise<[Backend, Backend]>;
  outage(): Promise<void>;
  recover(): Promise<void>;
  /** Waits out `ms` of the store's own time (a fake clock moves; Redis needs real time). */
  passStoreTime(ms: number, h: Harness[]): Promise<void>;
}

/** Polls `cond` (messages crossing nodes take a socket round trip on Redis). */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const hasType = (h: Harness, conn: number, type: string) => () =>
  h.messages(conn).some((m) => m.type === type);

async function twoNodes(c: ClusterControls, options = {}): Promise<[Harness, Harness]> {
  let clock = 1_000_000;
  const [b1, b2] = await c.nodes(() => clock);
  const h1 = new Harness(options, b1);
  const h2 = new Harness(options, b2);
  // One clock for both nodes, as one wall clock for processes on one machine.
  for (const h of [h1, h2])
    Object.defineProperty(h, 'now', {
      get: () => clock,
      set: (v: number) => (clock = v),
    });
  return [h1, h2];
}

export function peerClusterSuite(name: string, c: ClusterControls): void {
  describe(`peer protocol across nodes (${name})`, () => {
    it('connects, answers, trickles and relays between peers on different nodes', async () => {
      const [h1, h2] = await twoNodes(c);
      const a = await h1.open('198.51.100.1:1111');
      const b = await h2.open('198.51.100.2:2222');
      await h1.register(a, 'alice', 'alice', 'KEY-A');
      await h2.register(b, 'bob', 'bob', 'KEY-B');
      await h1.text(a, { type: 'connect', target: 'bob', ref: 'r1', payload: { hello: 1 } });
      const session = (h1.last(a) as Extract<ServerMessage, { type: 'connecting' }>).session;
      await until(hasType(h2, b, 'incoming'), 'incoming on node 2');
      assert.deepEqual(h2.last(b), {
        type: 'incoming',
        session,
        from: 'alice',
        address: '198.51.100.1',
        publicKey: 'KEY-A',
        payload: { hello: 1 },
      });
      await h2.text(b, { type: 'answer', session, payload: { ok: true } });
      await until(hasType(h1, a, 'answered'), 'answered on node 1');
      assert.equal((h1.last(a) as { address: string }).address, '198.51.100.2');
      await h1.text(a, { type: 'candidate', session, candidate: { addr: '198.51.100.1:1' } });
      await until(hasType(h2, b, 'candidate'), 'candidate on node 2');
      const frames = Array.from({ length: 20 }, (_, i) =>
        encodeRelayFrame(session, new Uint8Array([i, 1, 2, 3])),
      );
      for (const f of frames) await h1.binary(a, f);
      await until(() => h2.frames(b).length === frames.length, 'relay frames on node 2');
      assert.deepEqual(h2.frames(b), frames, 'frames cross unchanged and in order');
      await h2.binary(b, encodeRelayFrame(session, new Uint8Array([9])));
      await until(() => h1.frames(a).length === 1, 'relay frame back on node 1');
      await h1.text(a, { type: 'close', session, reason: 'bye' });
      await until(hasType(h2, b, 'closed'), 'closed on node 2');
      await h2.text(b, { type: 'signal', session, data: 1 });
      assert.equal((h2.last(b) as { code: string }).code, 'UNKNOWN_SESSION');
    });

    it('a peer that moves to another node resumes its sessions there, and the relay follows it', async () => {
      const [h1, h2] = await twoNodes(c);
      const a = await h1.open('198.51.100.1:1111');
      const b = await h2.open('198.51.100.2:2222');
      await h1.register(a, 'alice');
      await h2.register(b, 'bob');
      await h1.text(a, { type: 'connect', target: 'bob' });
      const session = (h1.last(a) as { session: number }).session;
      await until(hasType(h2, b, 'incoming'), 'incoming');
      await h2.text(b, { type: 'answer', session });
      await until(hasType(h1, a, 'answered'), 'answered');
      // bob's node goes away without a word (kill -9): bob reconnects to node 1.
      await h2.disconnect(b);
      const b2 = await h1.open('198.51.100.2:3333');
      await h1.register(b2, 'bob');
      const welcome = h1.messages(b2)[0];
      assert.equal(welcome?.type, 'welcome');
      if (welcome?.type === 'welcome') {
        assert.deepEqual(welcome.sessions, [{ session, peer: 'alice' }]);
        assert.equal(welcome.node, h1.router.nodeId);
      }
      await h1.binary(a, encodeRelayFrame(session, new Uint8Array([7])));
      await until(() => h1.frames(b2).length === 1, 'relay to bob on his new node');
    });

    it('a peer that left a node and registered on another hears from the peers of the first', async () => {
      // The first node still holds the peer as away (its grace to come back); once the peer is present
      // elsewhere, messages for it must go there, not into a mailbox it will not read again.
      const [h1, h2] = await twoNodes(c);
      const hal = await h1.open();
      await h1.register(hal, 'hal');
      const ida0 = await h1.open();
      await h1.register(ida0, 'ida');
      await h1.disconnect(ida0);
      const ida = await h2.open();
      await h2.register(ida, 'ida');
      await h2.text(ida, { type: 'connect', target: 'hal', ref: 'r1' });
      const session = (h2.last(ida) as Extract<ServerMessage, { type: 'connecting' }>).session;
      await until(hasType(h1, hal, 'incoming'), 'incoming on node 1');
      await h1.text(hal, { type: 'answer', session });
      await until(hasType(h2, ida, 'answered'), 'answered on node 2');
      await h1.binary(hal, encodeRelayFrame(session, new Uint8Array([5])));
      await until(() => h2.frames(ida).length === 1, 'relay to ida on node 2');
      assert.equal(h1.engine.stats().peers, 1, 'node 1 forgot its away record of ida');
    });

    it('mid-session, a peer that moves from the node of its partner to another gets the relay there', async () => {
      const [h1, h2] = await twoNodes(c);
      const { a, b, session } = await pair(h1);
      await until(hasType(h1, a, 'answered'), 'answered');
      await h1.disconnect(b);
      const b2 = await h2.open();
      await h2.register(b2, 'bob');
      // No text first: only relay frames, as a transfer that goes on while its receiver moves.
      await h1.binary(a, encodeRelayFrame(session, new Uint8Array([6])));
      await until(() => h2.frames(b2).length === 1, 'relay to bob on node 2');
    });

    it('a second registration on another node replaces the first', async () => {
      const [h1, h2] = await twoNodes(c);
      const first = await h1.open();
      await h1.register(first, 'alice');
      const second = await h2.open();
      await h2.register(second, 'alice');
      await until(() => h1.closed.has(first), 'the first connection closed');
      assert.equal((h1.messages(first).find((m) => m.type === 'error') as { code: string }).code, 'REPLACED');
    });

    it('messages for a peer that is away wait in the mailbox and reach it on any node', async () => {
      const [h1, h2] = await twoNodes(c);
      const { a, b, session } = await pair(h1, { hb: h2 });
      await until(hasType(h1, a, 'answered'), 'answered');
      await h2.disconnect(b);
      await h1.text(a, { type: 'signal', session, data: 'while-away' });
      const b2 = await h1.open();
      await h1.register(b2, 'bob');
      assert.deepEqual(h1.last(b2), { type: 'signal', session, from: 'alice', data: 'while-away' });
    });

    it('without the store, local peers carry on; what needs shared state is refused, then recovers', async () => {
      const [h1, h2] = await twoNodes(c);
      const a = await h1.open();
      const l = await h1.open();
      await h1.register(a, 'alice');
      await h1.register(l, 'lou');
      const b = await h2.open();
      await h2.register(b, 'bob');
      await h1.text(a, { type: 'connect', target: 'lou' });
      const session = (h1.last(a) as { session: number }).session;
      await h1.text(l, { type: 'answer', session });
      await c.outage();
      try {
        await h1.binary(a, encodeRelayFrame(session, new Uint8Array([1])));
        assert.equal(h1.frames(l).length, 1, 'relay between local peers goes on');
        await h1.text(a, { type: 'signal', session, data: 'local' });
        assert.deepEqual(h1.last(l), { type: 'signal', session, from: 'alice', data: 'local' });
        await h1.text(a, { type: 'connect', target: 'bob', ref: 'x' });
        assert.deepEqual(
          { ...h1.last(a), message: undefined },
          { type: 'error', code: 'STORE_UNAVAILABLE', ref: 'x', message: undefined },
          'the refusal answers the ref the caller waits on',
        );
      } finally {
        await c.recover();
      }
      // The next tick's heartbeat writes again the presence a store lost with its data.
      await h1.advance(1);
      await h2.advance(1);
      await h1.text(a, { type: 'connect', target: 'bob', ref: 'y' });
      assert.equal(h1.last(a).type, 'connecting', 'cross-node connects work again');
    });

    it('a session whose other side died with its node closes as peer-gone after the grace', async () => {
      const [h1, h2] = await twoNodes(c, { presenceTtlMs: 300, awayTtlMs: 600 });
      const { a, session } = await pair(h1, { hb: h2 });
      await until(hasType(h1, a, 'answered'), 'answered');
      // node 2 dies with bob on it: no heartbeat, no goodbye, and bob never comes back.
      await c.passStoreTime(400, [h1]);
      await h1.advance(1); // sees bob gone
      assert.equal(hasType(h1, a, 'closed')(), false, 'not before the grace');
      await c.passStoreTime(700, [h1]);
      await h1.advance(1);
      assert.deepEqual(h1.last(a), { type: 'closed', session, reason: 'peer-gone' });
    });

    it("a dead node's presence expires; connects to its peers then say PEER_OFFLINE", async () => {
      const [h1, h2] = await twoNodes(c, { presenceTtlMs: 300 });
      const b = await h2.open();
      await h2.register(b, 'bob');
      const a = await h1.open();
      await h1.register(a, 'alice');
      // node 2 dies: no more heartbeats, no goodbye.
      await c.passStoreTime(400, [h1]);
      await h1.text(a, { type: 'connect', target: 'bob' });
      assert.equal((h1.last(a) as { code: string }).code, 'PEER_OFFLINE');
    });
  });
}
