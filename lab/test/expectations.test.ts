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
  presetPairs,
} from '../src/index.js';
import { PRESETS } from '@peerlink/testing';

describe('the expectation table', () => {
  it('has a row for every ordered pair, with and without IPv6; same-nat only with itself', () => {
    const rows = expectationTable();
    assert.equal(presetPairs().length, 8 * 8 + 1);
    assert.equal(rows.length, 2 * (8 * 8 + 1));
    assert.ok(rows.every((r) => !PRESETS[r.a].shared || r.a === r.b));
    for (const a of PRESET_NAMES) assert.ok(rows.some((r) => r.a === a));
  });

  it('is relay exactly where both sides are hard or one blocks UDP (IPv4)', () => {
    for (const [a, b] of presetPairs()) {
      const e = expect(a, b, false);
      const relay =
        PRESETS[a].udpBlocked || PRESETS[b].udpBlocked || (isHard(PRESETS[a]) && isHard(PRESETS[b]));
      assert.equal(e.outcome, relay ? 'relay' : 'direct', `${a} x ${b}: ${e.why}`);
    }
    assert.deepEqual(
      PRESET_NAMES.filter((n) => isHard(PRESETS[n])),
      ['symmetric', 'cgnat-symmetric'],
    );
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

  it('is the table docs/lab.md shows', () => {
    const doc = readFileSync(new URL('../../../docs/lab.md', import.meta.url), 'utf8');
    assert.ok(
      doc.includes(expectationMarkdown()),
      'run `npm run lab -- table` and paste it into docs/lab.md',
    );
  });
});
