/**
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT: tampering is detected, the MACs
 * match an independent computation with node:crypto, and keys are derived as RFC 8489 says.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  computeUserhash,
  crc32,
  decodeStunMessage,
  encodeStunMessage,
  encodeText,
  encodeUint32,
  longTermKey,
  newTransactionId,
  PasswordAlgorithm,
  prepareCredential,
  shortTermKey,
  StunAttr,
  StunClass,
  type StunMessage,
  StunMethod,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  WireError,
  WireErrorCode,
} from '../src/index.js';

const KEY = shortTermKey('s3cret');
const OTHER_KEY = shortTermKey('s3cres');

const MESSAGE: StunMessage = {
  method: StunMethod.Allocate,
  cls: StunClass.Request,
  transactionId: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
  attributes: [
    { type: StunAttr.Username, value: encodeText('alice') },
    { type: StunAttr.RequestedTransport, value: new Uint8Array([17, 0, 0, 0]) },
    { type: StunAttr.Lifetime, value: encodeUint32(600) },
  ],
};

function flipByte(bytes: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[at] = (out[at] ?? 0) ^ 0x01;
  return out;
}

/** MAC input as RFC 8489 §14.5/§14.6 define it, built independently of the codec. */
function referenceMacInput(bytes: Uint8Array, attrOffset: number, valueLength: number): Buffer {
  const input = Buffer.from(bytes.subarray(0, attrOffset));
  input.writeUInt16BE(attrOffset + 4 + valueLength - 20, 2);
  return input;
}

describe('MESSAGE-INTEGRITY (HMAC-SHA1)', () => {
  const bytes = encodeStunMessage(MESSAGE, { integrityKey: KEY, fingerprint: true });
  const miOffset = bytes.length - 8 - 24;

  it('matches HMAC-SHA1 computed with node:crypto', () => {
    const expected = createHmac('sha1', KEY)
      .update(referenceMacInput(bytes, miOffset, 20))
      .digest();
    assert.deepEqual(Buffer.from(bytes.subarray(miOffset + 4, miOffset + 24)), expected);
    assert.equal(verifyMessageIntegrity(bytes, KEY), true);
  });

  it('fails with the wrong key', () => {
    assert.equal(verifyMessageIntegrity(bytes, OTHER_KEY), false);
  });

  it('detects tampering with any byte it covers', () => {
    // Every byte before the end of MESSAGE-INTEGRITY except the length field (bytes 2-3),
    // which is rewritten for the MAC; changing it breaks framing instead.
    for (let i = 0; i < miOffset + 24; i++) {
      assert.equal(verifyMessageIntegrity(flipByte(bytes, i), KEY), false, `byte ${i}`);
    }
  });

  it('does not cover FINGERPRINT, which follows it', () => {
    const tampered = flipByte(bytes, bytes.length - 1);
    assert.equal(verifyMessageIntegrity(tampered, KEY), true);
    assert.equal(verifyFingerprint(tampered), false);
  });

  it('is false when absent', () => {
    assert.equal(verifyMessageIntegrity(encodeStunMessage(MESSAGE, { fingerprint: true }), KEY), false);
  });
});

describe('MESSAGE-INTEGRITY-SHA256', () => {
  it('round-trips and matches HMAC-SHA256 computed with node:crypto', () => {
    const bytes = encodeStunMessage(MESSAGE, { integritySha256Key: KEY });
    const offset = bytes.length - 36;
    const expected = createHmac('sha256', KEY)
      .update(referenceMacInput(bytes, offset, 32))
      .digest();
    assert.deepEqual(Buffer.from(bytes.subarray(offset + 4)), expected);
    assert.equal(verifyMessageIntegritySha256(bytes, KEY), true);
    assert.equal(verifyMessageIntegritySha256(bytes, OTHER_KEY), false);
    assert.equal(verifyMessageIntegrity(bytes, KEY), false, 'no SHA-1 MESSAGE-INTEGRITY present');
    const decoded = decodeStunMessage(bytes);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.attributes.at(-1)?.type, StunAttr.MessageIntegritySha256);
  });

  it('accepts truncated values of 16-28 bytes (RFC 8489 §14.6)', () => {
    for (const length of [16, 20, 24, 28]) {
      const bytes = encodeStunMessage(MESSAGE, { integritySha256Key: KEY, integritySha256Length: length });
      assert.equal(bytes.length, 20 + 12 + 8 + 8 + 4 + length);
      assert.equal(verifyMessageIntegritySha256(bytes, KEY), true, `length ${length}`);
      assert.equal(verifyMessageIntegritySha256(flipByte(bytes, bytes.length - 1), KEY), false);
      assert.equal(verifyMessageIntegritySha256(bytes, OTHER_KEY), false);
    }
  });

  it('refuses values of invalid length instead of comparing a prefix', () => {
    const bytes = encodeStunMessage({
      ...MESSAGE,
      attributes: [
        ...MESSAGE.attributes,
        { type: StunAttr.MessageIntegritySha256, value: new Uint8Array(12) },
      ],
    });
    assert.equal(verifyMessageIntegritySha256(bytes, KEY), false);
    const decoded = decodeStunMessage(bytes);
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.equal(decoded.error.code, WireErrorCode.StunBadAttribute);
  });

  it('orders MI, MI-SHA256, FINGERPRINT and each one verifies', () => {
    const bytes = encodeStunMessage(MESSAGE, {
      integrityKey: KEY,
      integritySha256Key: OTHER_KEY,
      fingerprint: true,
    });
    const decoded = decodeStunMessage(bytes);
    assert.ok(decoded.ok);
    assert.deepEqual(
      decoded.value.attributes.slice(-3).map((a) => a.type),
      [StunAttr.MessageIntegrity, StunAttr.MessageIntegritySha256, StunAttr.Fingerprint],
    );
    assert.equal(verifyMessageIntegrity(bytes, KEY), true);
    assert.equal(verifyMessageIntegritySha256(bytes, OTHER_KEY), true);
    assert.equal(verifyFingerprint(bytes), true);
    // The SHA-256 MAC covers the SHA-1 one before it.
    const shaOffset = bytes.length - 8 - 36;
    assert.equal(verifyMessageIntegritySha256(flipByte(bytes, shaOffset - 1), OTHER_KEY), false);
  });
});

