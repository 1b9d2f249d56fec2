import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESETS } from '@peerlink/testing';
import { expect, presetPairs } from '../src/index.js';
import {
  iceExpect,
  iceExpectationTable,
  iceMaxWeightedDirectPct,
  weightedDirectPct,
} from '../src/webrtc/ice-expectations.js';

describe('what standard ICE can make direct', () => {
  it('has a row per ordered pair and family, with the expectation table weights', () => {
    const rows = iceExpectationTable();
    assert.equal(rows.length, 2 * presetPairs().length);
    for (const r of rows) assert.equal(r.weight, expect(r.a, r.b, r.ipv6).weight);
  });

  it('is never direct where our own transport is relay, and loses exactly the birthday pairs', () => {
    for (const [a, b] of presetPairs()) {
      const ice = iceExpect(a, b, { ipv6: false });
      const ours = expect(a, b, false);
      if (ours.outcome === 'relay') assert.equal(ice.outcome, 'relay', `${a} x ${b}`);
      if (ours.method === 'birthday') assert.equal(ice.outcome, 'relay', `${a} x ${b}: ${ice.why}`);
      const accepting = [a, b].some((n) => PRESETS[n].acceptingOf !== undefined);
      if (ours.method === 'simultaneous-open' && !accepting)
        assert.equal(ice.outcome, 'direct', `${a} x ${b}`);
    }
  });

  it('goes by srflx when both map endpoint-independently, prflx when the easy filter admits a fresh port', () => {
    assert.equal(iceExpect('port-restricted', 'cgnat', { ipv6: false }).method, 'srflx');
    assert.equal(iceExpect('restricted', 'symmetric', { ipv6: false }).method, 'prflx');
    assert.equal(iceExpect('symmetric', 'full-cone', { ipv6: false }).method, 'prflx');
    assert.equal(iceExpect('symmetric', 'public', { ipv6: false }).method, 'prflx');
    assert.equal(iceExpect('port-restricted', 'symmetric', { ipv6: false }).outcome, 'relay');
    assert.equal(iceExpect('symmetric', 'cgnat', { ipv6: false }).outcome, 'relay');
    assert.equal(iceExpect('symmetric', 'cgnat-symmetric', { ipv6: false }).outcome, 'relay');
  });

  it('does not count on the srflx port of a router that accepts unsolicited UDP (conntrack clash)', () => {
    assert.equal(iceExpect('port-restricted', 'port-restricted', { ipv6: false }).method, 'srflx');
    assert.equal(iceExpect('port-restricted', 'port-restricted-open', { ipv6: false }).outcome, 'relay');
    assert.equal(iceExpect('cgnat-open', 'cgnat', { ipv6: false }).outcome, 'relay');
    assert.equal(iceExpect('restricted', 'cgnat-open', { ipv6: false }).method, 'prflx');
    assert.equal(iceExpect('port-restricted-open', 'full-cone', { ipv6: false }).method, 'prflx');
  });

  it('IPv6 makes every pair direct but a UDP-blocked one', () => {
    for (const [a, b] of presetPairs()) {
      const e = iceExpect(a, b, { ipv6: true });
      const blocked = PRESETS[a].udpBlocked || PRESETS[b].udpBlocked;
      assert.equal(e.outcome, blocked ? 'relay' : 'direct', `${a} x ${b}`);
    }
  });

  it('the shared NAT is direct by host candidates unless mDNS hides both sides', () => {
    assert.equal(iceExpect('same-nat', 'same-nat', { ipv6: false }).method, 'host');
    assert.equal(iceExpect('same-nat', 'same-nat', { ipv6: false, mdns: 'viewer' }).method, 'host');
    assert.equal(iceExpect('same-nat', 'same-nat', { ipv6: false, mdns: 'both' }).outcome, 'relay');
  });

  it("a master's port-mapped candidate rescues only pairs standard ICE leaves to the relay", () => {
    const mapped = { ipv6: false, masterPortMapping: true };
    assert.equal(iceExpect('symmetric-upnp', 'symmetric', { ipv6: false }).outcome, 'relay');
    assert.equal(iceExpect('symmetric-upnp', 'symmetric', mapped).method, 'port-mapped');
    assert.equal(iceExpect('symmetric-upnp', 'port-restricted', mapped).method, 'port-mapped');
    assert.equal(iceExpect('symmetric-upnp', 'public', mapped).method, 'prflx');
    assert.equal(iceExpect('symmetric-upnp', 'udp-blocked', mapped).outcome, 'relay');
    // The viewer's gateway is not asked: only the master maps.
    assert.equal(iceExpect('symmetric', 'symmetric-upnp', mapped).outcome, 'relay');
  });

  it('reaches at most 77.85 % weighted over IPv4 and 98.01 % with IPv6', () => {
    // Weights sum to 100 per side: relay are the UDP-blocked pairs (2·1·100 − 1), the hard x hard
    // pairs (14²) and hard x APDF-easy both ways (2·14·65): 2,215 of 10,000.
    assert.equal(iceMaxWeightedDirectPct({ ipv6: false }).toFixed(2), '77.85');
    assert.equal(iceMaxWeightedDirectPct({ ipv6: true }).toFixed(2), '98.01');
    // Port mapping adds nothing to the weighted figure: symmetric-upnp weighs 0.
    assert.equal(iceMaxWeightedDirectPct({ ipv6: false, masterPortMapping: true }).toFixed(2), '77.85');
  });

  it('counts the -open presets with the weights of accepting routers: 62.64 % over IPv4, 98.01 % with IPv6', () => {
    // An -open router's srflx port is not counted on (the conntrack clash), so behind it ICE gets
    // what it gets behind a symmetric NAT: direct only with public, full-cone and restricted peers.
    for (const open of ['port-restricted-open', 'symmetric-open', 'cgnat-open'] as const) {
      assert.equal(iceExpect(open, 'port-restricted', { ipv6: false }).outcome, 'relay');
      assert.equal(iceExpect('cgnat', open, { ipv6: false }).outcome, 'relay');
      assert.equal(iceExpect(open, 'restricted', { ipv6: false }).method, 'prflx');
      assert.equal(iceExpect(open, 'port-restricted', { ipv6: true }).method, 'ipv6');
      assert.equal(iceExpect(open, 'cgnat', { ipv6: false }).weight, 0);
      assert.ok(iceExpect(open, 'cgnat', { ipv6: false }).acceptingWeight > 0);
    }
    assert.equal(iceMaxWeightedDirectPct({ ipv6: false }, 'accepting').toFixed(2), '62.64');
    assert.equal(iceMaxWeightedDirectPct({ ipv6: true }, 'accepting').toFixed(2), '98.01');
  });

  it('weighs rows: weight-0 rows do not count, no weight at all is 0 %', () => {
    assert.equal(weightedDirectPct([]), 0);
    assert.equal(
      weightedDirectPct([
        { weight: 3, direct: true },
        { weight: 1, direct: false },
        { weight: 0, direct: false },
      ]),
      75,
    );
  });
});

