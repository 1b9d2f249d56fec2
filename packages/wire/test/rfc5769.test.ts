/**
 * RFC 5769 "Test Vectors for STUN", replayed byte for byte: decode each sample, verify its
 * MESSAGE-INTEGRITY and FINGERPRINT, read its typed attributes, then re-encode it (from the
 * decoded attributes and from typed values) and compare with the vector.
 *
 * Samples 2.1-2.3 pad attribute values with spaces (0x20), which RFC 5389 allowed ("padding
 * bits are ignored, and may be any value") and RFC 8489 §14 no longer does. Re-encoding those
 * byte for byte uses the `paddingByte: 0x20` option; with the default zero padding the output
 * must differ from the vector only in those padding bytes and must still verify.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeStunMessage,
  decodeText,
  decodeUint32,
  decodeUint64,
  decodeXorAddress,
  encodeStunMessage,
  encodeText,
  encodeUint32,
  encodeUint64,
  encodeXorAddress,
  findAttribute,
  longTermKey,
  shortTermKey,
  StunAttr,
  type StunAttribute,
  StunClass,
  type StunMessage,
  StunMethod,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../src/index.js';

function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** RFC 5769 §2.1: Binding request, short-term credentials, ICE attributes. */
const SAMPLE_REQUEST = hex(`
  00 01 00 58   21 12 a4 42   b7 e7 a7 01   bc 34 d6 86   fa 87 df ae
  80 22 00 10   53 54 55 4e   20 74 65 73   74 20 63 6c   69 65 6e 74
  00 24 00 04   6e 00 01 ff
  80 29 00 08   93 2f f9 b1   51 26 3b 36
  00 06 00 09   65 76 74 6a   3a 68 36 76   59 20 20 20
  00 08 00 14   9a ea a7 0c   bf d8 cb 56   78 1e f2 b5   b2 d3 f2 49   c1 b5 71 a2
  80 28 00 04   e5 7a 3b cf
`);

/** RFC 5769 §2.2: Binding success response with an IPv4 XOR-MAPPED-ADDRESS. */
const SAMPLE_IPV4_RESPONSE = hex(`
  01 01 00 3c   21 12 a4 42   b7 e7 a7 01   bc 34 d6 86   fa 87 df ae
  80 22 00 0b   74 65 73 74   20 76 65 63   74 6f 72 20
  00 20 00 08   00 01 a1 47   e1 12 a6 43
  00 08 00 14   2b 91 f5 99   fd 9e 90 c3   8c 74 89 f9   2a f9 ba 53   f0 6b e7 d7
  80 28 00 04   c0 7d 4c 96
`);

/** RFC 5769 §2.3: Binding success response with an IPv6 XOR-MAPPED-ADDRESS. */
const SAMPLE_IPV6_RESPONSE = hex(`
  01 01 00 48   21 12 a4 42   b7 e7 a7 01   bc 34 d6 86   fa 87 df ae
  80 22 00 0b   74 65 73 74   20 76 65 63   74 6f 72 20
  00 20 00 14   00 02 a1 47   01 13 a9 fa   a5 d3 f1 79   bc 25 f4 b5   be d2 b9 d9
  00 08 00 14   a3 82 95 4e   4b e6 7b f1   17 84 c9 7c   82 92 c2 75   bf e3 ed 41
  80 28 00 04   c8 fb 0b 4c
`);

/** RFC 5769 §2.4: Binding request with long-term credentials (no FINGERPRINT). */
const SAMPLE_LONG_TERM_REQUEST = hex(`
  00 01 00 60   21 12 a4 42   78 ad 34 33   c6 ad 72 c0   29 da 41 2e
  00 06 00 12   e3 83 9e e3   83 88 e3 83   aa e3 83 83   e3 82 af e3   82 b9 00 00
  00 15 00 1c   66 2f 2f 34   39 39 6b 39   35 34 64 36   4f 4c 33 34   6f 4c 39 46
                53 54 76 79   36 34 73 41
  00 14 00 0b   65 78 61 6d   70 6c 65 2e   6f 72 67 00
  00 08 00 14   f6 70 24 65   6d d6 4a 3e   02 b8 e0 71   2e 85 c9 a2   8c a8 96 66
`);

