/** Message framing: header checks, error codes and offsets, type packing, ignore rules, encoder checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeMessageType,
  decodeStunMessage,
  describeStunMessage,
  encodeMessageType,
  encodeStunMessage,
  encodeText,
  encodeXorAddress,
  findAttribute,
  isStunMessage,
  shortTermKey,
  StunAttr,
  StunClass,
  type StunClassValue,
  type StunMessage,
  StunMethod,
  stunFrameLength,
  verifyFingerprint,
  verifyMessageIntegrity,
  WireError,
  type WireErrorCode,
} from '../src/index.js';

const TID = new Uint8Array([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);

function header(type: number, length: number): Uint8Array {
  const out = new Uint8Array(20);
  out.set([type >> 8, type & 0xff, length >> 8, length & 0xff, 0x21, 0x12, 0xa4, 0x42]);
  out.set(TID, 8);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function assertFails(bytes: Uint8Array, code: WireErrorCode, offset: number): void {
  const r = decodeStunMessage(bytes);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(r.error instanceof WireError);
  assert.equal(r.error.code, code);
  assert.equal(r.error.offset, offset);
  assert.match(r.error.message, new RegExp(`at byte ${offset}\\)$`));
}

describe('decodeStunMessage errors', () => {
  it('reports a stable code and the offset of the offending structure', () => {
    assertFails(new Uint8Array(19), 'STUN_TRUNCATED', 0);
    assertFails(header(0xc001, 0), 'STUN_NOT_STUN', 0);
    const badCookie = header(0x0001, 0);
    badCookie[7] = 0x43;
    assertFails(badCookie, 'STUN_NOT_STUN', 4);
    assertFails(concat(header(0x0001, 3), new Uint8Array(3)), 'STUN_BAD_LENGTH', 2);
    assertFails(concat(header(0x0001, 8), new Uint8Array(4)), 'STUN_TRUNCATED', 2);
    assertFails(concat(header(0x0001, 4), new Uint8Array(8)), 'STUN_BAD_LENGTH', 24);
    // SOFTWARE claiming 9 bytes in an 8-byte body.
    assertFails(
      concat(header(0x0001, 8), new Uint8Array([0x80, 0x22, 0, 9, 1, 2, 3, 4])),
      'STUN_BAD_ATTRIBUTE',
      20,
    );
    // The second attribute overruns.
    assertFails(
      concat(header(0x0001, 12), new Uint8Array([0, 0x24, 0, 4, 1, 2, 3, 4, 0x80, 0x22, 0, 1])),
      'STUN_BAD_ATTRIBUTE',
      28,
    );
    // MESSAGE-INTEGRITY must be 20 bytes.
    assertFails(
      concat(header(0x0001, 20), new Uint8Array([0, 8, 0, 16]), new Uint8Array(16)),
      'STUN_BAD_ATTRIBUTE',
      20,
    );
    // FINGERPRINT must be 4 bytes and last.
    assertFails(
      concat(header(0x0001, 12), new Uint8Array([0x80, 0x28, 0, 8]), new Uint8Array(8)),
      'STUN_BAD_ATTRIBUTE',
      20,
    );
    assertFails(
      concat(header(0x0001, 12), new Uint8Array([0x80, 0x28, 0, 4, 0, 0, 0, 0, 0x80, 0x22, 0, 0])),
      'STUN_ATTRIBUTE_ORDER',
      28,
    );
  });

  it('accepts an empty body and zero-length attributes', () => {
    const r = decodeStunMessage(concat(header(0x0001, 4), new Uint8Array([0, 0x25, 0, 0])));
    assert.ok(r.ok);
    assert.deepEqual(r.value.attributes, [{ type: StunAttr.UseCandidate, value: new Uint8Array() }]);
  });

  it('ignores attributes after MESSAGE-INTEGRITY except MI-SHA256 and FINGERPRINT (RFC 8489 §14.5)', () => {
    const key = shortTermKey('pw');
    const signed = decodeStunMessage(
      encodeStunMessage(
        {
          method: 1,
          cls: 0,
          transactionId: TID,
          attributes: [{ type: StunAttr.Username, value: encodeText('u') }],
        },
        { integrityKey: key },
      ),
    );
    assert.ok(signed.ok);
    // An on-path attacker appends an unauthenticated attribute and a fresh, valid FINGERPRINT.
    const forged = encodeStunMessage(
      {
        ...signed.value,
        attributes: [
          ...signed.value.attributes,
          {
            type: StunAttr.XorMappedAddress,
            value: encodeXorAddress({ family: 4, address: '6.6.6.6', port: 6 }, TID),
          },
        ],
      },
      { fingerprint: true },
    );
    assert.equal(verifyMessageIntegrity(forged, key), true, 'the MAC still covers what it covered');
    assert.equal(verifyFingerprint(forged), true);
    const r = decodeStunMessage(forged);
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.attributes.map((a) => a.type),
      [StunAttr.Username, StunAttr.MessageIntegrity, StunAttr.Fingerprint],
    );
    assert.equal(findAttribute(r.value, StunAttr.XorMappedAddress), undefined);
  });

  it('ignores attributes after MESSAGE-INTEGRITY-SHA256 except FINGERPRINT (RFC 8489 §14.6)', () => {
    const raw = (type: number, n: number) => ({ type, value: new Uint8Array(n) });
    const bytes = encodeStunMessage({
      method: 1,
      cls: 0,
      transactionId: TID,
      attributes: [
        raw(StunAttr.Username, 1),
        raw(StunAttr.MessageIntegrity, 20),
        raw(StunAttr.MessageIntegritySha256, 32),
        raw(StunAttr.MessageIntegrity, 20), // a second MI is not an exception
        raw(StunAttr.MessageIntegritySha256, 16), // nor a second MI-SHA256
        raw(StunAttr.Software, 3),
        raw(StunAttr.Fingerprint, 4),
      ],
    });
    const r = decodeStunMessage(bytes);
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.attributes.map((a) => a.type),
      [StunAttr.Username, StunAttr.MessageIntegrity, StunAttr.MessageIntegritySha256, StunAttr.Fingerprint],
    );
  });

  it('copies values out of the input buffer', () => {
    const bytes = encodeStunMessage({
      method: 1,
      cls: 0,
      transactionId: TID,
      attributes: [{ type: StunAttr.Software, value: encodeText('abc') }],
    });
    const r = decodeStunMessage(Buffer.from(bytes));
    assert.ok(r.ok);
    bytes.fill(0);
    assert.deepEqual(r.value.attributes[0]?.value, encodeText('abc'));
    assert.equal(Object.getPrototypeOf(r.value.transactionId), Uint8Array.prototype);
  });
});

describe('message type (RFC 8489 §5)', () => {
  it('packs method and class as the RFC figure shows', () => {
    const cases: [number, StunClassValue, number][] = [
      [StunMethod.Binding, StunClass.Request, 0x0001],
      [StunMethod.Binding, StunClass.Indication, 0x0011],
      [StunMethod.Binding, StunClass.SuccessResponse, 0x0101],
      [StunMethod.Binding, StunClass.ErrorResponse, 0x0111],
      [StunMethod.Allocate, StunClass.Request, 0x0003],
      [StunMethod.Allocate, StunClass.ErrorResponse, 0x0113],
      [StunMethod.Send, StunClass.Indication, 0x0016],
      [StunMethod.Data, StunClass.Indication, 0x0017],
      [StunMethod.ChannelBind, StunClass.SuccessResponse, 0x0109],
      [StunMethod.ConnectionAttempt, StunClass.Indication, 0x001c],
      [0xfff, StunClass.ErrorResponse, 0x3fff],
    ];
    for (const [method, cls, type] of cases) {
      assert.equal(encodeMessageType(method, cls), type);
      assert.deepEqual(decodeMessageType(type), { method, cls });
    }
  });

  it('is a bijection on the 14-bit space', () => {
    for (let type = 0; type < 0x4000; type++) {
      const { method, cls } = decodeMessageType(type);
      assert.equal(encodeMessageType(method, cls), type);
    }
  });
});

describe('demultiplexing', () => {
  const binding = encodeStunMessage(
    { method: 1, cls: 0, transactionId: TID, attributes: [] },
    { fingerprint: true },
  );

  it('isStunMessage tells STUN from RTP, DTLS, ChannelData and junk (RFC 7983)', () => {
    assert.equal(isStunMessage(binding), true);
    assert.equal(isStunMessage(concat(binding, new Uint8Array(4))), false, 'trailing bytes');
    assert.equal(isStunMessage(binding.subarray(0, 20)), false, 'short');
    const rtp = new Uint8Array(binding);
    rtp[0] = 0x80;
    assert.equal(isStunMessage(rtp), false);
    const dtls = new Uint8Array(binding);
    dtls.set([22, 0xfe, 0xfd, 0, 0, 0, 0, 0]); // content type, version, epoch, sequence number
    assert.equal(isStunMessage(dtls), false);
    const channelData = new Uint8Array(binding);
    channelData[0] = 0x40;
    assert.equal(isStunMessage(channelData), false);
    const oddLength = concat(header(0x0001, 2), new Uint8Array(2));
    assert.equal(isStunMessage(oddLength), false);
  });

  it('stunFrameLength frames a byte stream from the first 8 bytes', () => {
    assert.deepEqual(stunFrameLength(binding.subarray(0, 8)), { ok: true, value: binding.length });
    const short = stunFrameLength(binding.subarray(0, 7));
    assert.equal(short.ok, false);
    if (!short.ok) assert.equal(short.error.code, 'STUN_TRUNCATED');
    const notStun = stunFrameLength(new Uint8Array([0x40, 0, 0, 4, 0, 0, 0, 0]));
    assert.equal(notStun.ok, false);
    if (!notStun.ok) assert.equal(notStun.error.code, 'STUN_NOT_STUN');
  });
});

describe('encodeStunMessage', () => {
  const base: StunMessage = { method: 1, cls: 0, transactionId: TID, attributes: [] };
  const rejects = (msg: StunMessage, opts: Parameters<typeof encodeStunMessage>[1] = {}): void => {
    assert.throws(
      () => encodeStunMessage(msg, opts),
      (e: unknown) => e instanceof WireError && e.code === 'WIRE_INVALID_ARGUMENT',
    );
  };

  it('refuses what cannot be encoded', () => {
    rejects({ ...base, transactionId: new Uint8Array(11) });
    rejects({ ...base, method: 0x1000 });
    rejects({ ...base, method: -1 });
    rejects({ ...base, cls: 4 as StunClassValue });
    rejects({ ...base, attributes: [{ type: 0x10000, value: new Uint8Array() }] });
    rejects({ ...base, attributes: [{ type: 1, value: new Uint8Array(0x10000) }] });
    rejects({
      ...base,
      attributes: [
        { type: 1, value: new Uint8Array(0xfff0) },
        { type: 2, value: new Uint8Array(16) },
      ],
    });
    rejects(base, { integritySha256Key: new Uint8Array(1), integritySha256Length: 18 });
    rejects(base, { integritySha256Key: new Uint8Array(1), integritySha256Length: 36 });
    rejects(base, { paddingByte: 256 });
    // Appending a security attribute after one that must follow it would misplace it.
    const fp = { type: StunAttr.Fingerprint, value: new Uint8Array(4) };
    const mi = { type: StunAttr.MessageIntegrity, value: new Uint8Array(20) };
    const mi256 = { type: StunAttr.MessageIntegritySha256, value: new Uint8Array(32) };
    rejects({ ...base, attributes: [fp] }, { fingerprint: true });
    rejects({ ...base, attributes: [fp] }, { integritySha256Key: new Uint8Array(1) });
    rejects({ ...base, attributes: [mi] }, { integrityKey: new Uint8Array(1) });
    rejects({ ...base, attributes: [mi256] }, { integrityKey: new Uint8Array(1) });
    rejects({ ...base, attributes: [mi256] }, { integritySha256Key: new Uint8Array(1) });
    // ...while appending after those that precede it is fine.
    assert.equal(
      decodeStunMessage(encodeStunMessage({ ...base, attributes: [mi, mi256] }, { fingerprint: true })).ok,
      true,
    );
    assert.equal(
      decodeStunMessage(
        encodeStunMessage({ ...base, attributes: [mi] }, { integritySha256Key: new Uint8Array(1) }),
      ).ok,
      true,
    );
  });

  it('encodes the largest message the length field allows', () => {
    const bytes = encodeStunMessage({
      ...base,
      attributes: [{ type: StunAttr.Data, value: new Uint8Array(0xfff8) }],
    });
    assert.equal(bytes.length, 20 + 0xfffc);
    assert.equal(decodeStunMessage(bytes).ok, true);
  });

  it('pads each attribute to 32 bits with zeros by default', () => {
    const bytes = encodeStunMessage({
      ...base,
      attributes: [{ type: StunAttr.Software, value: encodeText('a') }],
    });
    assert.deepEqual(bytes.subarray(20), new Uint8Array([0x80, 0x22, 0, 1, 0x61, 0, 0, 0]));
    assert.equal(bytes[3], 8);
  });

  it('findAttribute returns the first of duplicates (RFC 8489 §14)', () => {
    const msg: StunMessage = {
      ...base,
      attributes: [
        { type: StunAttr.Software, value: encodeText('first') },
        { type: StunAttr.Software, value: encodeText('second') },
      ],
    };
    assert.deepEqual(findAttribute(msg, StunAttr.Software)?.value, encodeText('first'));
    assert.equal(findAttribute(msg, StunAttr.Realm), undefined);
  });

  it('carries every named attribute type as a raw TLV', () => {
    const types = Object.values(StunAttr).filter(
      (t) =>
        t !== StunAttr.MessageIntegrity &&
        t !== StunAttr.MessageIntegritySha256 &&
        t !== StunAttr.Fingerprint,
    );
    const attributes = types.map((type, i) => ({ type, value: new Uint8Array(i % 7).fill(i) }));
    const bytes = encodeStunMessage(
      { ...base, attributes },
      { integrityKey: new Uint8Array([1]), fingerprint: true },
    );
    const r = decodeStunMessage(bytes);
    assert.ok(r.ok);
    assert.deepEqual(r.value.attributes.slice(0, -2), attributes);
    assert.equal(verifyFingerprint(bytes), true);
  });
});

describe('describeStunMessage', () => {
  it('summarizes a message in one line', () => {
    const msg: StunMessage = {
      method: StunMethod.Binding,
      cls: StunClass.SuccessResponse,
      transactionId: TID,
      attributes: [
        { type: StunAttr.Software, value: encodeText('test vector') },
        {
          type: StunAttr.XorMappedAddress,
          value: encodeXorAddress({ family: 6, address: '2001:db8::1', port: 32853 }, TID),
        },
        { type: StunAttr.Username, value: encodeText('secret-user') },
        { type: 0x7777, value: new Uint8Array(3) },
      ],
    };
    assert.equal(
      describeStunMessage(msg),
      'Binding SuccessResponse b7e7a701bc34d686fa87dfae [SOFTWARE "test vector", ' +
        'XOR-MAPPED-ADDRESS [2001:db8::1]:32853, USERNAME (11 bytes), 0x7777 (3 bytes)]',
    );
  });
});
