/**
 * Property tests: any message the encoder accepts decodes back to itself, with the header
 * length equal to the encoded length minus 20, and typed attribute values survive the trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeAddress,
  decodeChangeRequest,
  decodeErrorCode,
  decodeStunMessage,
  decodeText,
  decodeUint32,
  decodeUnknownAttributes,
  decodeXorAddress,
  encodeAddress,
  encodeChangeRequest,
  encodeErrorCode,
  encodeStunMessage,
  encodeText,
  encodeUint32,
  encodeUnknownAttributes,
  encodeXorAddress,
  formatIp,
  isStunMessage,
  parseIp,
  type Result,
  StunAttr,
  type StunAttribute,
  type StunClassValue,
  type StunMessage,
  type TransportAddress,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from '../src/index.js';

const SECURITY = new Set<number>([
  StunAttr.MessageIntegrity,
  StunAttr.MessageIntegritySha256,
  StunAttr.Fingerprint,
]);

/** An attribute plus how to check its typed value after decoding. */
interface Spec {
  attr: (tid: Uint8Array) => StunAttribute;
  check: (value: Uint8Array, tid: Uint8Array) => void;
}

function canonical(text: string): string {
  const ip = parseIp(text);
  assert.ok(ip, text);
  return formatIp(ip.bytes);
}

const transportAddress: fc.Arbitrary<TransportAddress> = fc.oneof(
  fc.record({
    family: fc.constant(4 as const),
    address: fc.ipV4(),
    port: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({
    family: fc.constant(6 as const),
    address: fc.ipV6(),
    port: fc.integer({ min: 0, max: 0xffff }),
  }),
);

function expectValue<T>(r: Result<T>, expected: T): void {
  if (!r.ok) assert.fail(r.error.message);
  // fc.record may build null-prototype objects; compare own enumerable properties only.
  const isRecord = typeof expected === 'object' && expected !== null && !Array.isArray(expected);
  const plainExpected = isRecord ? { ...expected } : expected;
  assert.deepEqual(r.value, plainExpected);
}

const rawSpec: fc.Arbitrary<Spec> = fc
  .record({
    type: fc.integer({ min: 0, max: 0xffff }).filter((t) => !SECURITY.has(t)),
    value: fc.uint8Array({ maxLength: 48 }),
  })
  .map(({ type, value }) => ({
    attr: () => ({ type, value }),
    check: (v) => assert.deepEqual(v, value),
  }));

const addressSpec: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom(
      StunAttr.MappedAddress,
      StunAttr.AlternateServer,
      StunAttr.ResponseOrigin,
      StunAttr.OtherAddress,
    ),
    transportAddress,
  )
  .map(([type, addr]) => ({
    attr: () => ({ type, value: encodeAddress(addr) }),
    check: (v) => expectValue(decodeAddress(v), { ...addr, address: canonical(addr.address) }),
  }));

const xorAddressSpec: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom(StunAttr.XorMappedAddress, StunAttr.XorPeerAddress, StunAttr.XorRelayedAddress),
    transportAddress,
  )
  .map(([type, addr]) => ({
    attr: (tid) => ({ type, value: encodeXorAddress(addr, tid) }),
    check: (v, tid) => expectValue(decodeXorAddress(v, tid), { ...addr, address: canonical(addr.address) }),
  }));

const errorCodeSpec: fc.Arbitrary<Spec> = fc
  .record({ code: fc.integer({ min: 300, max: 699 }), reason: fc.string({ unit: 'binary', maxLength: 40 }) })
  .map((e) => ({
    attr: () => ({ type: StunAttr.ErrorCode, value: encodeErrorCode(e) }),
    check: (v) => expectValue(decodeErrorCode(v), e),
  }));

const textSpec: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom(StunAttr.Software, StunAttr.Realm, StunAttr.Nonce, StunAttr.Username),
    fc.string({ unit: 'binary', maxLength: 60 }),
  )
  .map(([type, s]) => ({
    attr: () => ({ type, value: encodeText(s, type) }),
    check: (v) => expectValue(decodeText(v, type), s),
  }));

