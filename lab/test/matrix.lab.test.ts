// The matrix runner on the CI pairs. Every pair must connect and verify its bytes (issue #7: relay
// first, so udp-blocked too); the table's direct outcomes are enforced once the SDK seeks direct
// paths, for the methods in DIRECT_METHODS (simultaneous open, LAN, IPv6, birthday). Without
// `peerlink connect` every pair must be reported not runnable rather than faked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIRECT_METHODS } from '@peerlink/client';
import {
  CI_PAIRS,
  CI_PAIRS6,
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
      const line = (r: (typeof results)[number]): string => `${r.a}/${r.b}: ${r.status} ${r.note ?? ''}`;
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
    }
  });

  it('runs the IPv6 CI pairs: direct over IPv6 where IPv4 alone cannot be', async () => {
    if (!(await connectAvailable())) return;
    const results = await runMatrix({ pairs: CI_PAIRS6, ipv6: true, settleSec: 15 });
    console.log(matrixMarkdown(results).replace(/^/gm, '# '));
    const line = (r: (typeof results)[number]): string =>
      `${r.a}/${r.b}: ${r.status} ${r.path} ${r.remote} ${r.note ?? ''}`;
    const overV6 = (r: (typeof results)[number]): boolean => (r.remote?.split(':').length ?? 0) > 2;
    assert.deepEqual(
      results.filter((r) => r.status !== 'ok' || r.path !== 'direct' || !overV6(r)).map(line),
      [],
    );
  });
});
