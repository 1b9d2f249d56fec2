// Every rule of the IM call protocol (issue #18, docs/im-calls.md), raw frames in and out, with the
// seed's own example messages as the base of every frame. Run with both parties on one node and on two
// nodes, on the memory hub (unit suite) and on a real Redis (cluster suite).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { seed003 } from '@peerlink/testing';
import type { Backend } from '../helpers.js';
import { ImCluster, type ImNode, type ImNodeDeps } from './im-harness.js';

export interface ImSuiteControls {
  /** `n` fresh nodes' backends on one shared state. */
  backends(n: number, now: () => number): Promise<Backend[]>;
  /** The shared store goes away, and comes back. */
  outage(): Promise<void>;
  recover(): Promise<void>;
}

type Msg = { type: string; payload: Record<string, unknown>; timestamp?: string };
const seed = (text: string): Msg => JSON.parse(text) as Msg;
const OFFER = seed(seed003.SEED_003_OFFER);
const ANSWER = seed(seed003.SEED_003_ANSWER);
const ICE = seed(seed003.SEED_003_ICE);
const END = seed(seed003.SEED_003_END);
const STATUS = seed(seed003.SEED_003_STATUS);
const with_ = (m: Msg, payload: Record<string, unknown>): Msg => ({
  ...m,
  payload: { ...m.payload, ...payload },
});

export const offer = (call_id: string, from: unknown, to: unknown, extra = {}): Msg =>
  with_(OFFER, { call_id, from_user: from, to_user: to, ...extra });
export const answer = (call_id: string, from: unknown, to: unknown): Msg =>
  with_(ANSWER, { call_id, from_user: from, to_user: to });
export const ice = (call_id: string, from: unknown, to: unknown): Msg =>
  with_(ICE, { call_id, from_user: from, to_user: to });
export const end = (call_id: string, from: unknown, to: unknown, reason: string): Msg =>
  with_(END, { call_id, from_user: from, to_user: to, reason });
export const status = (call_id: string, s: string, extra = {}): Msg =>
  with_(STATUS, { call_id, status: s, ...extra });

