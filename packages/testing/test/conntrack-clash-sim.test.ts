// Routers that accept unsolicited UDP (the conntrack clash, docs/hole-punching.md) in the simulator:
// the clash itself and TTL on ISP hops, today's engine failing behind such routers, the remedy
// (TTL-limited openers) ending direct, and the presets that worked before costing no more.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BIRTHDAY, DEFAULT_PUNCH_TIMING, PRIMARY_VIA, RANGE_PORT } from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import { FakeClock, SimNetwork, addSimSite, type PresetName } from '../src/index.js';
import { pair, type RunOptions } from './punch-harness.js';

const bytes = new Uint8Array([1]);

/** The engine before the remedy: full-TTL checks from the first, full-TTL birthday sockets, one attempt. */
const TODAY: RunOptions = {
  engine: {
    timing: { ...DEFAULT_PUNCH_TIMING, openerTtls: [], rangeTtls: [] },
    birthday: { ...DEFAULT_BIRTHDAY, ttlStages: [[]], attempts: 1 },
  },
};
/** The openers and TTL stages without ranging the peer's router (router-range.ts). */
const UNRANGED: RunOptions = { engine: { timing: { ...DEFAULT_PUNCH_TIMING, rangeTtls: [] } } };
/** B's candidates reach A at once, A's reach B 100 ms later: A starts 70 ms before B. */
const SKEWED: RunOptions = { signalAt: [0, 100] };
/** Skewed the other way, and B's word that it has opened reaches A 150 ms after it is said (A's 10). */
const SKEWED_SLOW: RunOptions = { signalAt: [100, 0], signalDelayMs: [150, 10] };

function siteWithOutsider(preset: PresetName) {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, seed: 4 });
  const site = addSimSite(net, preset, { index: 1 });
  const inside = site.hosts[0]!.bind(40000);
  const outsider = net.addHost({ address: '203.0.113.60' }).bind(7000);
  const seen: TransportAddress[] = [];
  outsider.onMessage((_b, from) => seen.push(from));
  return { clock, net, site, inside, outsider, seen };
}

describe('routers that accept unsolicited UDP (simulator)', () => {
  it('an accepted unsolicited packet makes the inside host’s packet to that endpoint leave on another port', () => {
    for (const [preset, clash] of [
      ['port-restricted', false],
      ['port-restricted-open', true],
    ] as const) {
      const w = siteWithOutsider(preset);
      // The outsider aims at the port the inside will use (port preserving), before the inside sends.
      w.outsider.send(bytes, { family: 4, address: '203.0.113.21', port: 40000 });
      w.clock.advance(50);
      w.inside.send(bytes, w.outsider.local());
      w.clock.advance(50);
      assert.equal(w.seen[0]!.port !== 40000, clash, `${preset}: mapped to ${w.seen[0]!.port}`);
      assert.equal(w.site.nats[0]!.counts.clashes, clash ? 1 : 0);
      assert.equal(w.site.nats[0]!.counts.accepted, clash ? 1 : 0);
    }
  });

  it('a TTL-2 packet opens the mapping and dies at the ISP router; the answer to it comes in', () => {
    const w = siteWithOutsider('port-restricted-open');
    w.inside.send(bytes, w.outsider.local(), 2);
    w.clock.advance(50);
    assert.equal(w.seen.length, 0, 'the opener never reaches the outsider');
    assert.equal(w.net.stats.expired, 1);
    let heard = 0;
    w.inside.onMessage(() => heard++);
    w.outsider.send(bytes, { family: 4, address: '203.0.113.21', port: 40000 });
    w.clock.advance(50);
    assert.equal(heard, 1, 'the mapping admits the outsider');
    assert.equal(w.site.nats[0]!.counts.accepted, 0);
  });

  it('cgnat-open: TTL 3 dies before the carrier NAT, TTL 4 passes it and dies at the ISP after it', () => {
    const w = siteWithOutsider('cgnat-open');
    const carrier = w.site.nats[1]!;
    w.inside.send(bytes, w.outsider.local(), 3);
    w.clock.advance(50);
    assert.equal(carrier.mappings, 0);
    w.inside.send(bytes, w.outsider.local(), 4);
    w.clock.advance(50);
    assert.equal(carrier.mappings, 1);
    assert.equal(w.seen.length, 0);
    assert.equal(w.net.stats.expired, 2);
  });
});

