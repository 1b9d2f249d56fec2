/**
 * The two packet AEADs are one cipher: Node's OpenSSL ChaCha20-Poly1305 and the pure-TypeScript one
 * produce the same bytes, open each other's output, and refuse the same tampering; a session whose
 * peers use different ones works.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nobleAead } from '../src/crypto/noise-primitives.js';
import { nodeAead } from '../src/node/node-aead.js';
import { dataOf, isOpen, sessionPair } from './helpers/session-pair.js';

describe('packet AEADs', () => {
  it('nodeAead and nobleAead agree byte for byte and refuse the same tampering', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 20 }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.nat(),
        (k, n, ad, pt, flip) => {
          const a = nodeAead.encrypt(k, n, ad, pt);
          const b = nobleAead.encrypt(k, n, ad, pt);
          assert.deepEqual(a, b);
          assert.deepEqual(nodeAead.decrypt(k, n, ad, b), pt);
          assert.deepEqual(nobleAead.decrypt(k, n, ad, a), pt);
          const bad = a.slice();
          const i = flip % bad.length;
          bad[i] = (bad[i] as number) ^ 1;
          assert.equal(nodeAead.decrypt(k, n, ad, bad), undefined);
          assert.equal(nobleAead.decrypt(k, n, ad, bad), undefined);
          assert.equal(nodeAead.decrypt(k, n + 1n === 2n ** 64n ? 0n : n + 1n, ad, a), undefined);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a session with nodeAead on one side and nobleAead on the other carries messages', () => {
    const p = sessionPair({ a: { aead: nodeAead }, b: { aead: nobleAead } });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    p.act((now) => {
      p.a.session.sendMessage(Uint8Array.of(1), now);
      p.b.session.sendMessage(Uint8Array.of(2), now);
    });
    p.run(() => dataOf(p.b.events, 'message').length === 1 && dataOf(p.a.events, 'message').length === 1);
    assert.deepEqual(dataOf(p.b.events, 'message'), [Uint8Array.of(1)]);
  });
});