export function imCallSuite(name: string, c: ImSuiteControls): void {
  for (const layout of ['one node', 'two nodes'] as const) {
    describe(`IM calls, ${layout} (${name})`, () => {
      let cluster: ImCluster;
      let A: ImNode; // the caller's node
      let B: ImNode; // the callee's node
      const setup = async (deps: ImNodeDeps = {}): Promise<void> => {
        cluster = await ImCluster.create((now) => c.backends(2, now), deps);
        A = cluster.nodes[0]!;
        B = layout === 'two nodes' ? cluster.nodes[1]! : A;
      };
      beforeEach(() => setup());
      const has =
        (
          n: ImNode,
          conn: number,
          type: string,
          pred: (f: { payload: Record<string, unknown> }) => boolean = () => true,
        ) =>
        () =>
          n.got(conn, type).some(pred);

      /** 1 calls 2 with the seed's offer, verbatim; 2 answers with the seed's answer, verbatim. */
      async function answered(): Promise<{ a: number; b: number }> {
        const a = await A.connect(1);
        const b = await B.connect(2);
        await A.send(a, seed003.SEED_003_OFFER);
        await cluster.until('the offer rings', has(B, b, 'call.offer'));
        await B.send(b, seed003.SEED_003_ANSWER);
        await cluster.until('the answer arrives', has(A, a, 'call.answer'));
        await cluster.until('answered on both sides', () =>
          [
            [A, a],
            [B, b],
          ].every(([n, conn]) =>
            (n as ImNode).got(conn as number, 'call.status').some((f) => f.payload.status === 'answered'),
          ),
        );
        return { a, b };
      }

      it("replays the seed's messages: offer, ringing, answer, ICE, status, error, end with the server's duration", async () => {
        const a = await A.connect(1);
        const b = await B.connect('2', 'message'); // the auth message, and "2" for the seed's 2
        assert.deepEqual(B.last(b).payload, { user_id: '2' });
        await A.send(a, seed003.SEED_003_OFFER);
        await cluster.until('the offer rings', has(B, b, 'call.offer'));
        assert.deepEqual(B.last(b, 'call.offer'), OFFER, 'the offer arrives as the seed wrote it');
        await cluster.until(
          'ringing',
          has(A, a, 'call.status', (f) => f.payload.status === 'ringing'),
        );
        const answeredAt = cluster.now;
        await B.send(b, seed003.SEED_003_ANSWER);
        await cluster.until('the answer', has(A, a, 'call.answer'));
        assert.deepEqual(A.last(a, 'call.answer'), ANSWER);
        await B.send(
          b,
          seed003.SEED_003_ICE.replace('"from_user": 1', '"from_user": 2').replace(
            '"to_user": 2',
            '"to_user": 1',
          ),
        );
        await A.send(a, seed003.SEED_003_ICE);
        await cluster.until(
          'ICE both ways',
          () => A.got(a, 'call.ice').length === 1 && B.got(b, 'call.ice').length === 1,
        );
        assert.deepEqual(B.last(b, 'call.ice'), ICE);
        await A.send(a, seed003.SEED_003_STATUS);
        await cluster.until(
          'connected forwarded',
          has(B, b, 'call.status', (f) => f.payload.status === 'connected'),
        );
        assert.deepEqual(B.last(b, 'call.status'), STATUS);
        await A.send(a, seed003.SEED_003_MEDIA_ERROR);
        await cluster.until('the media error forwarded', has(B, b, 'call.error'));
        assert.deepEqual(B.last(b, 'call.error'), seed(seed003.SEED_003_MEDIA_ERROR));
        await cluster.advance(120_000);
        await A.send(a, seed003.SEED_003_END);
        await cluster.until('the end', has(B, b, 'call.end'));
        const e = B.last(b, 'call.end');
        assert.deepEqual(e.payload, {
          ...END.payload,
          duration: (cluster.now - answeredAt) / 1000,
          ended_at: new Date(cluster.now).toISOString(),
        });
        assert.equal(e.payload.duration, 120);
        await cluster.until('history', () => A.ended.length === 1); // after the locks are released
        const summary = A.ended[0];
        assert.equal(summary?.reason, 'user_hangup');
        assert.equal(summary?.duration, 120);
        assert.deepEqual(summary?.network_stats, { packet_loss: 0.01, jitter: 5, rtt: 50 });
        assert.equal(summary?.audio_quality, 'good');
        assert.deepEqual(
          A.got(a).filter((f) => f.type === 'call.error'),
          [],
          'the caller was refused nothing',
        );
      });

      it('a callee in another call: the new call ends user_busy to its caller, the callee hears nothing', async () => {
        const { b } = await answered();
        const x = await A.connect(3);
        B.clear(b);
        await A.send(x, offer('call_busy', 3, 2));
        await cluster.until('busy', has(A, x, 'call.end'));
        assert.deepEqual(
          { reason: A.last(x, 'call.end').payload.reason, duration: A.last(x, 'call.end').payload.duration },
          { reason: 'user_busy', duration: 0 },
        );
        assert.deepEqual(B.got(b), []);
      });

      it('a re-offer with the same call_id from either party is forwarded, never busy', async () => {
        const { a, b } = await answered();
        await B.send(b, offer('call_123456789', 2, 1)); // the callee restarts ICE
        await cluster.until('the re-offer reaches the caller', has(A, a, 'call.offer'));
        await A.send(a, answer('call_123456789', 1, 2));
        await cluster.until('its answer reaches the callee', has(B, b, 'call.answer'));
        await A.send(a, offer('call_123456789', 1, 2)); // and the caller
        await cluster.until('the caller re-offer', () => B.got(b, 'call.offer').length === 2);
        assert.deepEqual([...A.got(a, 'call.end'), ...B.got(b, 'call.end')], []);
      });

      it('a callee rejects: user_rejected reaches the caller with duration 0', async () => {
        const a = await A.connect(1);
        const b = await B.connect(2);
        await A.send(a, offer('call_r', 1, 2));
        await cluster.until('rings', has(B, b, 'call.offer'));
        await B.send(b, end('call_r', 2, 1, 'user_rejected'));
        await cluster.until('rejected', has(A, a, 'call.end'));
        assert.equal(A.last(a, 'call.end').payload.reason, 'user_rejected');
        assert.equal(A.last(a, 'call.end').payload.duration, 0);
        await cluster.until('history', () => A.ended.length === 1);
        assert.equal(A.ended[0]?.reason, 'user_rejected');
      });

      it('no answer within the ring timeout: timeout to both sides, and both are free again', async () => {
        const a = await A.connect(1);
        const b = await B.connect(2);
        await A.send(a, offer('call_t', 1, 2));
        await cluster.until('rings', has(B, b, 'call.offer'));
        await cluster.advance(1999);
        assert.deepEqual(A.got(a, 'call.end'), []);
        await cluster.advance(1);
        await cluster.until(
          'timeout on both sides',
          () => A.got(a, 'call.end').length === 1 && B.got(b, 'call.end').length === 1,
        );
        assert.equal(A.last(a, 'call.end').payload.reason, 'timeout');
        assert.equal(B.last(b, 'call.end').payload.reason, 'timeout');
        await A.send(a, offer('call_t2', 1, 2));
        await cluster.until(
          'a new call rings',
          has(B, b, 'call.offer', (f) => f.payload.call_id === 'call_t2'),
        );
      });

      it('a callee with no device online: the offline hook, then the offer reaches a device that connects', async () => {
        const a = await A.connect(1);
        await A.send(a, offer('call_o', 1, 2));
        assert.deepEqual(A.offline, [{ call_id: 'call_o', from: '1', to: '2', call_type: 'video' }]);
        assert.deepEqual(A.got(a, 'call.status'), [], 'no ringing while no device has the offer');
        await cluster.advance(1000);
        const b = await B.connect(2);
        await cluster.until('the offer reaches the new device', has(B, b, 'call.offer'));
        await cluster.until(
          'now it rings',
          has(A, a, 'call.status', (f) => f.payload.status === 'ringing'),
        );
        await B.send(b, answer('call_o', 2, 1));
        await cluster.until('answered', has(A, a, 'call.answer'));
      });

      it('a callee who never comes online: the call ends timeout for the caller', async () => {
        const a = await A.connect(1);
        await A.send(a, offer('call_o2', 1, 2));
        await cluster.advance(2000);
        assert.equal(A.last(a, 'call.end').payload.reason, 'timeout');
      });

      it('a dropped party: disconnected to the other side, back within the grace on another device, the call goes on', async () => {
        const { a, b } = await answered();
        await B.drop(b);
        await cluster.until(
          'disconnected',
          has(A, a, 'call.status', (f) => f.payload.status === 'disconnected'),
        );
        await cluster.advance(1500);
        const b2 = await A.connect(2); // back on another device, on the caller's node
        await cluster.until('the new device learns the call survived', has(A, b2, 'call.status'));
        assert.equal(A.last(b2, 'call.status').payload.call_id, 'call_123456789');
        await cluster.advance(1000); // past the first grace: the return cancelled it
        assert.deepEqual(A.got(a, 'call.end'), []);
        await A.send(a, ice('call_123456789', 1, 2));
        await cluster.until('ICE reaches the new device', has(A, b2, 'call.ice'));
        await A.send(b2, end('call_123456789', 2, 1, 'user_hangup'));
        await cluster.until('the end', has(A, a, 'call.end'));
      });

      it('a party back on a new device before its old one dropped: the new one takes over, no grace', async () => {
        const { a, b } = await answered();
        const b2 = await A.connect(2); // reconnected before the server saw the old socket close
        await B.drop(b);
        await cluster.until('the new device learns the call survived', has(A, b2, 'call.status'));
        assert.equal(A.last(b2, 'call.status').payload.call_id, 'call_123456789');
        await cluster.advance(2500); // past a grace that never started
        assert.deepEqual(A.got(a, 'call.end'), []);
        await A.send(a, ice('call_123456789', 1, 2));
        await cluster.until('ICE reaches the new device', has(A, b2, 'call.ice'));
      });

      it('a dropped party that does not come back: network_error after the grace', async () => {
        const { a, b } = await answered();
        await B.drop(b);
        await cluster.advance(1999);
        assert.deepEqual(A.got(a, 'call.end'), []);
        await cluster.advance(1);
        await cluster.until('network_error', has(A, a, 'call.end'));
        assert.equal(A.last(a, 'call.end').payload.reason, 'network_error');
      });

      it('several devices ring; the first answer wins, the others get answered_elsewhere', async () => {
        const a = await A.connect(1);
        const b1 = await A.connect(2);
        const b2 = await B.connect(2);
        await A.send(a, offer('call_m', 1, 2));
        await cluster.until(
          'both devices ring',
          () => A.got(b1, 'call.offer').length === 1 && B.got(b2, 'call.offer').length === 1,
        );
        await B.send(b2, answer('call_m', 2, 1));
        await cluster.until('elsewhere', has(A, b1, 'call.end'));
        assert.equal(A.last(b1, 'call.end').payload.reason, 'answered_elsewhere');
        await cluster.until('the answer', has(A, a, 'call.answer'));
        await A.send(b1, answer('call_m', 2, 1)); // too late
        await cluster.until('refused', has(A, b1, 'call.error'));
        assert.equal(A.got(a, 'call.answer').length, 1);
        await A.send(a, ice('call_m', 1, 2));
        await cluster.until('ICE only to the answering device', has(B, b2, 'call.ice'));
        assert.deepEqual(A.got(b1, 'call.ice'), []);
      });

      it('a spoofed from_user is refused, and nothing reaches anyone', async () => {
        const a = await A.connect(1);
        const b = await B.connect(2);
        await A.send(a, offer('call_s', 3, 2));
        const e = A.last(a, 'call.error').payload;
        assert.equal(e.error_code, 'SIGNALING_ERROR');
        assert.match(String(e.details?.reason), /^payload\.from_user/);
        assert.deepEqual(
          B.got(b).filter((f) => f.type !== 'auth.ok'),
          [],
        );
        assert.deepEqual(A.closed.get(a), undefined, 'the socket stays open');
      });

      it('a message about a call the sender is not in is refused, and nothing reaches anyone', async () => {
        const { a, b } = await answered();
        const x = await B.connect(3);
        for (const m of [
          ice('call_123456789', 3, 2),
          end('call_123456789', 3, 1, 'user_hangup'),
          status('call_123456789', 'failed'),
        ]) {
          await B.send(x, m);
          assert.match(String(B.last(x, 'call.error').payload.details?.reason), /not in call/);
        }
        await B.send(x, ice('call_none', 3, 2));
        assert.match(String(B.last(x, 'call.error').payload.details?.reason), /no call/);
        await B.send(b, ice('call_123456789', 2, 3)); // a party naming the wrong to_user
        assert.match(String(B.last(b, 'call.error').payload.details?.reason), /^payload\.to_user/);
        assert.deepEqual(A.got(a, 'call.ice'), []);
        assert.deepEqual(A.got(a, 'call.end'), []);
      });

      it('call.status failed ends the call with network_error on both sides; connected marks it connected', async () => {
        const { a, b } = await answered();
        await B.send(b, status('call_123456789', 'connected'));
        await cluster.until(
          'connected forwarded',
          has(A, a, 'call.status', (f) => f.payload.status === 'connected'),
        );
        await A.send(a, status('call_123456789', 'failed'));
        await cluster.until(
          'ended both sides',
          () => A.got(a, 'call.end').length === 1 && B.got(b, 'call.end').length === 1,
        );
        assert.equal(B.last(b, 'call.end').payload.reason, 'network_error');
        await cluster.until('history', () => A.ended.length === 1);
        assert.ok(A.ended[0]?.connected_at !== undefined);
      });

      it('a policy denial is PERMISSION_DENIED and the callee never rings', async () => {
        await setup({ policy: ({ from, to }) => !(from === '1' && to === '2') });
        const a = await A.connect(1);
        const b = await B.connect(2);
        await A.send(a, offer('call_p', 1, 2));
        assert.equal(A.last(a, 'call.error').payload.error_code, 'PERMISSION_DENIED');
        assert.deepEqual(B.got(b, 'call.offer'), []);
      });
    });
  }

  describe(`IM calls during a store outage (${name})`, () => {
    it('a call between devices of one node carries on; a call that needs the shared state ends server_error', async () => {
      const cluster = await ImCluster.create((now) => c.backends(2, now));
      const [A, B] = cluster.nodes as [ImNode, ImNode];
      const a = await A.connect(1);
      const b = await A.connect(2);
      const x = await A.connect(3);
      await B.connect(4);
      await A.send(a, offer('call_local', 1, 2));
      await A.send(b, answer('call_local', 2, 1));
      await cluster.until('answered', () => A.got(a, 'call.answer').length === 1);
      await c.outage();
      try {
        await A.send(a, ice('call_local', 1, 2));
        assert.equal(A.got(b, 'call.ice').length, 1, 'the local call carries on');
        await A.send(x, offer('call_remote', 3, 4));
        assert.equal(A.last(x, 'call.end').payload.reason, 'server_error');
      } finally {
        await c.recover();
      }
    });
  });
}
