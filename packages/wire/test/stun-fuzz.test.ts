/**
 * Hostile input: random bytes, random bodies behind a valid header, truncated and bit-flipped
 * valid messages, and random attribute values. Decoders must return `{ ok: false }` with a
 * WireError (stable code, in-range offset) or a valid message, and must never throw.
 * About 12,000 inputs in total.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeAddress,
  decodeAddressErrorCode,
  decodeAddressFamily,
  decodeChangeRequest,
  decodeChannelNumber,
  decodeErrorCode,
  decodeEvenPort,
  decodePasswordAlgorithm,
  decodePasswordAlgorithms,
  decodeRequestedTransport,
  decodeResponsePort,
  decodeStunMessage,
  decodeText,
  decodeUint32,
  decodeUint64,
  decodeUnknownAttributes,
  decodeXorAddress,
  describeStunMessage,
  encodeStunMessage,
  encodeText,
  isStunMessage,
  type Result,
  StunAttr,
  type StunClassValue,
  stunFrameLength,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  WireError,
  WireErrorCode,
} from '../src/index.js';

const KNOWN_CODES = new Set<string>(Object.values(WireErrorCode));
const KEY = new TextEncoder().encode('fuzz-key');

function assertWellFormedResult<T>(r: Result<T>, inputLength: number): void {
  if (r.ok) return;
  assert.ok(r.error instanceof WireError);
  assert.ok(KNOWN_CODES.has(r.error.code), r.error.code);
  if (r.error.offset !== undefined) {
    assert.ok(
      r.error.offset >= 0 && r.error.offset <= inputLength,
      `offset ${r.error.offset} of ${inputLength}`,
    );
  }
}

/** Everything a receiver might do with untrusted bytes; none of it may throw. */
function exerciseReceiver(bytes: Uint8Array): Result<unknown> {
  const r = decodeStunMessage(bytes);
  assertWellFormedResult(r, bytes.length);
  assert.equal(typeof isStunMessage(bytes), 'boolean');
  assert.equal(typeof verifyFingerprint(bytes), 'boolean');
  assert.equal(typeof verifyMessageIntegrity(bytes, KEY), 'boolean');
  assert.equal(typeof verifyMessageIntegritySha256(bytes, KEY), 'boolean');
  assertWellFormedResult(stunFrameLength(bytes), bytes.length);
  if (r.ok) {
    // A message that decodes is STUN by the cheap test too, and re-encodes to itself.
    assert.equal(isStunMessage(bytes), true);
    assert.equal(typeof describeStunMessage(r.value), 'string');
    const again = decodeStunMessage(encodeStunMessage(r.value));
    assert.deepEqual(again, r);
  }
  return r;
}

const validMessage = fc
  .record({
    method: fc.integer({ min: 0, max: 0xfff }),
    cls: fc.constantFrom<StunClassValue>(0, 1, 2, 3),
    transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    software: fc.string({ maxLength: 30 }),
    extra: fc.array(
      fc.record({ type: fc.integer({ min: 0, max: 0x7fff }), value: fc.uint8Array({ maxLength: 24 }) }),
      { maxLength: 4 },
    ),
  })
  .filter((m) =>
    m.extra.every((a) => a.type !== StunAttr.MessageIntegrity && a.type !== StunAttr.MessageIntegritySha256),
  )
  .map((m) =>
    encodeStunMessage(
      {
        method: m.method,
        cls: m.cls,
        transactionId: m.transactionId,
        attributes: [{ type: StunAttr.Software, value: encodeText(m.software) }, ...m.extra],
      },
      { integrityKey: KEY, fingerprint: true },
    ),
  );

/** Start and end of the first MESSAGE-INTEGRITY attribute (header included) in a valid message. */
function integrityEnd(bytes: Uint8Array): number {
  for (let at = 20; at < bytes.length;) {
    const type = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
    const len = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    if (type === StunAttr.MessageIntegrity) return at + 4 + len;
    at += 4 + ((len + 3) & ~3);
  }
  assert.fail('no MESSAGE-INTEGRITY');
}

