// PunchEngine alone, on hand-fed inputs and time: when it pings whom, what it selects, and how it
// lets go. The simulated-NAT runs are in @peerlink/testing (punch-sim.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BirthdayLock,
  DEFAULT_BIRTHDAY,
  DEFAULT_PUNCH_TIMING,
  PRIMARY_VIA,
  PunchEngine,
  RANGE_PORT,
  SEQUENTIAL_WINDOW,
  TURN_VIA,
  type Candidate,
  type NatHint,
  type PunchAction,
} from '../src/index.js';

const easy: NatHint = {
  udp: true,
  mappingVaries: false,
  portAllocation: 'preserving',
  publicIp: '203.0.113.1',
  ports: [5000],
};
const hard: NatHint = {
  udp: true,
  mappingVaries: true,
  portAllocation: 'random',
  publicIp: '203.0.113.2',
  ports: [41000, 7000, 52000, 3000],
};
/** The remote side of `remote` below, easy: its reflexive address is its public one. */
const easyRemote: NatHint = { ...easy, publicIp: '203.0.113.9', ports: [6000] };
const local: Candidate[] = [
  { type: 'host', address: '10.0.0.1', port: 5000 },
  { type: 'srflx', address: '203.0.113.1', port: 5000 },
];
const remote: Candidate[] = [
  { type: 'host', address: '10.0.0.2', port: 6000 },
  { type: 'srflx', address: '203.0.113.9', port: 6000 },
];
const txid = new Uint8Array(8);

const of = <T extends PunchAction['type']>(as: PunchAction[], t: T): Extract<PunchAction, { type: T }>[] =>
  as.filter((a): a is Extract<PunchAction, { type: T }> => a.type === t);

/** Runs the engine's timer every ms from `from` to `to`, collecting actions. */
function advance(e: PunchEngine, from: number, to: number): PunchAction[] {
  const out: PunchAction[] = [];
  for (let t = from; t <= to; t++) {
    const due = e.nextTimeout();
    if (due !== undefined && due <= t) e.handleTimer(t);
    out.push(...e.takeActions());
  }
  return out;
}

/** An engine with both sides' candidates; the peer has sent all its openers unless `peerRungs` says. */
function started(
  opts: { initiator?: boolean; rtt?: number; nat?: NatHint; remoteNat?: NatHint; peerRungs?: number } = {},
): PunchEngine {
  const e = new PunchEngine({ initiator: opts.initiator ?? false });
  e.vouch((opts.remoteNat ?? easy).publicIp ?? '');
  if (opts.rtt !== undefined) e.setSignalingRtt(opts.rtt);
  e.setLocal(local, opts.nat ?? easy, 0);
  e.setRemote(remote, opts.remoteNat ?? easy, 0, 0);
  e.peerOpened(opts.peerRungs ?? DEFAULT_PUNCH_TIMING.openerTtls.length, 0, 0);
  return e;
}

