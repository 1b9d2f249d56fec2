// The master's question at start, whether its NAT maps endpoint-independently, against the real
// STUN listeners on two loopback addresses (no NAT: the same mapping both times), and against one
// that names no other address (no answer to tell).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStunListeners, type StunListeners } from '@peerlink/turn-server';
import { ownMapping } from '../src/index.js';

describe('ownMapping', () => {
  let both: StunListeners;
  let single: StunListeners;
  before(async () => {
    both = await startStunListeners({
      address: '127.0.0.1',
      port: 0,
      alternate: { address: '127.0.0.2', port: 0 },
    });
    single = await startStunListeners({ address: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await both?.close();
    await single?.close();
  });

  it('is independent with nothing between us and the server', async () => {
    assert.equal(await ownMapping(`stun:127.0.0.1:${both.primary.port}`), 'independent');
  });

  it('cannot tell when the server has no other address', async () => {
    assert.equal(await ownMapping(`stun:127.0.0.1:${single.primary.port}`), null);
  });
});
