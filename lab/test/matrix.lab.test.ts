// The matrix runner on the CI pairs that meet by simultaneous open between easy NATs (lab/src/matrix.ts
// CI_PAIR_GROUPS.easy); the other groups have files of their own (matrix-easy-nat, matrix-hard,
// matrix-lan-relay, matrix-accepting, matrix-ipv6), two or three pairs each, so each stays well
// inside the lab suite's budget: four pairs took 203 s at load 27 on 2 cores.
import { describe, it } from 'node:test';
import { ciPairs } from '../src/index.js';
import { checkPairs } from './matrix-check.js';

describe('matrix runner', () => {
  it('runs the CI pairs, or reports them not runnable without faking a result', async () => {
    await checkPairs(ciPairs('easy'));
  });
});