describe('STUN decoder on hostile input', () => {
  it('fully random bytes: never throws (3,000 inputs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
        exerciseReceiver(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bodies behind a valid header: TLV walk never throws (3,000 inputs)', () => {
    const framed = fc
      .tuple(
        fc.integer({ min: 0, max: 0x3fff }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.array(
          fc.oneof(
            // Mostly plausible TLVs so that many inputs get deep into the walk...
            fc
              .tuple(
                fc.integer({ min: 0, max: 0xffff }),
                fc.uint8Array({ maxLength: 24 }),
                fc.integer({ min: -4, max: 4 }),
              )
              .map(([type, value, skew]) => {
                const out = new Uint8Array(4 + ((value.length + 3) & ~3));
                const len = Math.max(0, value.length + skew);
                out.set([type >> 8, type & 0xff, len >> 8, len & 0xff]);
                out.set(value, 4);
                return out;
              }),
            // ...and some pure noise.
            fc.uint8Array({ minLength: 4, maxLength: 16 }).map((b) => b.subarray(0, b.length & ~3)),
          ),
          { maxLength: 6 },
        ),
      )
      .map(([type, tid, parts]) => {
        const bodyLength = parts.reduce((n, p) => n + p.length, 0);
        const out = new Uint8Array(20 + bodyLength);
        out.set([type >> 8, type & 0xff, bodyLength >> 8, bodyLength & 0xff, 0x21, 0x12, 0xa4, 0x42]);
        out.set(tid, 8);
        let at = 20;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      });
    let decodedOk = 0;
    fc.assert(
      fc.property(framed, (bytes) => {
        if (exerciseReceiver(bytes).ok) decodedOk++;
      }),
      { numRuns: 3000 },
    );
    // The generator is only useful if it reaches both outcomes often.
    assert.ok(decodedOk > 300, `only ${decodedOk} inputs decoded`);
  });

  it('truncated valid messages fail with STUN_TRUNCATED (2,000 inputs)', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), (bytes, cut) => {
        const short = bytes.subarray(0, cut % bytes.length);
        const r = exerciseReceiver(short);
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error.code, WireErrorCode.StunTruncated);
        assert.equal(verifyFingerprint(short), false);
        assert.equal(verifyMessageIntegrity(short, KEY), false);
      }),
      { numRuns: 2000 },
    );
  });

  it('bit-flipped valid messages never pass FINGERPRINT, nor MESSAGE-INTEGRITY when it covers the flip (2,000 inputs)', () => {
    fc.assert(
      fc.property(
        validMessage,
        fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 }),
        (bytes, positions) => {
          const miEnd = integrityEnd(bytes);
          const flipped = new Uint8Array(bytes);
          const bits = [...new Set(positions.map((p) => p % (bytes.length * 8)))];
          for (const bit of bits) flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7));
          exerciseReceiver(flipped);
          // CRC-32 catches every error of up to 3 bits in messages this short.
          assert.equal(verifyFingerprint(flipped), false);
          // MESSAGE-INTEGRITY covers everything before its end and nothing after it: a flip in
          // the FINGERPRINT value alone leaves it valid.
          const bytesHit = bits.map((b) => b >> 3);
          if (bytesHit.every((i) => i < miEnd)) assert.equal(verifyMessageIntegrity(flipped, KEY), false);
          if (bytesHit.every((i) => i >= bytes.length - 4))
            assert.equal(verifyMessageIntegrity(flipped, KEY), true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('attribute value decoders never throw on random values (2,000 inputs)', () => {
    const tid = new Uint8Array(12);
    const decoders: ((v: Uint8Array) => Result<unknown>)[] = [
      decodeAddress,
      (v) => decodeXorAddress(v, tid),
      decodeErrorCode,
      decodeAddressErrorCode,
      decodeUnknownAttributes,
      decodeChangeRequest,
      decodeResponsePort,
      decodeUint32,
      decodeUint64,
      decodeText,
      (v) => decodeText(v, StunAttr.Username),
      decodeChannelNumber,
      decodeRequestedTransport,
      decodeEvenPort,
      decodeAddressFamily,
      decodePasswordAlgorithms,
      decodePasswordAlgorithm,
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (value) => {
        for (const decode of decoders) assertWellFormedResult(decode(value), value.length);
      }),
      { numRuns: 2000 },
    );
  });
});
