// The reconnect policy of ImSocket: exponential backoff with full jitter, capped, stopping after a
// refused token (4003) and after maxAttempts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { reconnectDelay } from '../src/reconnect.js';

it('waits min/2 at the least and the capped ceiling at the most, growing with the attempt', () => {
  assert.equal(reconnectDelay(1, 1006, 0), 125);
  assert.equal(reconnectDelay(1, 1006, 0.999_999), 250);
  assert.equal(reconnectDelay(3, 1006, 0.999_999), 1000);
  assert.equal(reconnectDelay(30, 1006, 0.999_999), 10_000);
  assert.equal(reconnectDelay(2, 1001, 0.5, { minDelayMs: 100, maxDelayMs: 1000 }), 125);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (n, r) => {
      const d = reconnectDelay(n, 1006, r) as number;
      return d >= 125 && d <= 10_000;
    }),
  );
});

it('stops after a refused token and after maxAttempts', () => {
  assert.equal(reconnectDelay(1, 4003, 0.5), undefined);
  assert.equal(reconnectDelay(3, 1006, 0.5, { maxAttempts: 2 }), undefined);
  assert.equal(typeof reconnectDelay(2, 1006, 0.5, { maxAttempts: 2 }), 'number');
});
