// The matrix runner on the IPv6 CI pairs (lab/src/matrix.ts CI_PAIRS6): both IPv4 sides are hard,
// so only IPv6 can make them direct.
import { describe, it } from 'node:test';
import { CI_PAIRS6 } from '../src/index.js';
import { checkPairs6 } from './matrix-check.js';

describe('matrix runner, IPv6', () => {
  it('runs the IPv6 CI pairs: direct over IPv6 where IPv4 alone cannot be', async () => {
    await checkPairs6(CI_PAIRS6);
  });
});