describe('PunchEngine', () => {
  it('probes every remote candidate at once, every 100 ms, for 5 s', () => {
    const e = started();
    const as = advance(e, 0, 6000);
    const pings = of(as, 'ping');
    assert.deepEqual(
      new Set(pings.slice(0, 2).map((p) => p.to.address)),
      new Set(['10.0.0.2', '203.0.113.9']),
    );
    assert.ok(pings.length >= 100 && pings.length <= 104, `${pings.length} pings`);
    assert.equal(e.state, 'idle');
  });

  it('openers go in step with the peer’s: TTL k+1 once it has sent k, full TTL once it has sent all', () => {
    const e = started({ peerRungs: 0 });
    const ttlsTo = (as: PunchAction[]): (number | undefined)[] =>
      of(as, 'ping')
        .filter((p) => p.to.address === '203.0.113.9')
        .map((p) => p.ttl);
    const first = advance(e, 0, 400);
    assert.deepEqual(ttlsTo(first), [2], 'the first rung alone while the peer has sent nothing');
    assert.deepEqual(of(first, 'opened'), [{ type: 'opened', rungs: [2] }]);
    e.peerOpened(1, 0, 401);
    const second = advance(e, 401, 800);
    assert.deepEqual(ttlsTo(second), [3]);
    assert.deepEqual(of(second, 'opened'), [{ type: 'opened', rungs: [2, 3] }]);
    e.peerOpened(3, 0, 801);
    assert.deepEqual(ttlsTo(advance(e, 801, 1100)).slice(0, 3), [4, undefined, undefined]);
    // A peer that never says (an older version, a lost signal): nothing waits past openedWaitMs.
    const lone = started({ peerRungs: 0 });
    const quiet = ttlsTo(advance(lone, 0, DEFAULT_PUNCH_TIMING.openedWaitMs - 1));
    assert.deepEqual(quiet, [2]);
    const after = ttlsTo(
      advance(lone, DEFAULT_PUNCH_TIMING.openedWaitMs, DEFAULT_PUNCH_TIMING.openedWaitMs + 300),
    );
    assert.deepEqual(after.slice(0, 3), [3, 4, undefined]);
    // A word about another generation of the peer's candidates is not about these openers.
    const stale = started({ peerRungs: 0 });
    stale.peerOpened(3, 7, 0);
    assert.deepEqual(ttlsTo(advance(stale, 0, 400)), [2]);
  });

  it('ranges the vouched peer’s router and keeps every opener and birthday socket below it', () => {
    const ranged = (nat: NatHint, remoteNat: NatHint, refused: number[]) => {
      const e = new PunchEngine({ initiator: false });
      e.vouch(remoteNat.publicIp!, 0);
      const range = of(e.takeActions(), 'range');
      for (const ttl of refused) e.rangeRefused(ttl);
      e.setLocal(local, nat, 0);
      e.setRemote(remote, remoteNat, 0, 0);
      e.peerOpened(3, 0, 0);
      return { e, range };
    };
    const { e, range } = ranged(easy, easy, [4, 3, 6]);
    assert.deepEqual(range, [
      { type: 'range', to: { address: '203.0.113.1', port: RANGE_PORT }, ttls: [2, 3, 4, 5, 6, 7] },
    ]);
    assert.equal(e.peerRouterHops, 3);
    const as = advance(e, 0, 400);
    const ttls = of(as, 'ping')
      .filter((p) => p.to.address === '203.0.113.9')
      .map((p) => p.ttl);
    assert.deepEqual(ttls.slice(0, 4), [2, 2, 2, undefined], 'the TTL-3 and TTL-4 rungs would reach it');
    assert.deepEqual(of(as, 'opened').at(-1), { type: 'opened', rungs: [2, 2, 2] });
    assert.deepEqual(of(advance(e, 401, DEFAULT_PUNCH_TIMING.rangeForMs), 'range-done'), [
      { type: 'range-done' },
    ]);
    // Birthday, hard side, the easy router 4 hops away: every socket sends with TTL 3, every stage.
    const hardSide = ranged(hard, easyRemote, [4]).e;
    advance(hardSide, 0, 700);
    hardSide.socketsOpened([1, 2, 3, 4], 700);
    const birthday = of(advance(hardSide, 701, 700 + DEFAULT_BIRTHDAY.stageAfterMs + 100), 'ping').filter(
      (p) => p.via > 0,
    );
    assert.ok(birthday.length >= 12, `${birthday.length} birthday pings`);
    assert.deepEqual(new Set(birthday.map((p) => p.ttl)), new Set([3]));
    // Nothing refused, or a router 2 hops away (no TTL opens ours without reaching it): as before.
    for (const refused of [[], [2]]) {
      const plain = ranged(easy, easy, refused).e;
      const t = of(advance(plain, 0, 400), 'ping')
        .filter((p) => p.to.address === '203.0.113.9')
        .map((p) => p.ttl);
      assert.deepEqual(t.slice(0, 4), [2, 3, 4, undefined]);
    }
    // Without the time (or towards IPv6) nothing is ranged.
    const quiet = new PunchEngine({ initiator: false });
    quiet.vouch('203.0.113.9');
    quiet.vouch('2001:db8::9', 0);
    assert.deepEqual(of(quiet.takeActions(), 'range'), []);
  });

  it('the initiator waits half the signaling RTT before its first check', () => {
    const e = started({ initiator: true, rtt: 80 });
    const as = advance(e, 0, 39);
    assert.equal(of(as, 'ping').length, 0);
    assert.ok(of(advance(e, 40, 41), 'ping').length > 0);
  });

  it('answers a ping, and checks back an address it did not know (peer-reflexive)', () => {
    const e = started();
    e.takeActions();
    e.onPing({ address: '203.0.113.9', port: 6001 }, PRIMARY_VIA, txid, 10);
    const as = e.takeActions();
    assert.equal(of(as, 'pong')[0]?.to.port, 6001);
    assert.equal(of(as, 'ping')[0]?.to.port, 6001);
  });

  it('selects the first answered pair, upgrades to IPv6, ignores a worse one, and holds it with checks', () => {
    const e = started();
    advance(e, 0, 100);
    e.onPong({ address: '203.0.113.9', port: 6000 }, PRIMARY_VIA, 150);
    assert.deepEqual(of(e.takeActions(), 'select')[0], {
      type: 'select',
      to: { address: '203.0.113.9', port: 6000 },
      via: PRIMARY_VIA,
      kind: 'direct',
    });
    e.onPong({ address: '2001:db8::2', port: 6000 }, PRIMARY_VIA, 160);
    assert.equal(of(e.takeActions(), 'select')[0]?.to.address, '2001:db8::2');
    e.onPong({ address: '203.0.113.50', port: 1 }, TURN_VIA, 170);
    assert.equal(of(e.takeActions(), 'select').length, 0, 'TURN never replaces a direct path');
    const checks = of(advance(e, 171, 4200), 'ping').filter((p) => p.to.address === '2001:db8::2');
    assert.equal(checks.length, 2, 'a keepalive every 2 s');
  });

  it('drops a path whose checks go unanswered for 6.5 s, and probes again', () => {
    const e = started();
    e.onPong({ address: '203.0.113.9', port: 6000 }, PRIMARY_VIA, 10);
    e.takeActions();
    const as = advance(e, 11, 6600);
    assert.deepEqual(of(as, 'unselect'), [{ type: 'unselect', reason: 'lost' }]);
    assert.ok(
      of(advance(e, 6601, 6800), 'ping').some((p) => p.to.port === 6000),
      'probing resumes',
    );
  });

  it('a TURN pair is a turn path, and a direct one replaces it', () => {
    const e = started();
    e.onPong({ address: '203.0.113.9', port: 6000 }, TURN_VIA, 10);
    assert.equal(of(e.takeActions(), 'select')[0]?.kind, 'turn');
    e.onPong({ address: '203.0.113.9', port: 6000 }, PRIMARY_VIA, 20);
    assert.equal(of(e.takeActions(), 'select')[0]?.kind, 'direct');
  });

  it('an address at the TURN server is a turn path even before the peer announces it', () => {
    const e = new PunchEngine({ initiator: false, relayIps: ['203.0.113.10'] });
    e.setLocal(local, easy, 0);
    e.setRemote(remote, easy, 0, 0);
    e.onPong({ address: '203.0.113.10', port: 50000 }, PRIMARY_VIA, 10);
    assert.equal(of(e.takeActions(), 'select')[0]?.kind, 'turn');
  });

  it('a local address change drops the path at once and waits for new candidates', () => {
    const e = started();
    e.onPong({ address: '203.0.113.9', port: 6000 }, PRIMARY_VIA, 10);
    e.takeActions();
    e.localChanged(20);
    assert.deepEqual(e.takeActions(), [{ type: 'unselect', reason: 'local-change' }]);
    assert.equal(of(advance(e, 21, 500), 'ping').length, 0);
    e.setLocal(local, easy, 501);
    assert.ok(of(advance(e, 501, 600), 'ping').length > 0);
  });

  it("the peer's new generation replaces its candidates and drops the path", () => {
    const e = started();
    e.onPong({ address: '203.0.113.9', port: 6000 }, PRIMARY_VIA, 10);
    e.takeActions();
    e.setRemote([{ type: 'srflx', address: '203.0.113.77', port: 7000 }], easy, 1, 20);
    assert.deepEqual(of(e.takeActions(), 'unselect'), [{ type: 'unselect', reason: 'remote-change' }]);
    const to = new Set(of(advance(e, 21, 200), 'ping').map((p) => p.to.address));
    assert.deepEqual(to, new Set(['203.0.113.77']));
    e.setRemote(remote, easy, 0, 300);
    assert.ok(
      !of(advance(e, 301, 400), 'ping').some((p) => p.to.address === '10.0.0.2'),
      'an old generation is void',
    );
  });

  it('probes the ports after the last one a sequential allocator gave', () => {
    const e = started({
      remoteNat: { ...hard, portAllocation: 'sequential', ports: [6000, 6001, 6002, 6003] },
    });
    const ports = new Set(
      of(advance(e, 0, 50), 'ping')
        .filter((p) => p.to.address === '203.0.113.2')
        .map((p) => p.to.port),
    );
    assert.equal(ports.size, SEQUENTIAL_WINDOW);
    assert.ok(ports.has(6004) && ports.has(6003 + SEQUENTIAL_WINDOW));
  });

  it('birthday, hard side: opens sockets after the wait, pings from each, closes all but the winner', () => {
    const e = started({ nat: hard, remoteNat: easyRemote });
    const as = advance(e, 0, 700);
    const n = DEFAULT_BIRTHDAY.sockets;
    assert.deepEqual(of(as, 'open-sockets'), [{ type: 'open-sockets', count: n }]);
    const vias = Array.from({ length: n }, (_, i) => i + 1);
    e.socketsOpened(vias, 700);
    const first = of(e.takeActions(), 'ping').filter((p) => p.via > 0);
    assert.equal(first.length, n);
    assert.ok(first.every((p) => p.to.address === '203.0.113.9' && p.to.port === 6000));
    // The first stage only TTLs that die within a few hops, half each; the next stage reaches further.
    assert.deepEqual([...new Set(first.map((p) => p.ttl))].sort(), [2, 3]);
    assert.equal(first.filter((p) => p.ttl === 2).length, n / 2);
    const later = of(advance(e, 701, 700 + DEFAULT_BIRTHDAY.stageAfterMs + 100), 'ping').filter(
      (p) => p.via > 0,
    );
    assert.deepEqual(new Set(later.slice(-n).map((p) => p.ttl)), new Set([4, undefined]));
    e.onPong({ address: '203.0.113.9', port: 6000 }, 17, 5900);
    const done = e.takeActions();
    assert.deepEqual(of(done, 'close-sockets'), [{ type: 'close-sockets', keep: 17 }]);
    assert.equal(of(done, 'select')[0]?.via, 17);
  });

  it('birthday, easy side: distinct random ports of the hard IP at the budgeted rate, then gives up', () => {
    const e = started({ nat: easy, remoteNat: hard });
    const as = advance(e, 0, 14_000);
    const probes = of(as, 'ping').filter((p) => p.to.address === '203.0.113.2');
    const budget = DEFAULT_BIRTHDAY.probes;
    assert.equal(probes.length, budget);
    assert.equal(new Set(probes.map((p) => p.to.port)).size, budget, 'no port twice');
    assert.ok(probes.every((p) => p.to.port >= 1024 && p.to.port <= 65_535));
    assert.equal(e.sent.birthday, budget);
    assert.ok(of(as, 'need-turn').length === 1, 'nothing direct: TURN is asked for');
    assert.equal(e.state, 'idle');
  });

  it('one birthday attempt per node: a second engine waits for the lock', () => {
    const lock = new BirthdayLock();
    const mk = (): PunchEngine => {
      const e = new PunchEngine({ initiator: false, lock });
      e.vouch(easyRemote.publicIp!);
      e.setLocal(local, hard, 0);
      e.setRemote(remote, easyRemote, 0, 0);
      return e;
    };
    const a = mk();
    const b = mk();
    const both = (to: number, from: number) => [advance(a, from, to), advance(b, from, to)];
    const [a1, b1] = both(700, 0);
    assert.equal(of(a1!, 'open-sockets').length, 1);
    assert.equal(of(b1!, 'open-sockets').length, 0);
    a.onPong({ address: '203.0.113.9', port: 6000 }, PRIMARY_VIA, 800);
    a.takeActions();
    assert.equal(lock.busy, false);
    assert.equal(of(advance(b, 701, 1800), 'open-sockets').length, 1);
  });

  it('no birthday towards an address the server does not vouch for', () => {
    const e = new PunchEngine({ initiator: false });
    e.vouch('198.51.100.77');
    e.setLocal(local, easy, 0);
    e.setRemote(remote, hard, 0, 0);
    const as = advance(e, 0, 14_000);
    assert.equal(of(as, 'ping').filter((p) => p.to.address === hard.publicIp).length, 0);
    assert.equal(e.sent.birthday, 0);
  });

  it('both sides hard: asks for TURN at once, no birthday', () => {
    const e = started({ nat: hard, remoteNat: hard });
    const as = e.takeActions();
    assert.equal(of(as, 'need-turn').length, 1);
    assert.equal(of(advance(e, 0, 3000), 'open-sockets').length, 0);
  });
});
