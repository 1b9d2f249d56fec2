// The signaling bench's KVS scenario, CI-sized, on two `peerlink serve` nodes sharing a private
// redis-server (the bench starts its own): every master on one node and every viewer on the other,
// then masters and viewers mixed; with one access key, made once, accepted by both nodes.
import { describe, it } from 'node:test';
import { assertEveryMessageArrived, runKvsBench } from './helpers/kvs-bench.js';

describe('bench/signaling --scenario kvs on two nodes (smoke)', () => {
  it('carries every message across nodes, split and mixed', async () => {
    const configs = ['2-node-redis-split', '2-node-redis-mixed'];
    const results = await runKvsBench(configs);
    for (const name of configs) assertEveryMessageArrived(name, results[name]);
  });
});