describe('FINGERPRINT', () => {
  const bytes = encodeStunMessage(MESSAGE, { fingerprint: true });

  it('uses the CRC-32 of RFC 1952 (check value 0xcbf43926)', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array()), 0);
  });

  it('is CRC-32 of the message before it XOR 0x5354554e', () => {
    const body = bytes.subarray(0, bytes.length - 8);
    const value = Buffer.from(bytes.subarray(bytes.length - 4)).readUInt32BE(0);
    assert.equal(value, (crc32(body) ^ 0x5354554e) >>> 0);
    assert.equal(verifyFingerprint(bytes), true);
  });

  it('detects a change to any byte of the message', () => {
    for (let i = 0; i < bytes.length; i++)
      assert.equal(verifyFingerprint(flipByte(bytes, i)), false, `byte ${i}`);
  });

  it('is false when absent or not last', () => {
    assert.equal(verifyFingerprint(encodeStunMessage(MESSAGE)), false);
    const notLast = encodeStunMessage({
      ...MESSAGE,
      attributes: [
        { type: StunAttr.Fingerprint, value: new Uint8Array(4) },
        { type: StunAttr.Software, value: new Uint8Array(0) },
      ],
    });
    assert.equal(verifyFingerprint(notLast), false);
    const decoded = decodeStunMessage(notLast);
    assert.equal(decoded.ok, false);
    if (!decoded.ok) {
      assert.equal(decoded.error.code, WireErrorCode.StunAttributeOrder);
      assert.equal(decoded.error.offset, 28);
    }
  });
});

describe('credentials', () => {
  it('long-term key with SHA-256 password algorithm (RFC 8489 §9.2.2)', () => {
    const key = longTermKey('user', 'realm', 'pass', PasswordAlgorithm.Sha256);
    assert.deepEqual(Buffer.from(key), createHash('sha256').update('user:realm:pass').digest());
    assert.deepEqual(
      Buffer.from(longTermKey('user', 'realm', 'pass')),
      createHash('md5').update('user:realm:pass').digest(),
    );
    assert.throws(() => longTermKey('u', 'r', 'p', 9), WireError);
  });

  it('USERHASH is SHA-256 of username:realm (RFC 8489 §14.4)', () => {
    assert.deepEqual(
      Buffer.from(computeUserhash('user', 'example.org')),
      createHash('sha256').update('user:example.org').digest(),
    );
  });

  it('SASLprep maps and refuses as RFC 4013 says', () => {
    assert.equal(prepareCredential('The\u00adM\u00aatr\u2168'), 'TheMatrIX');
    assert.equal(prepareCredential('a\u00a0b'), 'a b');
    assert.throws(
      () => shortTermKey('bell\u0007'),
      (e: unknown) => e instanceof WireError && e.code === WireErrorCode.InvalidArgument,
    );
  });

  it('newTransactionId draws 12 bytes from the given source or from WebCrypto', () => {
    const calls: number[] = [];
    const id = newTransactionId((n) => {
      calls.push(n);
      return new Uint8Array(n).fill(7);
    });
    assert.deepEqual(calls, [12]);
    assert.deepEqual(id, new Uint8Array(12).fill(7));
    assert.throws(() => newTransactionId((n) => new Uint8Array(n - 1)), WireError);
    const a = newTransactionId();
    const b = newTransactionId();
    assert.equal(a.length, 12);
    assert.notDeepEqual(a, b);
  });
});
