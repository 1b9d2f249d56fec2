// The QUIC signaling stream's 4-byte length prefix (docs/quic-signaling.md, "Framing"): frames come
// back whatever the split, a length of 0 or over 65,536 stops the decoder at its offset, and hostile
// bytes never throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from '../src/index.js';

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
        const d = new FrameDecoder(1024);
        for (const c of chunks) {
          d.push(c);
          assert.ok(d.pending <= 1024 + 4);
        }
      }),
    );
  });
});
