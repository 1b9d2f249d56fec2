// The signaling bench's KVS scenario, CI-sized, on one node (embedded store) and through the trivial
// forwarder it is compared with: 2 channels of a master and 10 viewers, where every offer, answer and
// candidate must arrive at the client it was addressed to.
import { describe, it } from 'node:test';
import { assertEveryMessageArrived, runKvsBench } from './helpers/kvs-bench.js';

describe('bench/signaling --scenario kvs (smoke)', () => {
  it('carries every message on one node and through the trivial forwarder', async () => {
    const results = await runKvsBench(['trivial', '1-node-embedded']);
    for (const name of ['trivial', '1-node-embedded']) assertEveryMessageArrived(name, results[name]);
  });
});
