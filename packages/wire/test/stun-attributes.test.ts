/** Typed attribute values: exact bytes, limits, and every failure code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
  decodeText,
  decodeUint32,
  decodeUint64,
  decodeUnknownAttributes,
  decodeXorAddress,
  encodeAddress,
  encodeAddressErrorCode,
  encodeAddressFamily,
  encodeChangeRequest,
  encodeChannelNumber,
  encodeErrorCode,
  encodeEvenPort,
  encodePasswordAlgorithm,
  encodePasswordAlgorithms,
  encodeRequestedTransport,
  encodeResponsePort,
  encodeText,
  encodeUint32,
  encodeUint64,
  encodeUnknownAttributes,
  encodeXorAddress,
  isComprehensionRequired,
  PasswordAlgorithm,
  type Result,
  StunAttr,
  stunAttributeName,
  stunErrorCodeFor,
  TransportProtocol,
  WireError,
  type WireErrorCode,
} from '../src/index.js';

const TID = new Uint8Array([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);

function bytes(...b: number[]): Uint8Array {
  return new Uint8Array(b);
}

function assertErr<T>(r: Result<T>, code: WireErrorCode, offset?: number): WireError {
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) throw new Error('unreachable');
  assert.ok(r.error instanceof WireError);
  assert.equal(r.error.code, code);
  if (offset !== undefined) assert.equal(r.error.offset, offset);
  return r.error;
}

function throwsCode(fn: () => unknown, code: WireErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof WireError && e.code === code);
}

describe('MAPPED-ADDRESS / XOR-MAPPED-ADDRESS values', () => {
  it('encodes IPv4 and IPv6 exactly', () => {
    assert.deepEqual(
      encodeAddress({ family: 4, address: '192.0.2.1', port: 32853 }),
      bytes(0, 1, 0x80, 0x55, 192, 0, 2, 1),
    );
    assert.deepEqual(
      encodeAddress({ family: 6, address: '2001:db8::1', port: 1 }),
      bytes(0, 2, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    );
    // RFC 5769 §2.2: 192.0.2.1:32853 XORed.
    assert.deepEqual(
      encodeXorAddress({ family: 4, address: '192.0.2.1', port: 32853 }, TID),
      bytes(0, 1, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43),
    );
  });

  it('decodes, ignoring the reserved byte and canonicalizing the text', () => {
    assert.deepEqual(decodeAddress(bytes(0xff, 1, 0, 80, 10, 0, 0, 1)), {
      ok: true,
      value: { family: 4, address: '10.0.0.1', port: 80 },
    });
    const v6 = encodeAddress({ family: 6, address: '2001:DB8:0:0:0:0:0:1', port: 443 });
    assert.deepEqual(decodeAddress(v6), {
      ok: true,
      value: { family: 6, address: '2001:db8::1', port: 443 },
    });
  });

  it('rejects unknown families and wrong lengths', () => {
    assertErr(decodeAddress(bytes(0, 3, 0, 80, 1, 2, 3, 4)), 'STUN_BAD_ADDRESS', 1);
    assertErr(decodeAddress(bytes(0, 1, 0, 80, 1, 2, 3)), 'STUN_BAD_ADDRESS', 0);
    assertErr(decodeAddress(bytes(0, 1, 0, 80, 1, 2, 3, 4, 5)), 'STUN_BAD_ADDRESS', 0);
    assertErr(decodeAddress(bytes(0, 2, 0, 80, 1, 2, 3, 4)), 'STUN_BAD_ADDRESS', 0);
    assertErr(decodeAddress(bytes(0, 1)), 'STUN_BAD_ADDRESS', 0);
    assertErr(decodeXorAddress(bytes(0, 1, 0, 80, 1, 2, 3, 4), new Uint8Array(8)), 'WIRE_INVALID_ARGUMENT');
  });

  it('refuses to encode invalid addresses', () => {
    throwsCode(() => encodeAddress({ family: 4, address: '2001:db8::1', port: 1 }), 'STUN_BAD_ADDRESS');
    throwsCode(() => encodeAddress({ family: 6, address: '1.2.3.4', port: 1 }), 'STUN_BAD_ADDRESS');
    throwsCode(() => encodeAddress({ family: 4, address: 'localhost', port: 1 }), 'STUN_BAD_ADDRESS');
    throwsCode(() => encodeAddress({ family: 4, address: '1.2.3.4', port: 65536 }), 'STUN_BAD_ADDRESS');
    throwsCode(() => encodeAddress({ family: 4, address: '1.2.3.4', port: 1.5 }), 'STUN_BAD_ADDRESS');
    throwsCode(
      () => encodeXorAddress({ family: 4, address: '1.2.3.4', port: 1 }, new Uint8Array(4)),
      'WIRE_INVALID_ARGUMENT',
    );
  });

  it('XOR depends on the transaction id for IPv6 only', () => {
    const other = new Uint8Array(12).fill(0x55);
    const v4 = { family: 4, address: '203.0.113.9', port: 9 } as const;
    const v6 = { family: 6, address: '2001:db8::9', port: 9 } as const;
    assert.deepEqual(encodeXorAddress(v4, TID), encodeXorAddress(v4, other));
    assert.notDeepEqual(encodeXorAddress(v6, TID), encodeXorAddress(v6, other));
    assert.deepEqual(decodeXorAddress(encodeXorAddress(v6, other), other), { ok: true, value: v6 });
  });
});

describe('ERROR-CODE and ADDRESS-ERROR-CODE', () => {
  it('encodes class and number (RFC 8489 §14.8)', () => {
    assert.deepEqual(
      encodeErrorCode({ code: 401, reason: 'Unauthorized' }),
      bytes(0, 0, 4, 1, ...encodeText('Unauthorized')),
    );
    assert.deepEqual(encodeErrorCode({ code: 699, reason: '' }), bytes(0, 0, 6, 99));
    throwsCode(() => encodeErrorCode({ code: 299, reason: '' }), 'STUN_BAD_ERROR_CODE');
    throwsCode(() => encodeErrorCode({ code: 700, reason: '' }), 'STUN_BAD_ERROR_CODE');
    throwsCode(() => encodeErrorCode({ code: 400, reason: 'x'.repeat(128) }), 'STUN_TEXT_TOO_LONG');
  });

  it('decodes, ignoring reserved bits', () => {
    assert.deepEqual(decodeErrorCode(bytes(0xff, 0xff, 0xfc, 20, 0x53)), {
      ok: true,
      value: { code: 420, reason: 'S' },
    });
    assertErr(decodeErrorCode(bytes(0, 0, 7, 0)), 'STUN_BAD_ERROR_CODE', 2);
    assertErr(decodeErrorCode(bytes(0, 0, 2, 0)), 'STUN_BAD_ERROR_CODE', 2);
    assertErr(decodeErrorCode(bytes(0, 0, 4, 100)), 'STUN_BAD_ERROR_CODE', 2);
    assertErr(decodeErrorCode(bytes(0, 0, 4)), 'STUN_BAD_ERROR_CODE', 0);
    assertErr(decodeErrorCode(bytes(0, 0, 4, 0, 0x41, 0xff)), 'STUN_BAD_TEXT', 4);
  });

  it('ADDRESS-ERROR-CODE carries the family (RFC 8656 §18.12)', () => {
    const v = encodeAddressErrorCode({ family: 6, code: 440, reason: 'no v6' });
    assert.deepEqual(v.subarray(0, 4), bytes(2, 0, 4, 40));
    assert.deepEqual(decodeAddressErrorCode(v), {
      ok: true,
      value: { family: 6, code: 440, reason: 'no v6' },
    });
    assertErr(decodeAddressErrorCode(bytes(3, 0, 4, 40)), 'STUN_UNSUPPORTED_FAMILY', 0);
  });
});

describe('UNKNOWN-ATTRIBUTES', () => {
  it('round-trips 16-bit types', () => {
    const v = encodeUnknownAttributes([0x0001, 0x8022, 0xffff]);
    assert.deepEqual(v, bytes(0, 1, 0x80, 0x22, 0xff, 0xff));
    assert.deepEqual(decodeUnknownAttributes(v), { ok: true, value: [0x0001, 0x8022, 0xffff] });
    assertErr(decodeUnknownAttributes(bytes(0, 1, 0)), 'STUN_BAD_ATTRIBUTE', 0);
    throwsCode(() => encodeUnknownAttributes([0x10000]), 'WIRE_INVALID_ARGUMENT');
  });
});

describe('RFC 5780 attributes', () => {
  it('CHANGE-REQUEST uses the A (0x4) and B (0x2) flags', () => {
    assert.deepEqual(encodeChangeRequest({ changeIp: true, changePort: true }), bytes(0, 0, 0, 6));
    assert.deepEqual(encodeChangeRequest({ changeIp: true, changePort: false }), bytes(0, 0, 0, 4));
    assert.deepEqual(encodeChangeRequest({ changeIp: false, changePort: true }), bytes(0, 0, 0, 2));
    assert.deepEqual(decodeChangeRequest(bytes(0xff, 0xff, 0xff, 0xf9)), {
      ok: true,
      value: { changeIp: false, changePort: false },
    });
    assertErr(decodeChangeRequest(bytes(0, 0, 6)), 'STUN_BAD_ATTRIBUTE', 0);
  });

  it('RESPONSE-PORT is a port then 2 padding bytes', () => {
    assert.deepEqual(encodeResponsePort(3478), bytes(0x0d, 0x96, 0, 0));
    assert.deepEqual(decodeResponsePort(bytes(0x0d, 0x96, 0xaa, 0xbb)), { ok: true, value: 3478 });
    assertErr(decodeResponsePort(bytes(0x0d, 0x96)), 'STUN_BAD_ATTRIBUTE', 0);
    throwsCode(() => encodeResponsePort(70000), 'WIRE_INVALID_ARGUMENT');
  });
});

describe('numeric values', () => {
  it('uint32 (LIFETIME, PRIORITY) is exactly 4 bytes', () => {
    assert.deepEqual(encodeUint32(0xffffffff), bytes(0xff, 0xff, 0xff, 0xff));
    assert.deepEqual(decodeUint32(bytes(0x6e, 0, 1, 0xff)), { ok: true, value: 0x6e0001ff });
    assertErr(decodeUint32(bytes(1, 2, 3, 4, 5)), 'STUN_BAD_ATTRIBUTE');
    throwsCode(() => encodeUint32(-1), 'WIRE_INVALID_ARGUMENT');
    throwsCode(() => encodeUint32(2 ** 32), 'WIRE_INVALID_ARGUMENT');
    throwsCode(() => encodeUint32(1.5), 'WIRE_INVALID_ARGUMENT');
  });

  it('uint64 (ICE tie-breakers) as bigint', () => {
    assert.deepEqual(encodeUint64(0xffffffffffffffffn), new Uint8Array(8).fill(0xff));
    assert.deepEqual(decodeUint64(bytes(0, 0, 0, 1, 0, 0, 0, 2)), { ok: true, value: 0x100000002n });
    assertErr(decodeUint64(bytes(1)), 'STUN_BAD_ATTRIBUTE');
    throwsCode(() => encodeUint64(-1n), 'WIRE_INVALID_ARGUMENT');
    throwsCode(() => encodeUint64(1n << 64n), 'WIRE_INVALID_ARGUMENT');
  });
});

describe('text values', () => {
  it('USERNAME allows 508 bytes, not 509 (RFC 8489 §14.3)', () => {
    assert.equal(encodeText('a'.repeat(508), StunAttr.Username).length, 508);
    throwsCode(() => encodeText('a'.repeat(509), StunAttr.Username), 'STUN_TEXT_TOO_LONG');
    assertErr(decodeText(new Uint8Array(509).fill(0x61), StunAttr.Username), 'STUN_TEXT_TOO_LONG', 0);
  });

  it('REALM, NONCE, SOFTWARE allow 127 characters up to 763 bytes', () => {
    for (const type of [StunAttr.Realm, StunAttr.Nonce, StunAttr.Software]) {
      const max = '\u{1F600}'.repeat(127); // 508 bytes, 127 characters (254 UTF-16 units)
      assert.deepEqual(decodeText(encodeText(max, type), type), { ok: true, value: max });
      throwsCode(() => encodeText('a'.repeat(128), type), 'STUN_TEXT_TOO_LONG');
      assertErr(decodeText(encodeText('\u00e9'.repeat(128)), type), 'STUN_TEXT_TOO_LONG');
    }
    assertErr(decodeText(new Uint8Array(764).fill(0x61)), 'STUN_TEXT_TOO_LONG');
    assert.equal(decodeText(new Uint8Array(763).fill(0x61)).ok, true);
  });

  it('rejects malformed UTF-8 instead of replacing it', () => {
    for (const bad of [
      bytes(0xff),
      bytes(0xc0, 0x80),
      bytes(0xed, 0xa0, 0x80),
      bytes(0xe3, 0x83),
      bytes(0x61, 0x80),
    ]) {
      assertErr(decodeText(bad), 'STUN_BAD_TEXT', 0);
    }
    assert.deepEqual(decodeText(bytes(0xef, 0xbb, 0xbf, 0x61)), { ok: true, value: '\ufeffa' });
  });
});

describe('TURN values (RFC 8656 §18)', () => {
  it('CHANNEL-NUMBER', () => {
    assert.deepEqual(encodeChannelNumber(0x4000), bytes(0x40, 0, 0, 0));
    assert.deepEqual(decodeChannelNumber(bytes(0x4f, 0xff, 0, 0)), { ok: true, value: 0x4fff });
    assertErr(decodeChannelNumber(bytes(0x40, 0)), 'STUN_BAD_ATTRIBUTE');
  });

  it('REQUESTED-TRANSPORT', () => {
    assert.deepEqual(encodeRequestedTransport(TransportProtocol.Udp), bytes(17, 0, 0, 0));
    assert.deepEqual(decodeRequestedTransport(bytes(6, 0, 0, 0)), { ok: true, value: TransportProtocol.Tcp });
    assertErr(decodeRequestedTransport(bytes(17)), 'STUN_BAD_ATTRIBUTE');
  });

  it('EVEN-PORT', () => {
    assert.deepEqual(encodeEvenPort(true), bytes(0x80));
    assert.deepEqual(decodeEvenPort(bytes(0x80)), { ok: true, value: { reserveNext: true } });
    assert.deepEqual(decodeEvenPort(bytes(0x7f, 0, 0, 0)), { ok: true, value: { reserveNext: false } });
    assertErr(decodeEvenPort(bytes()), 'STUN_BAD_ATTRIBUTE');
  });

  it('REQUESTED-ADDRESS-FAMILY answers 440 for unknown families', () => {
    assert.deepEqual(encodeAddressFamily(6), bytes(2, 0, 0, 0));
    assert.deepEqual(decodeAddressFamily(bytes(1, 0, 0, 0)), { ok: true, value: 4 });
    const err = assertErr(decodeAddressFamily(bytes(3, 0, 0, 0)), 'STUN_UNSUPPORTED_FAMILY', 0);
    assert.equal(stunErrorCodeFor(err), 440);
    assert.equal(stunErrorCodeFor(assertErr(decodeAddressFamily(bytes(1)), 'STUN_BAD_ATTRIBUTE')), 400);
  });
});

describe('PASSWORD-ALGORITHMS (RFC 8489 §14.11, §14.12)', () => {
  it('lists algorithms with padded parameters', () => {
    const entries = [
      { algorithm: PasswordAlgorithm.Sha256, parameters: new Uint8Array() },
      { algorithm: 0x1234, parameters: bytes(9, 9, 9) },
      { algorithm: PasswordAlgorithm.Md5, parameters: new Uint8Array() },
    ];
    const v = encodePasswordAlgorithms(entries);
    assert.deepEqual(v, bytes(0, 2, 0, 0, 0x12, 0x34, 0, 3, 9, 9, 9, 0, 0, 1, 0, 0));
    assert.deepEqual(decodePasswordAlgorithms(v), { ok: true, value: entries });
    assertErr(decodePasswordAlgorithms(bytes(0, 1, 0, 8, 1)), 'STUN_BAD_ATTRIBUTE', 0);
    assertErr(decodePasswordAlgorithms(bytes(0, 1, 0, 0, 0, 2)), 'STUN_BAD_ATTRIBUTE', 4);
  });

  it('PASSWORD-ALGORITHM holds exactly one', () => {
    const one = { algorithm: PasswordAlgorithm.Sha256, parameters: new Uint8Array() };
    assert.deepEqual(decodePasswordAlgorithm(encodePasswordAlgorithm(one)), { ok: true, value: one });
    assertErr(decodePasswordAlgorithm(bytes()), 'STUN_BAD_ATTRIBUTE');
    assertErr(decodePasswordAlgorithm(bytes(0, 1, 0, 0, 0, 2, 0, 0)), 'STUN_BAD_ATTRIBUTE');
  });
});

describe('attribute registry', () => {
  it('names attributes as the RFCs spell them', () => {
    assert.equal(stunAttributeName(StunAttr.XorMappedAddress), 'XOR-MAPPED-ADDRESS');
    assert.equal(stunAttributeName(StunAttr.MessageIntegritySha256), 'MESSAGE-INTEGRITY-SHA256');
    assert.equal(stunAttributeName(StunAttr.DontFragment), 'DONT-FRAGMENT');
    assert.equal(stunAttributeName(StunAttr.IceControlling), 'ICE-CONTROLLING');
    assert.equal(stunAttributeName(0x7fff), '0x7fff');
  });

  it('marks types below 0x8000 comprehension-required', () => {
    assert.equal(isComprehensionRequired(StunAttr.XorMappedAddress), true);
    assert.equal(isComprehensionRequired(StunAttr.Software), false);
  });
});
