import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PRESET_NAMES } from '@peerlink/testing';
import {
  expect,
  expectationMarkdown,
  expectationTable,
  isHard,
  maxWeightedDirectPct,
  maxWeightedDirectPctWithAccepting,
  presetPairs,
} from '../src/index.js';
import { grantsPortMapping, PRESETS } from '@peerlink/testing';

describe('the expectation table', () => {
  it('has a row for every ordered pair, with and without IPv6; same-nat only with itself', () => {
    const rows = expectationTable();
    assert.equal(presetPairs().length, 12 * 12 + 1);
    assert.equal(rows.length, 2 * (12 * 12 + 1));
    assert.ok(rows.every((r) => !PRESETS[r.a].shared || r.a === r.b));
    for (const a of PRESET_NAMES) assert.ok(rows.some((r) => r.a === a));
  });

  it('is relay exactly where one side blocks UDP or both are hard without a port mapping (IPv4)', () => {
    for (const [a, b] of presetPairs()) {
      const e = expect(a, b, false);
      const [pa, pb] = [PRESETS[a], PRESETS[b]];
      const mapped = grantsPortMapping(pa) || grantsPortMapping(pb);
      const relay = pa.udpBlocked || pb.udpBlocked || (isHard(pa) && isHard(pb) && !mapped);
      assert.equal(e.outcome, relay ? 'relay' : 'direct', `${a} x ${b}: ${e.why}`);
    }
    assert.deepEqual(
      PRESET_NAMES.filter((n) => isHard(PRESETS[n])),
      ['symmetric', 'cgnat-symmetric', 'symmetric-upnp', 'symmetric-open'],
    );
  });

  it('uses a port mapping exactly where it beats birthday probing or the relay', () => {
    assert.equal(expect('symmetric-upnp', 'symmetric', false).method, 'port-mapping');
    assert.equal(expect('cgnat-symmetric', 'symmetric-upnp', false).method, 'port-mapping');
    assert.equal(expect('symmetric-upnp', 'port-restricted', false).method, 'port-mapping');
    assert.equal(expect('symmetric-upnp', 'symmetric-upnp', false).method, 'port-mapping');
    assert.equal(expect('symmetric-upnp', 'public', false).method, 'simultaneous-open');
    assert.equal(expect('symmetric-upnp', 'udp-blocked', false).method, 'relay');
    assert.equal(expect('symmetric-upnp', 'symmetric', true).method, 'ipv6');
    assert.equal(expect('symmetric-upnp', 'symmetric', false).weight, 0);
  });

  it('with IPv6 only UDP blocking forces the relay', () => {
    assert.equal(expect('symmetric', 'cgnat-symmetric', true).outcome, 'direct');
    assert.equal(expect('udp-blocked', 'public', true).outcome, 'relay');
  });

  it('needs birthday probing exactly for a hard side against an APDF easy side', () => {
    assert.equal(expect('port-restricted', 'symmetric', false).method, 'birthday');
    assert.equal(expect('cgnat-symmetric', 'cgnat', false).method, 'birthday');
    assert.equal(expect('restricted', 'symmetric', false).method, 'simultaneous-open');
    assert.equal(expect('symmetric', 'full-cone', false).method, 'simultaneous-open');
  });

  it('puts the weighted IPv4 maximum at about 96 % (issue #5)', () => {
    assert.equal(maxWeightedDirectPct(false).toFixed(2), '96.05');
    assert.ok(maxWeightedDirectPct(true) > maxWeightedDirectPct(false));
  });

  it('gives each accepting (-open) preset its base preset’s outcomes, and keeps the weighted figures', () => {
    for (const [a, b] of presetPairs()) {
      const base = (n: typeof a) => PRESETS[n].acceptingOf ?? n;
      for (const v6 of [false, true])
        assert.equal(expect(a, b, v6).outcome, expect(base(a), base(b), v6).outcome);
    }
    assert.equal(maxWeightedDirectPctWithAccepting(false).toFixed(2), maxWeightedDirectPct(false).toFixed(2));
    assert.equal(expect('port-restricted-open', 'symmetric-open', false).weight, 0);
  });

  it('is the table docs/lab.md shows', () => {
    const doc = readFileSync(new URL('../../../docs/lab.md', import.meta.url), 'utf8');
    assert.ok(
      doc.includes(expectationMarkdown()),
      'run `npm run lab -- table` and paste it into docs/lab.md',
    );
  });
});
