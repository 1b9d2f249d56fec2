// The matrix runner's verdict on a group of CI pairs, shared by the matrix*.lab.test.ts files (one
// group each, so every file stays well inside the lab suite's per-file budget on a loaded machine).
// Every pair must connect and verify its bytes (issue #7: relay first, so udp-blocked too); the
// table's direct outcomes are enforced for the methods in DIRECT_METHODS (simultaneous open, LAN,
// IPv6, birthday, port mapping). Without `peerlink connect` every pair must be reported not runnable
// rather than faked.
import assert from 'node:assert/strict';
import { DIRECT_METHODS } from '@peerlink/client';
import type { PresetName } from '@peerlink/testing';
import {
  connectAvailable,
  labNamespaces,
  matrixMarkdown,
  runMatrix,
  summariseMatrix,
  type PairResult,
} from '../src/index.js';

const line = (r: PairResult): string => `${r.a}/${r.b}: ${r.status} ${r.path} ${r.remote} ${r.note ?? ''}`;

/** Runs `pairs` and asserts the table's outcomes, or that nothing ran where `connect` is missing. */
export async function checkPairs(pairs: readonly [PresetName, PresetName][]): Promise<PairResult[]> {
  const runnable = await connectAvailable();
  const before = (await labNamespaces()).length;
  const results = await runMatrix({ pairs, settleSec: 15 });
  console.log(matrixMarkdown(results).replace(/^/gm, '# '));
  const s = summariseMatrix(results);
  assert.equal(s.pairs, pairs.length);
  if (!runnable) {
    assert.equal(s.notRunnable, pairs.length);
    assert.ok(results.every((r) => r.connected === null && r.path === null));
    assert.equal((await labNamespaces()).length, before, 'nothing is built for pairs that cannot run');
    return results;
  }
  assert.deepEqual(
    results.filter((r) => !r.connected || !r.bytesVerified || r.status === 'failed').map(line),
    [],
  );
  assert.ok(results.every((r) => r.firstByteMs !== null && r.firstByteMs > 0));
  // Direct where the table says so, for the methods the SDK implements (DIRECT_METHODS).
  const gated = results.filter(
    (r) => r.expected.outcome === 'relay' || DIRECT_METHODS.has(r.expected.method),
  );
  assert.deepEqual(gated.filter((r) => r.status !== 'ok').map(line), []);
  // Every pair reports its switches; none of them cost a datagram the session could not open.
  assert.ok(
    results.every((r) => r.decodeFailures === 0),
    results.map((r) => `${line(r)} ${r.decodeFailures}`).join('\n'),
  );
  assert.ok(s.pathSwitches >= results.filter((r) => r.path !== 'relay').length);
  return results;
}

/** IPv6 pairs: both sides have it, and only it can make them direct; each must end direct over IPv6. */
export async function checkPairs6(pairs: readonly [PresetName, PresetName][]): Promise<void> {
  if (!(await connectAvailable())) return;
  const results = await runMatrix({ pairs, ipv6: true, settleSec: 15 });
  console.log(matrixMarkdown(results).replace(/^/gm, '# '));
  const overV6 = (r: PairResult): boolean => (r.remote?.split(':').length ?? 0) > 2;
  assert.deepEqual(
    results.filter((r) => r.status !== 'ok' || r.path !== 'direct' || !overV6(r)).map(line),
    [],
  );
}
