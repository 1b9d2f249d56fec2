// The matrix runner on the CI pairs with a hard side: birthday probing, TURN between two hard
// sides, and a port mapped by the gateway (lab/src/matrix.ts CI_PAIR_GROUPS.hard).
import { describe, it } from 'node:test';
import { ciPairs } from '../src/index.js';
import { checkPairs } from './matrix-check.js';

describe('matrix runner, hard sides', () => {
  it('runs the hard CI pairs: birthday, TURN and port mapping where the table says', async () => {
    await checkPairs(ciPairs('hard'));
  });
});
