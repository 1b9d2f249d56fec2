/**
 * The KCP segment codec: one segment byte for byte against ikcp's layout (ikcp.c
 * `ikcp_encode_seg`: little-endian conv u32, cmd u8, frg u8, wnd u16, ts u32, sn u32, una u32,
 * len u32), round trips of any segment list, encoded length equals the sum of 24 + len, and
 * truncated, bit-flipped or random input never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeKcpSegments,
  encodeKcpSegments,
  KCP_OVERHEAD,
  KcpCommand,
  kcpConv,
  type KcpSegment,
  kcpSegmentLength,
  writeKcpSegment,
} from '../src/index.js';

const segment: fc.Arbitrary<KcpSegment> = fc.record({
  conv: fc.integer({ min: 0, max: 0xffffffff }),
  cmd: fc.constantFrom(KcpCommand.Push, KcpCommand.Ack, KcpCommand.WindowAsk, KcpCommand.WindowTell),
  frg: fc.integer({ min: 0, max: 255 }),
  wnd: fc.integer({ min: 0, max: 0xffff }),
  ts: fc.integer({ min: 0, max: 0xffffffff }),
  sn: fc.integer({ min: 0, max: 0xffffffff }),
  una: fc.integer({ min: 0, max: 0xffffffff }),
  data: fc.uint8Array({ maxLength: 300 }),
});

describe('KCP segment codec', () => {
  it('encodes the ikcp header byte for byte', () => {
    const bytes = encodeKcpSegments([
      {
        conv: 0x01020304,
        cmd: KcpCommand.Push,
        frg: 2,
        wnd: 128,
        ts: 0x11223344,
        sn: 5,
        una: 3,
        data: new TextEncoder().encode('abc'),
      },
    ]);
    assert.equal(
      Buffer.from(bytes).toString('hex'),
      '04030201' + '51' + '02' + '8000' + '44332211' + '05000000' + '03000000' + '03000000' + '616263',
    );
    assert.equal(kcpConv(bytes), 0x01020304);
    assert.equal(kcpConv(bytes.subarray(0, 23)), undefined);
  });

  it('round-trips any list of segments, and the length is 24 + len per segment', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
        const bytes = encodeKcpSegments(segments);
        assert.equal(
          bytes.length,
          segments.reduce((n, s) => n + KCP_OVERHEAD + s.data.length, 0),
        );
        assert.equal(
          bytes.length,
          segments.reduce((n, s) => n + kcpSegmentLength(s), 0),
        );
        const decoded = decodeKcpSegments(bytes);
        assert.ok(decoded.ok);
        assert.deepEqual(
          decoded.value,
          segments.map((s) => ({ ...s })),
        );
      }),
    );
  });

  it('fails with a typed error on truncation and unknown commands, at the right offset', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.nat(), (segments, cut) => {
        const bytes = encodeKcpSegments(segments);
        const at = cut % bytes.length;
        const decoded = decodeKcpSegments(bytes.subarray(0, at));
        // A cut on a segment boundary leaves a shorter valid datagram; anywhere else is truncation.
        let boundary = 0;
        const whole = segments.findIndex((s) => (boundary += kcpSegmentLength(s)) > at);
        const prefix = segments.slice(0, whole);
        if (at > 0 && prefix.reduce((n, s) => n + kcpSegmentLength(s), 0) === at) {
          assert.ok(decoded.ok);
          assert.equal(decoded.value.length, prefix.length);
        } else {
          assert.ok(!decoded.ok);
          assert.equal(decoded.error.code, 'KCP_TRUNCATED');
        }
      }),
    );
    const bytes = encodeKcpSegments([
      { conv: 1, cmd: KcpCommand.Ack, frg: 0, wnd: 0, ts: 0, sn: 0, una: 0, data: new Uint8Array(0) },
      { conv: 1, cmd: KcpCommand.Push, frg: 0, wnd: 0, ts: 0, sn: 0, una: 0, data: new Uint8Array(4) },
    ]);
    bytes[KCP_OVERHEAD + 4] = 80;
    const decoded = decodeKcpSegments(bytes);
    assert.ok(!decoded.ok);
    assert.equal(decoded.error.code, 'KCP_BAD_COMMAND');
    assert.equal(decoded.error.offset, KCP_OVERHEAD);
  });

  it('never throws on random or bit-flipped input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        decodeKcpSegments(bytes);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.nat(7),
        (segments, i, bit) => {
          const bytes = encodeKcpSegments(segments);
          const at = i % bytes.length;
          bytes[at] = (bytes[at] as number) ^ (1 << bit);
          const decoded = decodeKcpSegments(bytes);
          if (decoded.ok) for (const s of decoded.value) assert.ok(s.data.length <= bytes.length);
        },
      ),
    );
  });

  it('refuses to encode fields out of range or into too small a buffer', () => {
    const base: KcpSegment = {
      conv: 1,
      cmd: KcpCommand.Push,
      frg: 0,
      wnd: 0,
      ts: 0,
      sn: 0,
      una: 0,
      data: new Uint8Array(1),
    };
    assert.throws(() => encodeKcpSegments([{ ...base, frg: 256 }]), { code: 'WIRE_INVALID_ARGUMENT' });
    assert.throws(() => encodeKcpSegments([{ ...base, wnd: -1 }]), { code: 'WIRE_INVALID_ARGUMENT' });
    assert.throws(() => writeKcpSegment(base, new Uint8Array(24)), { code: 'WIRE_INVALID_ARGUMENT' });
  });
});
