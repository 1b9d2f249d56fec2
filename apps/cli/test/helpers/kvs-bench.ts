// Runs the signaling bench's KVS scenario (bench/signaling/run.mjs --scenario kvs) CI-sized, as one
// process like the lead would run it, and checks its outcome: every message each phase sent arrived
// where it was addressed, and nothing was refused. Figures are not checked: they belong to the bench.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const RUN = new URL('../../../../../bench/signaling/run.mjs', import.meta.url).pathname;

interface Phase {
  readonly messages: number;
  readonly lost: number;
}
export interface KvsBenchResult {
  readonly connections: number;
  readonly saturation: Phase;
  readonly fixed: Phase;
  readonly warmupLost: number;
  readonly misrouted: number;
  readonly statusResponses: number;
  readonly refusedFrames?: number;
}

/** The bench's results by configuration, for 2 channels of 10 viewers and 1 s per phase. */
export async function runKvsBench(configs: readonly string[]): Promise<Record<string, KvsBenchResult>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      RUN,
      '--scenario',
      'kvs',
      '--channels',
      '2',
      '--seconds',
      '1',
      '--rate',
      '500',
      '--configs',
      configs.join(','),
    ],
    { maxBuffer: 1 << 24 },
  );
  return (JSON.parse(stdout) as { results: Record<string, KvsBenchResult> }).results;
}

export function assertEveryMessageArrived(name: string, r: KvsBenchResult | undefined): void {
  assert.ok(r, `${name}: no result`);
  assert.equal(r.connections, 22, `${name}: 2 masters and 20 viewers connected`);
  for (const phase of ['saturation', 'fixed'] as const) {
    assert.ok(r[phase].messages > 0, `${name}: ${phase} carried messages`);
    assert.equal(r[phase].lost, 0, `${name}: ${phase} lost none`);
  }
  assert.equal(r.warmupLost, 0, `${name}: warm-up lost none`);
  assert.equal(r.misrouted, 0, `${name}: every message reached the client it named`);
  assert.equal(r.statusResponses, 0, `${name}: no STATUS_RESPONSE`);
  if (r.refusedFrames !== undefined) assert.equal(r.refusedFrames, 0, `${name}: no frame refused`);
}