describe("what the Node master's ICE with the TTL remedy can make direct", () => {
  const remedy = { ipv6: false, ttlRemedy: true } as const;

  it('keeps standard ICE where no side accepts unsolicited UDP, and names its table', () => {
    for (const [a, b] of presetPairs()) {
      const accepting = [a, b].some((n) => PRESETS[n].acceptingOf !== undefined);
      const [std, ours] = [iceExpect(a, b, { ipv6: false }), iceExpect(a, b, remedy)];
      assert.equal(std.table, 'standard');
      assert.equal(ours.table, 'ttl-remedy');
      if (!accepting) assert.deepEqual([ours.outcome, ours.method], [std.outcome, std.method], `${a} x ${b}`);
      // never less than standard ICE, never more than our own transport
      if (std.outcome === 'direct') assert.equal(ours.outcome, 'direct', `${a} x ${b}`);
      if (expect(a, b, false).outcome === 'relay') assert.equal(ours.outcome, 'relay', `${a} x ${b}`);
    }
  });

  it('counts the srflx port of an endpoint-independent accepting router, on either side', () => {
    for (const open of ['port-restricted-open', 'cgnat-open'] as const)
      for (const easy of ['port-restricted', 'cgnat', 'port-restricted-open', 'cgnat-open'] as const) {
        assert.equal(iceExpect(open, easy, remedy).method, 'srflx', `${open} x ${easy}`);
        assert.equal(iceExpect(easy, open, remedy).method, 'srflx', `${easy} x ${open}`);
      }
    // a symmetric side's checks still leave from a fresh port that an APDF filter drops
    assert.equal(iceExpect('symmetric-open', 'port-restricted', remedy).outcome, 'relay');
    assert.equal(iceExpect('port-restricted', 'symmetric-open', remedy).outcome, 'relay');
    assert.equal(iceExpect('symmetric', 'port-restricted-open', remedy).outcome, 'relay');
    assert.equal(iceExpect('symmetric-open', 'full-cone', remedy).method, 'prflx');
  });

  it('reaches 77.85 % with the weights of accepting routers, as without them', () => {
    assert.equal(iceMaxWeightedDirectPct(remedy, 'accepting').toFixed(2), '77.85');
    assert.equal(iceMaxWeightedDirectPct(remedy, 'issue5').toFixed(2), '77.85');
    assert.equal(iceMaxWeightedDirectPct({ ...remedy, ipv6: true }, 'accepting').toFixed(2), '98.01');
  });
});
