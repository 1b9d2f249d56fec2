// The QUIC signaling stream's 4-byte length prefix (docs/quic-signaling.md, "Framing"): frames come
// back whatever the split, a length of 0 or over 65,536 stops the decoder at its offset, and hostile
// bytes never throw. A length word with the top bit set is a binary frame (the peer relay), up to
// 65,540 bytes; its hostile lengths (0, over the maximum, the flag alone) stop the decoder too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BINARY_FRAME_FLAG,
  encodeBinaryFrame,
  encodeFrame,
  FrameDecoder,
  MAX_BINARY_FRAME_BYTES,
  MAX_FRAME_BYTES,
} from '../src/index.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('QUIC signaling frames', () => {
  it('encodes a big-endian length then the UTF-8 bytes', () => {
    assert.deepEqual([...encodeFrame('{"a":"é"}')], [0, 0, 0, 10, ...new TextEncoder().encode('{"a":"é"}')]);
    assert.equal(encodeFrame(new Uint8Array(MAX_FRAME_BYTES)).length, MAX_FRAME_BYTES + 4);
    assert.throws(() => encodeFrame(''), RangeError);
    assert.throws(() => encodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), RangeError);
  });

  it('gives back every frame whatever the chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map((f) => encodeFrame(f)));
          const d = new FrameDecoder();
          const out: string[] = [];
          let at = 0;
          for (let i = 0; at < wire.length; i++) {
            const n = cuts[i % cuts.length] as number;
            const r = d.push(new Uint8Array(wire.subarray(at, at + n)));
            assert.ok(r.ok);
            out.push(...r.frames.map(text));
            at += n;
          }
          assert.deepEqual(out, frames);
          assert.equal(d.pending, 0);
        },
      ),
    );
  });

  it('stops at a length over the maximum or of zero, at its offset, keeping the frames before it', () => {
    const d = new FrameDecoder();
    const over = new Uint8Array([0, 1, 0, 1]); // 65,537
    const r = d.push(Buffer.concat([encodeFrame('{}'), over]));
    assert.equal(r.ok, false);
    assert.deepEqual(r.frames.map(text), ['{}']);
    assert.deepEqual(!r.ok && r.error, {
      code: 'FRAME_TOO_LARGE',
      message: 'a frame of 65537 bytes, over 65536',
      offset: 6,
    });
    assert.equal(d.push(encodeFrame('{}')).ok, false); // stays stopped
    const z = new FrameDecoder().push(new Uint8Array([0, 0, 0, 0]));
    assert.equal(!z.ok && z.error.code, 'FRAME_EMPTY');
  });

  it('never throws on random bytes and never holds more than one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 10 }), (chunks) => {
        const d = new FrameDecoder(1024, 2048);
        for (const c of chunks) {
          const r = d.push(c);
          assert.equal(r.frames.length, r.binary.length);
          assert.ok(d.pending <= 2048 + 4);
        }
      }),
    );
  });

  it('flags a binary frame by the top bit of the length word and carries its bytes unchanged', () => {
    const bytes = new Uint8Array([0, 0, 0, 7, 0xff, 0x00, 0x80]);
    assert.deepEqual([...encodeBinaryFrame(bytes)], [0x80, 0, 0, 7, ...bytes]);
    assert.equal(
      encodeBinaryFrame(new Uint8Array(MAX_BINARY_FRAME_BYTES)).length,
      MAX_BINARY_FRAME_BYTES + 4,
    );
    assert.throws(() => encodeBinaryFrame(new Uint8Array(0)), RangeError);
    assert.throws(() => encodeBinaryFrame(new Uint8Array(MAX_BINARY_FRAME_BYTES + 1)), RangeError);
    const r = new FrameDecoder().push(
      Buffer.concat([encodeFrame('{}'), encodeBinaryFrame(bytes), encodeFrame('[]')]),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.binary, [false, true, false]);
    assert.deepEqual([...(r.frames[1] as Uint8Array)], [...bytes]);
    assert.deepEqual(
      [r.frames[0], r.frames[2]].map((f) => text(f as Uint8Array)),
      ['{}', '[]'],
    );
  });

  it('text and binary frames interleaved come back in order whatever the chunking (property)', () => {
    const frame = fc.oneof(
      fc.string({ minLength: 1, maxLength: 200 }),
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
    );
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (frames, cuts) => {
          const wire = Buffer.concat(
            frames.map((f) => (typeof f === 'string' ? encodeFrame(f) : encodeBinaryFrame(f))),
          );
          const d = new FrameDecoder();
          const out: (string | number[])[] = [];
          let at = 0;
          for (let i = 0; at < wire.length; i++) {
            const n = cuts[i % cuts.length] as number;
            const r = d.push(new Uint8Array(wire.subarray(at, at + n)));
            assert.ok(r.ok);
            r.frames.forEach((f, j) => out.push(r.binary[j] ? [...f] : text(f)));
            at += n;
          }
          assert.deepEqual(
            out,
            frames.map((f) => (typeof f === 'string' ? f : [...f])),
          );
        },
      ),
    );
  });

  it('stops at hostile binary lengths: the flag alone, over 65,540, all ones; and where binary is off', () => {
    const word = (n: number): Uint8Array => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, n >>> 0);
      return b;
    };
    const cases: [number, string, string][] = [
      [BINARY_FRAME_FLAG, 'FRAME_EMPTY', 'a binary frame of length 0'],
      [
        BINARY_FRAME_FLAG + MAX_BINARY_FRAME_BYTES + 1,
        'FRAME_TOO_LARGE',
        'a binary frame of 65541 bytes, over 65540',
      ],
      [0xffff_ffff, 'FRAME_TOO_LARGE', 'a binary frame of 2147483647 bytes, over 65540'],
      [0x7fff_ffff, 'FRAME_TOO_LARGE', 'a frame of 2147483647 bytes, over 65536'],
    ];
    for (const [n, code, message] of cases) {
      const d = new FrameDecoder();
      const r = d.push(Buffer.concat([encodeBinaryFrame(new Uint8Array([1])), word(n), new Uint8Array(64)]));
      assert.equal(r.ok, false, message);
      assert.deepEqual(r.binary, [true], 'the frame before it still comes back');
      assert.deepEqual(!r.ok && r.error, { code, message, offset: 5 });
      assert.equal(d.pending, 0, 'nothing held after a violation');
    }
    // The prefix of a huge frame split across chunks is refused on its 4 bytes, before any body.
    const d = new FrameDecoder();
    assert.ok(d.push(new Uint8Array([0xff, 0xff])).ok);
    assert.equal(d.push(new Uint8Array([0xff, 0xff])).ok, false);
    const off = new FrameDecoder(MAX_FRAME_BYTES, 0).push(encodeBinaryFrame(new Uint8Array([1])));
    assert.equal(!off.ok && off.error.code, 'FRAME_TOO_LARGE');
  });
});