const SHORT_TERM_PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';
const LT_USERNAME = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
const LT_PASSWORD = 'The\u00adM\u00aatr\u2168'; // "TheMatrIX" after SASLprep
const LT_REALM = 'example.org';
const LT_NONCE = 'f//499k954d6OL34oL9FSTvy64sA';
const TID_1 = hex('b7 e7 a7 01 bc 34 d6 86 fa 87 df ae');
const TID_4 = hex('78 ad 34 33 c6 ad 72 c0 29 da 41 2e');

function decodeOk(bytes: Uint8Array): StunMessage {
  const r = decodeStunMessage(bytes);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function textOf(msg: StunMessage, type: number): string {
  const a = findAttribute(msg, type);
  assert.ok(a, `attribute 0x${type.toString(16)} present`);
  const r = decodeText(a.value, type);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function withoutSecurity(msg: StunMessage): StunMessage {
  const dropped = new Set<number>([StunAttr.MessageIntegrity, StunAttr.Fingerprint]);
  return { ...msg, attributes: msg.attributes.filter((a) => !dropped.has(a.type)) };
}

/** Offsets of the padding bytes of every attribute in a well-formed message. */
function paddingOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 20; at < bytes.length;) {
    const len = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    const end = at + 4 + ((len + 3) & ~3);
    for (let i = at + 4 + len; i < end; i++) out.push(i);
    at = end;
  }
  return out;
}

/** Asserts `actual` equals `vector` except in padding bytes, which must be zero in `actual`. */
function assertEqualButZeroPadding(actual: Uint8Array, vector: Uint8Array): void {
  assert.equal(actual.length, vector.length);
  const pads = new Set(paddingOffsets(vector));
  assert.ok(pads.size > 0, 'the vector has padding');
  for (let i = 0; i < vector.length; i++) {
    if (pads.has(i)) assert.equal(actual[i], 0, `padding byte ${i} is zero`);
    else if (i < 20 || !isMacByte(vector, i)) assert.equal(actual[i], vector[i], `byte ${i}`);
  }
}

/** MAC/CRC bytes change when padding changes, so they are checked by verifying instead. */
function isMacByte(bytes: Uint8Array, i: number): boolean {
  for (let at = 20; at < bytes.length;) {
    const type = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
    const len = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    const security = type === StunAttr.MessageIntegrity || type === StunAttr.Fingerprint;
    if (security && i >= at + 4 && i < at + 4 + len) return true;
    at += 4 + ((len + 3) & ~3);
  }
  return false;
}

