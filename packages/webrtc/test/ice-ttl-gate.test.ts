// The conntrack-clash remedy's decisions for the Node master's ICE checks (peer/ice-ttl-gate.ts),
// sans-IO with the time passed in: openers and their TTLs, the ranging cap, and when werift's
// checks to a viewer's srflx candidate may go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ICE_TTL_TIMING, IceTtlGate, type IceTtlAction } from '../src/index.js';

const SRFLX = { address: '203.0.113.7', port: 40000 };
const HOST = { address: '10.0.0.2', port: 40000 };
const T = DEFAULT_ICE_TTL_TIMING;

const openers = (as: IceTtlAction[]): number[] => as.flatMap((a) => (a.type === 'opener' ? [a.ttl] : []));
const released = (as: IceTtlAction[]): boolean => as.some((a) => a.type === 'release');

/** A gate with one socket and the viewer's srflx candidate learnt at t = 0. */
function withSrflx(): IceTtlGate {
  const g = new IceTtlGate();
  g.addSocket(1, 0);
  g.addRemote('srflx', SRFLX, 0);
  return g;
}

describe('IceTtlGate', () => {
  it('sends the first rung at once, ranges the srflx address, and holds the checks', () => {
    const g = withSrflx();
    const as = g.poll(0);
    assert.deepEqual(openers(as), [2]);
    const range = as.find((a) => a.type === 'range');
    assert.deepEqual(range, {
      type: 'range',
      to: { address: SRFLX.address, port: 33434 },
      ttls: T.rangeTtls,
    });
    assert.equal(g.mayCheck(1, SRFLX), false);
    assert.equal(released(as), false);
  });

  it('caps the later rungs below an accepting router and keeps holding until the viewer has sent', () => {
    const g = withSrflx();
    g.poll(0);
    g.refused(SRFLX.address, 4, 10);
    g.refused(SRFLX.address, 3, 20); // a lower TTL's answer within settleMs: the router is 3 hops away
    assert.deepEqual(openers(g.poll(20)), []); // not settled yet
    const as = g.poll(10 + T.settleMs);
    assert.deepEqual(openers(as), []); // 3 and 4 both capped at 2, which went already
    assert.equal(g.hops(SRFLX.address), 3);
    assert.equal(g.mayCheck(1, SRFLX), false);
    g.heard(SRFLX, 100);
    const after = g.poll(100);
    assert.deepEqual(after, [{ type: 'release', socket: 1, to: SRFLX }]);
    assert.equal(g.mayCheck(1, SRFLX), true);
  });

  it('sends the rungs below a farther router as they are', () => {
    const g = withSrflx();
    g.poll(0);
    g.refused(SRFLX.address, 5, 10);
    assert.deepEqual(openers(g.poll(10 + T.settleMs)), [3, 4]);
  });

  it('sends the later rungs when our description goes out, if ranging has not settled by then', () => {
    const g = withSrflx();
    g.poll(0);
    g.arm(100);
    assert.deepEqual(openers(g.poll(100)), [], 'a port unreachable in the queue is read first');
    assert.equal(g.nextTimeout(), 100 + T.armGraceMs);
    const as = g.poll(100 + T.armGraceMs);
    assert.deepEqual(openers(as), [3, 4]); // a carrier NAT of ours is open before the viewer can check
    assert.equal(released(as), false, 'the hold waits for the ranging all the same');
    assert.ok(released(g.poll(T.rangeWaitMs)));
  });

  it('releases when ranging hears nothing: that router drops unsolicited UDP', () => {
    const g = withSrflx();
    g.poll(0);
    assert.equal(g.nextTimeout(), T.rangeWaitMs);
    assert.equal(released(g.poll(T.rangeWaitMs - 1)), false);
    const as = g.poll(T.rangeWaitMs);
    assert.deepEqual(openers(as), [3, 4]);
    assert.ok(released(as));
    // the openers before the release: our NAT is open before werift's first full-TTL check
    assert.ok(as.findIndex((a) => a.type === 'opener') < as.findIndex((a) => a.type === 'release'));
  });

  it('lets a hold run out holdMs after both the first opener and our description', () => {
    const g = withSrflx();
    g.refused(SRFLX.address, 3, 5);
    g.poll(5);
    assert.equal(released(g.poll(10_000)), false, 'never before our description is out');
    const g2 = withSrflx();
    g2.refused(SRFLX.address, 3, 5);
    assert.equal(g2.nextTimeout(), 5 + T.settleMs);
    g2.arm(300);
    assert.equal(g2.nextTimeout(), 300 + T.holdMs);
    assert.equal(released(g2.poll(300 + T.holdMs - 1)), false);
    assert.ok(released(g2.poll(300 + T.holdMs)));
  });

  it('counts the hold from the first opener when the socket comes late', () => {
    const g = new IceTtlGate();
    g.addRemote('srflx', SRFLX, 0);
    g.refused(SRFLX.address, 3, 5);
    g.arm(100);
    assert.equal(released(g.poll(5000)), false, 'no socket, no pair yet');
    g.addSocket(1, 5000);
    const as = g.poll(5000);
    assert.deepEqual(openers(as), [2]);
    assert.equal(released(as), false);
    assert.ok(released(g.poll(5000 + T.holdMs)));
  });

  it('sends no opener once the viewer has been heard', () => {
    const g = new IceTtlGate();
    g.addRemote('srflx', SRFLX, 0);
    g.poll(0);
    g.addSocket(1, 1);
    g.heard(SRFLX, 2);
    assert.deepEqual(openers(g.poll(T.rangeWaitMs)), [2]); // the first went with the socket
  });

  it('takes a check from the viewer on any socket (a TURN allocation too) for every pair towards it', () => {
    const g = withSrflx();
    g.addSocket(2, 0);
    g.refused(SRFLX.address, 3, 0);
    g.poll(T.settleMs);
    g.heard({ ...SRFLX, port: SRFLX.port + 1 }, 100); // another port: a symmetric viewer's fresh one
    assert.equal(released(g.poll(100)), false);
    g.heard(SRFLX, 110);
    assert.deepEqual(
      g.poll(110).filter((a) => a.type === 'release'),
      [1, 2].map((socket) => ({ type: 'release', socket, to: SRFLX })),
    );
  });

  it('opens towards host candidates without ranging or holding them', () => {
    const g = new IceTtlGate();
    g.addSocket(1, 0);
    g.addRemote('host', HOST, 0);
    const as = g.poll(0);
    assert.deepEqual(openers(as), [2, 3, 4]);
    assert.equal(
      as.some((a) => a.type === 'range'),
      false,
    );
    assert.equal(g.mayCheck(1, HOST), true);
  });

  it('stops holding a srflx endpoint that is also a host candidate (no NAT in front of it)', () => {
    const g = withSrflx();
    g.poll(0);
    g.addRemote('host', SRFLX, 1);
    assert.ok(released(g.poll(1)));
    assert.equal(g.mayCheck(1, SRFLX), true);
  });

  it('leaves relay, prflx and IPv6 candidates, unknown sockets and unknown addresses alone', () => {
    const g = new IceTtlGate();
    g.addSocket(1, 0);
    g.addRemote('relay', { address: '198.51.100.9', port: 50000 }, 0);
    g.addRemote('prflx', { address: '198.51.100.8', port: 50000 }, 0);
    g.addRemote('srflx', { address: '2001:db8::1', port: 50000 }, 0);
    assert.deepEqual(g.poll(0), []);
    assert.equal(g.nextTimeout(), undefined);
    const h = withSrflx();
    assert.equal(h.mayCheck(undefined, SRFLX), true, 'a TURN or TCP protocol of werift');
    assert.equal(h.mayCheck(1, { address: '198.51.100.1', port: 1 }), true);
  });

  it('closes the ranging sockets rangeForMs after they opened', () => {
    const g = withSrflx();
    g.poll(0);
    assert.equal(
      g.poll(T.rangeForMs).some((a) => a.type === 'range-done'),
      true,
    );
    assert.equal(
      g.poll(T.rangeForMs + 1).some((a) => a.type === 'range-done'),
      false,
    );
  });

  it('ranges an address once for all its candidates and sockets', () => {
    const g = withSrflx();
    g.addSocket(2, 0);
    g.addRemote('srflx', { ...SRFLX, port: 40001 }, 0);
    const as = g.poll(0);
    assert.equal(as.filter((a) => a.type === 'range').length, 1);
    assert.equal(openers(as).length, 4); // the first rung for each socket x candidate
  });
});
