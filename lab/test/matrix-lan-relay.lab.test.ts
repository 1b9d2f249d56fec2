// The matrix runner on the CI pairs that stay on the relay (UDP blocked) or meet on a LAN (two hosts
// behind one NAT): lab/src/matrix.ts CI_PAIR_GROUPS['lan-relay'].
import { describe, it } from 'node:test';
import { ciPairs } from '../src/index.js';
import { checkPairs } from './matrix-check.js';

describe('matrix runner, LAN and relay', () => {
  it('runs the LAN and relay CI pairs: host candidates on a shared LAN, the relay when UDP is blocked', async () => {
    await checkPairs(ciPairs('lan-relay'));
  });
});
