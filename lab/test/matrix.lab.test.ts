// The matrix runner: today it must report every pair "not runnable yet" (no `peerlink connect`);
// once issue #7 lands the same test runs the CI pairs for real and fails on any missed expectation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CI_PAIRS,
  connectAvailable,
  labNamespaces,
  matrixMarkdown,
  runMatrix,
  summariseMatrix,
} from '../src/index.js';

describe('matrix runner', () => {
  it('runs the CI pairs, or reports them not runnable without faking a result', async () => {
    const runnable = await connectAvailable();
    const before = (await labNamespaces()).length;
    const results = await runMatrix({ pairs: CI_PAIRS, settleSec: 15 });
    console.log(matrixMarkdown(results).replace(/^/gm, '# '));
    const s = summariseMatrix(results);
    assert.equal(s.pairs, CI_PAIRS.length);
    if (!runnable) {
      assert.equal(s.notRunnable, CI_PAIRS.length);
      assert.ok(results.every((r) => r.connected === null && r.path === null));
      assert.equal((await labNamespaces()).length, before, 'nothing is built for pairs that cannot run');
    } else {
      assert.deepEqual(
        results.filter((r) => r.status !== 'ok').map((r) => `${r.a}/${r.b}: ${r.status} ${r.note ?? ''}`),
        [],
      );
    }
  });
});