/**
 * Pairs that meet only when no check clashes: [a, b, run options, seeds that may need the second
 * birthday attempt, seeds that must end direct]. `symmetric` has no ISP router, so its TTL-3 sockets
 * reach `port-restricted-open`'s router: half of the first stage poisons, and the first probe that
 * lands on such a port moves the easy side's mapping for good (sim-nat.ts, as Linux's masquerade).
 * Ranging the peer's router (below) fixes that: 8 of 8 there now.
 */
const CLASHING: [PresetName, PresetName, RunOptions, number, number][] = [
  ['symmetric-open', 'port-restricted-open', {}, 0, 8],
  ['port-restricted-open', 'symmetric-open', {}, 0, 8],
  ['cgnat-open', 'symmetric-open', {}, 0, 8],
  ['symmetric', 'port-restricted-open', {}, 0, 8],
  ['cgnat-symmetric', 'cgnat-open', {}, 0, 8],
  ['port-restricted-open', 'port-restricted-open', SKEWED, 0, 8],
  ['cgnat-open', 'port-restricted-open', SKEWED, 0, 8],
  ['port-restricted-open', 'port-restricted-open', SKEWED_SLOW, 0, 8],
  ['port-restricted-open', 'cgnat-open', SKEWED_SLOW, 0, 8],
];
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

function outcomes(a: PresetName, b: PresetName, opts: RunOptions) {
  return SEEDS.map((seed) => {
    const { peers, sites } = pair(a, b, 40_000, seed, opts);
    const both = peers[0]!.selected && peers[1]!.selected;
    const clashes = sites.reduce((n, s) => n + s.nats.reduce((m, x) => m + x.counts.clashes, 0), 0);
    return {
      direct: !!both,
      at: both ? Math.max(peers[0]!.selected!.at, peers[1]!.selected!.at) : null,
      clashes,
      peers,
    };
  });
}

describe('hole punching behind accepting routers (simulator, 8 seeds a pair)', () => {
  for (const [a, b, opts, late, min] of CLASHING) {
    const skew =
      opts === SKEWED ? ' (A starts 70 ms early)' : opts === SKEWED_SLOW ? ' (B early, its word slow)' : '';
    it(`${a} x ${b}${skew}: today's engine clashes, the openers end direct`, () => {
      const before = outcomes(a, b, { ...opts, ...TODAY });
      const after = outcomes(a, b, opts);
      const n = (xs: typeof before): number => xs.filter((x) => x.direct).length;
      process.stderr.write(
        `${a} x ${b}: direct before ${n(before)}/8 (clashes ${before.reduce((s, x) => s + x.clashes, 0)}), ` +
          `after ${n(after)}/8, ms ${after.map((x) => x.at).join(' ')}\n`,
      );
      assert.ok(n(before) <= 1, `today's engine met in ${n(before)} of 8`);
      assert.ok(n(after) >= min, `direct in ${n(after)} of 8`);
      // Within the first attempt (15 s), but for the seeds that needed the second, on fresh sockets.
      assert.ok(after.filter((x) => x.at! > 15_000).length <= late, after.map((x) => x.at).join(' '));
    });
  }

  it('the birthday winner is a TTL-limited socket; the primary is not', () => {
    const { peers } = pair('symmetric-open', 'port-restricted-open', 20_000, 3);
    assert.notEqual(peers[0]!.selected!.via, PRIMARY_VIA);
  });
});

