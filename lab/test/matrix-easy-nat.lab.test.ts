// The matrix runner on the CI pairs that meet by simultaneous open through a symmetric NAT (the far
// side filters by address only) and between two carrier NATs: lab/src/matrix.ts
// CI_PAIR_GROUPS['easy-nat'].
import { describe, it } from 'node:test';
import { ciPairs } from '../src/index.js';
import { checkPairs } from './matrix-check.js';

describe('matrix runner, simultaneous open through harder NATs', () => {
  it('runs the restricted x symmetric and cgnat x cgnat CI pairs: direct by simultaneous open', async () => {
    await checkPairs(ciPairs('easy-nat'));
  });
});
