// The matrix runner on the CI pairs behind routers that accept unsolicited UDP, behind ISP hops
// (the conntrack clash, docs/hole-punching.md; lab/src/matrix.ts CI_PAIR_GROUPS.accepting).
import { describe, it } from 'node:test';
import { ciPairs } from '../src/index.js';
import { checkPairs } from './matrix-check.js';

describe('matrix runner, accepting routers', () => {
  it('runs the accepting-router CI pairs: direct despite the conntrack clash and the rung race', async () => {
    await checkPairs(ciPairs('accepting'));
  });
});
