import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeChannelData,
  decodeIcmp,
  decodeReservationToken,
  encodeIcmp,
  encodeChannelData,
  isChannelData,
  makeTurnRestCredentials,
  turnRestExpiry,
  turnRestPassword,
  WireErrorCode,
} from '../src/index.js';

describe('ChannelData (RFC 8656 §12.4)', () => {
  it('encodes the header byte for byte, padding only when asked', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    assert.deepEqual([...encodeChannelData(0x4001, data)], [0x40, 0x01, 0, 5, 1, 2, 3, 4, 5]);
    assert.deepEqual([...encodeChannelData(0x4001, data, true)], [0x40, 0x01, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0]);
    assert.equal(encodeChannelData(0x4fff, new Uint8Array(8), true).length, 12);
  });

  it("writes into the caller's memory when given an allocator, zeroing padding left from before", () => {
    const memory = new Uint8Array(32).fill(0xee);
    let asked = 0;
    const out = encodeChannelData(0x4002, new Uint8Array([9, 8, 7]), true, (n) => {
      asked = n;
      return memory.subarray(4, 4 + n);
    });
    assert.equal(asked, 8);
    assert.equal(out.buffer, memory.buffer);
    assert.deepEqual([...out], [0x40, 0x02, 0, 3, 9, 8, 7, 0]);
    assert.deepEqual([...memory.subarray(0, 4), ...memory.subarray(12)], new Array(24).fill(0xee));
  });

  it('round-trips any channel and data, with or without padding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0x4000, max: 0x7fff }),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (channel, data, pad) => {
          const bytes = encodeChannelData(channel, data, pad);
          assert.ok(isChannelData(bytes));
          assert.equal(bytes.length % 4 === 0 || !pad, true);
          const d = decodeChannelData(bytes);
          assert.ok(d.ok);
          assert.equal(d.value.channel, channel);
          assert.deepEqual(d.value.data, data);
        },
      ),
    );
  });

  it('refuses truncation and out-of-range channels, and never throws on random bytes', () => {
    const bytes = encodeChannelData(0x4000, new Uint8Array(10));
    const cut = decodeChannelData(bytes.subarray(0, 9));
    assert.ok(!cut.ok && cut.error.code === WireErrorCode.StunTruncated);
    const low = decodeChannelData(new Uint8Array([0x3f, 0xff, 0, 0]));
    assert.ok(!low.ok);
    assert.throws(() => encodeChannelData(0x8000, new Uint8Array(1)), {
      code: WireErrorCode.InvalidArgument,
    });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => void decodeChannelData(b)));
  });
});

describe('TURN REST API credentials', () => {
  it('matches HMAC-SHA1 as computed by node:crypto (coturn uses OpenSSL the same way)', () => {
    const username = '1800000000:alice';
    const expected = createHmac('sha1', 'north-wind').update(username).digest('base64');
    assert.equal(turnRestPassword('north-wind', username), expected);
  });

  it('makes `<expiry>:<user>` usernames with the expiry after ttl', () => {
    const c = makeTurnRestCredentials('s3cret', 'cam1', 3600, 1_700_000_000.7);
    assert.equal(c.username, '1700003600:cam1');
    assert.equal(c.expiresAt, 1_700_003_600);
    assert.equal(c.password, createHmac('sha1', 's3cret').update(c.username).digest('base64'));
    assert.equal(turnRestExpiry(c.username), 1_700_003_600);
    assert.equal(makeTurnRestCredentials('s', '', 10, 0).username, '10');
    assert.equal(turnRestExpiry('alice'), undefined);
    assert.throws(() => makeTurnRestCredentials('s', 'a:b', 10, 0));
    assert.throws(() => makeTurnRestCredentials('s', 'a', 0, 0));
  });
});

describe('ICMP and RESERVATION-TOKEN (RFC 8656 §18.13, §18.10)', () => {
  it('encodes ICMP byte for byte and round-trips it', () => {
    const v = { type: 3, code: 4, errorData: 1400 };
    assert.deepEqual([...encodeIcmp(v)], [0, 0, 3, 4, 0, 0, 0x05, 0x78]);
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), fc.nat(0xffffffff), (type, code, errorData) => {
        const d = decodeIcmp(encodeIcmp({ type, code, errorData }));
        assert.deepEqual(d.ok && d.value, { type, code, errorData });
      }),
    );
    assert.ok(!decodeIcmp(new Uint8Array(7)).ok);
    assert.throws(() => encodeIcmp({ type: 256, code: 0, errorData: 0 }));
  });

  it('accepts only 8-byte reservation tokens', () => {
    const t = decodeReservationToken(new Uint8Array(8).fill(9));
    assert.ok(t.ok && t.value.length === 8);
    assert.ok(!decodeReservationToken(new Uint8Array(4)).ok);
  });
});