describe('RFC 5769 §2.1 sample request', () => {
  const key = shortTermKey(SHORT_TERM_PASSWORD);

  it('decodes header and every attribute', () => {
    const msg = decodeOk(SAMPLE_REQUEST);
    assert.equal(msg.method, StunMethod.Binding);
    assert.equal(msg.cls, StunClass.Request);
    assert.deepEqual(msg.transactionId, TID_1);
    assert.deepEqual(
      msg.attributes.map((a) => a.type),
      [
        StunAttr.Software,
        StunAttr.Priority,
        StunAttr.IceControlled,
        StunAttr.Username,
        StunAttr.MessageIntegrity,
        StunAttr.Fingerprint,
      ],
    );
    assert.equal(textOf(msg, StunAttr.Software), 'STUN test client');
    assert.equal(textOf(msg, StunAttr.Username), 'evtj:h6vY');
    assert.deepEqual(decodeUint32(findAttribute(msg, StunAttr.Priority)?.value ?? new Uint8Array()), {
      ok: true,
      value: 0x6e0001ff,
    });
    assert.deepEqual(decodeUint64(findAttribute(msg, StunAttr.IceControlled)?.value ?? new Uint8Array()), {
      ok: true,
      value: 0x932ff9b151263b36n,
    });
  });

  it('verifies MESSAGE-INTEGRITY and FINGERPRINT', () => {
    assert.equal(verifyMessageIntegrity(SAMPLE_REQUEST, key), true);
    assert.equal(verifyMessageIntegrity(SAMPLE_REQUEST, shortTermKey('wrong')), false);
    assert.equal(verifyFingerprint(SAMPLE_REQUEST), true);
  });

  it('re-encodes from the decoded attributes byte for byte (space padding)', () => {
    const msg = withoutSecurity(decodeOk(SAMPLE_REQUEST));
    const out = encodeStunMessage(msg, { integrityKey: key, fingerprint: true, paddingByte: 0x20 });
    assert.deepEqual(out, SAMPLE_REQUEST);
  });

  it('re-encodes from typed values byte for byte (space padding)', () => {
    const attributes: StunAttribute[] = [
      { type: StunAttr.Software, value: encodeText('STUN test client', StunAttr.Software) },
      { type: StunAttr.Priority, value: encodeUint32(0x6e0001ff) },
      { type: StunAttr.IceControlled, value: encodeUint64(0x932ff9b151263b36n) },
      { type: StunAttr.Username, value: encodeText('evtj:h6vY', StunAttr.Username) },
    ];
    const msg: StunMessage = {
      method: StunMethod.Binding,
      cls: StunClass.Request,
      transactionId: TID_1,
      attributes,
    };
    const out = encodeStunMessage(msg, { integrityKey: key, fingerprint: true, paddingByte: 0x20 });
    assert.deepEqual(out, SAMPLE_REQUEST);
  });

  it('with RFC 8489 zero padding, differs only in padding and still verifies', () => {
    const msg = withoutSecurity(decodeOk(SAMPLE_REQUEST));
    const out = encodeStunMessage(msg, { integrityKey: key, fingerprint: true });
    assertEqualButZeroPadding(out, SAMPLE_REQUEST);
    assert.equal(verifyMessageIntegrity(out, key), true);
    assert.equal(verifyFingerprint(out), true);
  });
});

for (const [section, vector, family, address] of [
  ['§2.2 sample IPv4 response', SAMPLE_IPV4_RESPONSE, 4, '192.0.2.1'],
  ['§2.3 sample IPv6 response', SAMPLE_IPV6_RESPONSE, 6, '2001:db8:1234:5678:11:2233:4455:6677'],
] as const) {
  describe(`RFC 5769 ${section}`, () => {
    const key = shortTermKey(SHORT_TERM_PASSWORD);
    const expected = { family, address, port: 32853 };

    it('decodes SOFTWARE and XOR-MAPPED-ADDRESS', () => {
      const msg = decodeOk(vector);
      assert.equal(msg.method, StunMethod.Binding);
      assert.equal(msg.cls, StunClass.SuccessResponse);
      assert.deepEqual(msg.transactionId, TID_1);
      assert.equal(textOf(msg, StunAttr.Software), 'test vector');
      const xma = findAttribute(msg, StunAttr.XorMappedAddress);
      assert.ok(xma);
      assert.deepEqual(decodeXorAddress(xma.value, msg.transactionId), { ok: true, value: expected });
    });

    it('verifies MESSAGE-INTEGRITY and FINGERPRINT', () => {
      assert.equal(verifyMessageIntegrity(vector, key), true);
      assert.equal(verifyMessageIntegrity(vector, shortTermKey('VOkJxbRl1RmTxUk/WvJxBT')), false);
      assert.equal(verifyFingerprint(vector), true);
    });

    it('re-encodes from the decoded attributes byte for byte (space padding)', () => {
      const msg = withoutSecurity(decodeOk(vector));
      assert.deepEqual(
        encodeStunMessage(msg, { integrityKey: key, fingerprint: true, paddingByte: 0x20 }),
        vector,
      );
    });

    it('re-encodes from typed values byte for byte (space padding)', () => {
      const msg: StunMessage = {
        method: StunMethod.Binding,
        cls: StunClass.SuccessResponse,
        transactionId: TID_1,
        attributes: [
          { type: StunAttr.Software, value: encodeText('test vector', StunAttr.Software) },
          { type: StunAttr.XorMappedAddress, value: encodeXorAddress(expected, TID_1) },
        ],
      };
      assert.deepEqual(
        encodeStunMessage(msg, { integrityKey: key, fingerprint: true, paddingByte: 0x20 }),
        vector,
      );
    });

    it('with RFC 8489 zero padding, differs only in padding and still verifies', () => {
      const out = encodeStunMessage(withoutSecurity(decodeOk(vector)), {
        integrityKey: key,
        fingerprint: true,
      });
      assertEqualButZeroPadding(out, vector);
      assert.equal(verifyMessageIntegrity(out, key), true);
      assert.equal(verifyFingerprint(out), true);
    });
  });
}