const scalarSpec: fc.Arbitrary<Spec> = fc.oneof(
  fc
    .tuple(fc.constantFrom(StunAttr.Lifetime, StunAttr.Priority), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([type, n]) => ({
      attr: () => ({ type, value: encodeUint32(n) }),
      check: (v: Uint8Array) => expectValue(decodeUint32(v), n),
    })),
  fc.record({ changeIp: fc.boolean(), changePort: fc.boolean() }).map((r) => ({
    attr: () => ({ type: StunAttr.ChangeRequest, value: encodeChangeRequest(r) }),
    check: (v: Uint8Array) => expectValue(decodeChangeRequest(v), r),
  })),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }).map((types) => ({
    attr: () => ({ type: StunAttr.UnknownAttributes, value: encodeUnknownAttributes(types) }),
    check: (v: Uint8Array) => expectValue(decodeUnknownAttributes(v), types),
  })),
);

const specs = fc.array(fc.oneof(rawSpec, addressSpec, xorAddressSpec, errorCodeSpec, textSpec, scalarSpec), {
  maxLength: 8,
});

const header = fc.record({
  method: fc.integer({ min: 0, max: 0xfff }),
  cls: fc.constantFrom<StunClassValue>(0, 1, 2, 3),
  transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
});

const options = fc.record({
  integrityKey: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
  integritySha256Key: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
  integritySha256Length: fc.constantFrom(16, 20, 24, 28, 32),
  fingerprint: fc.boolean(),
});

describe('STUN encode -> decode properties', () => {
  it('round-trips random messages, typed values included, with a correct length field', () => {
    fc.assert(
      fc.property(header, specs, options, (h, attrSpecs, opt) => {
        const attributes = attrSpecs.map((s) => s.attr(h.transactionId));
        const msg: StunMessage = { ...h, attributes };
        const { integrityKey, integritySha256Key } = opt;
        const bytes = encodeStunMessage(msg, opt);

        // The length field is the real encoded length minus the 20-byte header.
        assert.equal(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0), bytes.length - 20);
        assert.equal(bytes.length % 4, 0);
        assert.equal(isStunMessage(bytes), true);

        const decoded = decodeStunMessage(bytes);
        if (!decoded.ok) assert.fail(decoded.error.message);
        const d = decoded.value;
        assert.equal(d.method, h.method);
        assert.equal(d.cls, h.cls);
        assert.deepEqual(d.transactionId, h.transactionId);

        const plain = d.attributes.filter((a) => !SECURITY.has(a.type));
        assert.deepEqual(plain, attributes);
        attrSpecs.forEach((s, i) => s.check(plain[i]?.value ?? new Uint8Array(), d.transactionId));

        // Appended attributes come in RFC 8489 order: MI, MI-SHA256, FINGERPRINT.
        const appended = d.attributes.slice(attributes.length).map((a) => a.type);
        const expectedAppended = [
          ...(integrityKey !== undefined ? [StunAttr.MessageIntegrity] : []),
          ...(integritySha256Key !== undefined ? [StunAttr.MessageIntegritySha256] : []),
          ...(opt.fingerprint ? [StunAttr.Fingerprint] : []),
        ];
        assert.deepEqual(appended, expectedAppended);
        if (integrityKey !== undefined) assert.equal(verifyMessageIntegrity(bytes, integrityKey), true);
        if (integritySha256Key !== undefined) {
          assert.equal(verifyMessageIntegritySha256(bytes, integritySha256Key), true);
        }
        assert.equal(verifyFingerprint(bytes), opt.fingerprint);
      }),
      { numRuns: 500 },
    );
  });

  it('re-encoding a decoded message reproduces it (decode is a left inverse of encode)', () => {
    fc.assert(
      fc.property(header, specs, options, (h, attrSpecs, opt) => {
        const msg: StunMessage = { ...h, attributes: attrSpecs.map((s) => s.attr(h.transactionId)) };
        const first = encodeStunMessage(msg, {
          fingerprint: opt.fingerprint,
          integrityKey: opt.integrityKey,
        });
        const decoded = decodeStunMessage(first);
        if (!decoded.ok) assert.fail(decoded.error.message);
        // Security attributes are carried raw when no keys are given, so the bytes are identical.
        assert.deepEqual(encodeStunMessage(decoded.value), first);
      }),
      { numRuns: 200 },
    );
  });
});