describe('the presets that worked before the remedy (simulator)', () => {
  for (const [a, b] of [
    ['port-restricted', 'port-restricted'],
    ['symmetric', 'port-restricted'],
    ['cgnat', 'cgnat-symmetric'],
    ['cgnat-symmetric', 'port-restricted'],
  ] as const) {
    it(`${a} x ${b}: still direct on every seed; mean time to direct before and after`, () => {
      const before = outcomes(a, b, TODAY);
      const after = outcomes(a, b, {});
      assert.ok(before.every((x) => x.direct) && after.every((x) => x.direct));
      const mean = (xs: typeof before): number => Math.round(xs.reduce((s, x) => s + x.at!, 0) / xs.length);
      process.stderr.write(`${a} x ${b}: mean ms to direct before ${mean(before)}, after ${mean(after)}\n`);
    });
  }
});

/** A's candidates reach B at once, B's reach A 100 ms later: B starts 70 ms before A. */
const B_EARLY: RunOptions = { signalAt: [100, 0] };

/**
 * Pairs where the openers in step are not enough: one side's NAT opens only with a TTL that its
 * peer's packets also reach it at (cgnat-open's carrier: TTL 4), or a hard side's TTL-3 sockets reach
 * the easy router. Only knowing how far the peer's router is (ranging) keeps our packets short of it.
 */
const RANGED: [PresetName, PresetName, RunOptions][] = [
  ['port-restricted', 'cgnat-open', {}],
  ['cgnat-open', 'port-restricted', {}],
  ['cgnat', 'cgnat-open', {}],
  ['cgnat-open', 'cgnat', B_EARLY],
  ['symmetric', 'port-restricted-open', SKEWED_SLOW],
];

describe('ranging the peer’s router (simulator, 8 seeds a pair)', () => {
  it('a connected socket hears port unreachable from an accepting router at its hop count, not before', () => {
    // From behind cgnat (home and carrier NAT): the far router is the third router after them.
    for (const [preset, hops] of [
      ['port-restricted-open', 4], // its ISP router, then it
      ['cgnat-open', 4], // its outer ISP router, then its carrier NAT
      ['port-restricted', undefined], // drops them: never heard
    ] as const) {
      const clock = new FakeClock();
      const net = new SimNetwork({ clock, seed: 5 });
      const far = addSimSite(net, preset, { index: 1 });
      const near = addSimSite(net, 'cgnat', { index: 2 });
      const refused: number[] = [];
      for (const ttl of [2, 3, 4, 5, 6]) {
        const s = near.hosts[0]!.bind();
        s.onRefused(() => refused.push(ttl));
        s.send(bytes, { family: 4, address: far.nats.at(-1)!.publicAddress, port: RANGE_PORT }, ttl);
      }
      clock.advance(100);
      assert.equal(Math.min(...refused), hops ?? Infinity, `${preset}: refused ${refused.join(' ')}`);
    }
  });

  for (const [a, b, opts] of RANGED) {
    const skew =
      opts === B_EARLY ? ' (B starts early)' : opts === SKEWED_SLOW ? ' (B early, its word slow)' : '';
    it(`${a} x ${b}${skew}: the openers alone clash, ranging ends direct`, () => {
      const before = outcomes(a, b, { ...opts, ...UNRANGED });
      const after = outcomes(a, b, opts);
      const n = (xs: typeof before): number => xs.filter((x) => x.direct).length;
      process.stderr.write(
        `${a} x ${b}: direct without ranging ${n(before)}/8, with ${n(after)}/8, ms ${after.map((x) => x.at).join(' ')}\n`,
      );
      assert.ok(n(before) <= 5, `without ranging direct in ${n(before)} of 8`);
      assert.equal(n(after), 8);
      assert.ok(
        after.every((x) => x.at! < 15_000),
        after.map((x) => x.at).join(' '),
      );
    });
  }
});
