import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptingWeight,
  expect,
  matrixMarkdown,
  parseConnectEvents,
  summariseLink,
  summariseMatrix,
  conditionProblems,
  type PairResult,
} from '../src/index.js';

const result = (a: PairResult['a'], b: PairResult['b'], path: PairResult['path']): PairResult => ({
  a,
  b,
  expected: expect(a, b, false),
  status: 'ok',
  connected: path !== null,
  path,
  remote: path === 'direct' ? '203.0.113.21:4000' : null,
  pathSwitches: path === 'direct' ? 1 : 0,
  decodeFailures: 0,
  firstByteMs: 40,
  afterSignalingMs: 12,
  directMs: path === 'direct' ? 900 : null,
  bytesVerified: path !== null,
  note: null,
  links: [],
});

describe('matrix figures', () => {
  it('computes connected, direct, direct-where-expected and weighted direct %', () => {
    const s = summariseMatrix([
      result('port-restricted', 'port-restricted', 'direct'), // weight 2500, expected direct
      result('symmetric', 'symmetric', 'relay'), // weight 64, expected relay
      result('public', 'cgnat', 'relay'), // weight 75, expected direct but relayed
      { ...result('same-nat', 'same-nat', null), status: 'not-runnable' },
    ]);
    assert.equal(s.pairs, 4);
    assert.equal(s.ran, 3);
    assert.equal(s.notRunnable, 1);
    assert.equal(s.connectedPct, 100);
    assert.equal(s.directPct, 33.33);
    assert.equal(s.directWhereExpectedPct, 50);
    assert.equal(s.weightedDirectPct, Math.round((10_000 * 2500) / (2500 + 64 + 75)) / 100);
  });

  it('weights the accepting routers’ figure with their share (weightedDirectAcceptingPct)', () => {
    const rows = [
      result('port-restricted', 'port-restricted', 'direct'),
      result('port-restricted-open', 'port-restricted-open', 'relay'),
    ];
    const s = summariseMatrix(rows);
    const [w1, w2] = rows.map((r) => acceptingWeight(r.expected));
    assert.ok(
      w1! > 0 && w2! > 0 && rows[1]!.expected.weight === 0,
      'an -open pair weighs only in this figure',
    );
    assert.equal(s.weightedDirectPct, 100);
    assert.equal(s.weightedDirectAcceptingPct, Math.round((10_000 * w1!) / (w1! + w2!)) / 100);
    assert.match(matrixMarkdown(rows), /with accepting routers \d/);
  });

  it('says n/a, not 0 %, when nothing could run', () => {
    const md = matrixMarkdown([{ ...result('public', 'public', null), status: 'not-runnable', note: 'why' }]);
    assert.match(md, /connected n\/a/);
    assert.match(md, /not runnable yet: why/);
  });

  it("reads peerlink connect's JSON events (issue #7 contract)", () => {
    const out = [
      '{"event":"connected","path":"relay","ms":42,"signalingMs":30,"firstByteAfterSignalingMs":12}',
      '{"event":"path","path":"relay","remote":null,"ms":42}',
      '{"event":"path","path":"direct","remote":"203.0.113.21:4000","ms":1234}',
      'not json',
      '{"event":"done","bytes":1024,"sha256":"ab","ms":2000,"path":"direct"}',
    ].join('\n');
    assert.deepEqual(parseConnectEvents(out, 1024), {
      connected: true,
      firstByteMs: 42,
      afterSignalingMs: 12,
      directMs: 1234,
      path: 'direct',
      remote: '203.0.113.21:4000',
      pathSwitches: null,
      decodeFailures: null,
      bytesVerified: true,
      error: null,
    });
    assert.equal(parseConnectEvents(out, 2048).bytesVerified, false);
  });

  it('marks a direct path that ended on IPv6', () => {
    const v6 = { ...result('symmetric', 'symmetric', 'direct'), remote: '2001:db8:2::2:4000' };
    assert.match(matrixMarkdown([v6]), /\| direct v6 \|/);
    assert.doesNotMatch(matrixMarkdown([result('public', 'public', 'direct')]), /direct v6/);
  });
});

describe('link measurement summary', () => {
  it('splits loss into directions and flags a condition that was not produced', () => {
    const asked = { rttMs: 80, jitterMs: 0, lossAtoBPct: 10, lossBtoAPct: 0 };
    const m = summariseLink(asked, {
      sent: 400,
      echoReceived: 360,
      received: 360,
      rttMs: Array(360).fill(81),
    });
    assert.equal(m.produced.lossAtoBPct, 10);
    assert.equal(m.produced.lossBtoAPct, 0);
    assert.deepEqual(conditionProblems(m), []);
    const slow = summariseLink(asked, {
      sent: 400,
      echoReceived: 400,
      received: 400,
      rttMs: Array(400).fill(20),
    });
    assert.equal(conditionProblems(slow).length, 2); // RTT too low and no loss
  });
});