describe('RFC 5769 §2.4 sample request with long-term authentication', () => {
  const key = longTermKey(LT_USERNAME, LT_REALM, LT_PASSWORD);

  it('derives the same key from the password before and after SASLprep', () => {
    assert.deepEqual(key, longTermKey(LT_USERNAME, LT_REALM, 'TheMatrIX'));
    assert.equal(key.length, 16);
  });

  it('decodes USERNAME, NONCE and REALM', () => {
    const msg = decodeOk(SAMPLE_LONG_TERM_REQUEST);
    assert.equal(msg.method, StunMethod.Binding);
    assert.equal(msg.cls, StunClass.Request);
    assert.deepEqual(msg.transactionId, TID_4);
    assert.equal(textOf(msg, StunAttr.Username), LT_USERNAME);
    assert.equal(textOf(msg, StunAttr.Nonce), LT_NONCE);
    assert.equal(textOf(msg, StunAttr.Realm), LT_REALM);
    assert.equal(findAttribute(msg, StunAttr.Fingerprint), undefined);
  });

  it('verifies MESSAGE-INTEGRITY with the long-term key only', () => {
    assert.equal(verifyMessageIntegrity(SAMPLE_LONG_TERM_REQUEST, key), true);
    assert.equal(
      verifyMessageIntegrity(SAMPLE_LONG_TERM_REQUEST, longTermKey(LT_USERNAME, LT_REALM, 'TheMatrIXx')),
      false,
    );
    assert.equal(verifyMessageIntegrity(SAMPLE_LONG_TERM_REQUEST, shortTermKey(LT_PASSWORD)), false);
    assert.equal(verifyFingerprint(SAMPLE_LONG_TERM_REQUEST), false, 'this sample has no FINGERPRINT');
  });

  it('re-encodes from the decoded attributes byte for byte (zero padding)', () => {
    const msg = withoutSecurity(decodeOk(SAMPLE_LONG_TERM_REQUEST));
    assert.deepEqual(encodeStunMessage(msg, { integrityKey: key }), SAMPLE_LONG_TERM_REQUEST);
  });

  it('re-encodes from typed values byte for byte', () => {
    const msg: StunMessage = {
      method: StunMethod.Binding,
      cls: StunClass.Request,
      transactionId: TID_4,
      attributes: [
        { type: StunAttr.Username, value: encodeText(LT_USERNAME, StunAttr.Username) },
        { type: StunAttr.Nonce, value: encodeText(LT_NONCE, StunAttr.Nonce) },
        { type: StunAttr.Realm, value: encodeText(LT_REALM, StunAttr.Realm) },
      ],
    };
    assert.deepEqual(encodeStunMessage(msg, { integrityKey: key }), SAMPLE_LONG_TERM_REQUEST);
  });
});
