/**
 * Noise XX against the cacophony vector (byte for byte), and Split() keys that interoperate with
 * the transport messages of that vector.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decrypt, encrypt, x25519KeyPair } from '../src/crypto/noise-primitives.js';
import { NOISE_XX_PROTOCOL, NoiseXX } from '../src/crypto/noise-xx.js';
import { XX_BLAKE2S_VECTOR as V } from './noise-vector.js';

const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const tohex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('Noise_XX_25519_ChaChaPoly_BLAKE2s', () => {
  it('reproduces the cacophony vector byte for byte', () => {
    assert.equal(V.protocol_name, NOISE_XX_PROTOCOL);
    const initiator = new NoiseXX({
      initiator: true,
      prologue: unhex(V.init_prologue),
      s: x25519KeyPair(unhex(V.init_static)),
      e: x25519KeyPair(unhex(V.init_ephemeral)),
    });
    const responder = new NoiseXX({
      initiator: false,
      prologue: unhex(V.resp_prologue),
      s: x25519KeyPair(unhex(V.resp_static)),
      e: x25519KeyPair(unhex(V.resp_ephemeral)),
    });
    const [m0, m1, m2, ...transport] = V.messages;
    for (const [i, m] of [m0, m1, m2].entries()) {
      assert.ok(m);
      const [writer, reader] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
      const wire = writer.writeMessage(unhex(m.payload));
      assert.equal(tohex(wire), m.ciphertext, `handshake message ${i}`);
      assert.equal(tohex(reader.readMessage(wire)), m.payload);
    }
    const ri = initiator.result();
    const rr = responder.result();
    assert.equal(tohex(ri.handshakeHash), V.handshake_hash);
    assert.equal(tohex(rr.handshakeHash), V.handshake_hash);
    assert.deepEqual(ri.sendKey, rr.receiveKey);
    assert.deepEqual(ri.receiveKey, rr.sendKey);
    assert.deepEqual(ri.remoteStatic, x25519KeyPair(unhex(V.resp_static)).publicKey);
    // Transport messages continue the alternation (the responder speaks first after message 3),
    // each direction counting from nonce 0.
    const nonces = [0n, 0n];
    for (const [i, m] of transport.entries()) {
      const dir = (i + 1) % 2;
      const key = dir === 0 ? ri.sendKey : rr.sendKey;
      const n = nonces[dir] as bigint;
      nonces[dir] = n + 1n;
      const ct = encrypt(key, n, new Uint8Array(0), unhex(m.payload));
      assert.equal(tohex(ct), m.ciphertext, `transport message ${i}`);
      assert.equal(tohex(decrypt(key, n, new Uint8Array(0), ct) ?? new Uint8Array(0)), m.payload);
    }
  });

  it('refuses a tampered message 2 and messages out of turn', () => {
    const prologue = new Uint8Array(0);
    const a = new NoiseXX({ initiator: true, prologue, s: x25519KeyPair() });
    const b = new NoiseXX({ initiator: false, prologue, s: x25519KeyPair() });
    assert.throws(() => a.readMessage(new Uint8Array(32)), { code: 'TRANSPORT_HANDSHAKE_FAILED' });
    b.readMessage(a.writeMessage(new Uint8Array(0)));
    const m2 = b.writeMessage(new Uint8Array(0));
    m2[40] = (m2[40] as number) ^ 1;
    assert.throws(() => a.readMessage(m2), { code: 'TRANSPORT_HANDSHAKE_FAILED' });
    assert.throws(() => a.readMessage(m2.subarray(0, 20)), { code: 'TRANSPORT_HANDSHAKE_FAILED' });
  });
});
