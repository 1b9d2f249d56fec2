// A smoke test of the IM benchmark (bench/signaling --scenario im) at a tiny scale: it starts a real
// `peerlink serve`, places calls with the seed's messages in both phases and prints its JSON. Checks
// the shape and that calls completed without errors, never the figures (benchmarks are not tests).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { promisify } from 'node:util';

const root = new URL('../../../../', import.meta.url).pathname;

it('bench/signaling --scenario im runs at a tiny scale and reports calls, set-up and CPU per call', async () => {
  const args = ['--scenario', 'im', '--configs', '1-node-embedded', '--pairs', '3', '--seconds', '1'];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bench/signaling/run.mjs', ...args, '--rate', '5'],
    { cwd: root, timeout: 120_000 },
  );
  const report = JSON.parse(stdout) as {
    scenario: string;
    results: Record<
      string,
      {
        saturation: Record<string, unknown>;
        fixed: Record<string, unknown>;
        errors: number;
        unexpectedEnds: number;
      }
    >;
  };
  assert.equal(report.scenario, 'im');
  const r = report.results['1-node-embedded'];
  assert.ok(r, JSON.stringify(report));
  assert.equal(r.errors, 0);
  assert.equal(r.unexpectedEnds, 0);
  for (const phase of [r.saturation, r.fixed]) {
    assert.ok((phase['calls'] as number) > 0, JSON.stringify(phase));
    assert.equal(typeof (phase['setupMs'] as { p99: unknown }).p99, 'number');
    assert.equal(typeof phase['serverCpuMsPerCall'], 'number');
  }
});
