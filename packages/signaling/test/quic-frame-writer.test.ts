// Coalesced frame writes on a QUIC stream (frame-writer.ts): frames pushed while a write is in flight
// leave together in the next one, in order, text and binary alike; the decoder gets back exactly
// what was pushed; flushed sizes add up; a frame the stream cannot carry is left out, never a crash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BINARY_FRAME_FLAG, encodeFrame, encodeFrames, FrameDecoder, FrameWriter } from '../src/index.js';
import type { FrameItem } from '../src/index.js';

/** A sink whose writes complete only when the test says so. */
function gatedSink(): { writes: Uint8Array[]; release: () => void; write: (b: Uint8Array) => Promise<void> } {
  const writes: Uint8Array[] = [];
  const gates: (() => void)[] = [];
  return {
    writes,
    release: () => gates.shift()?.(),
    write: (b) => {
      writes.push(b);
      return new Promise<void>((r) => gates.push(r));
    },
  };
}

describe('QUIC frame writer', () => {
  it('encodes text frames as encodeFrame does, and flags binary ones', () => {
    const text = '{"action":"SDP_OFFER","x":"é"}';
    assert.deepEqual(encodeFrames([text]), encodeFrame(text));
    const bin = encodeFrames([new Uint8Array([1, 2, 3])]);
    assert.equal(new DataView(bin.buffer).getUint32(0), (3 | BINARY_FRAME_FLAG) >>> 0);
    assert.deepEqual([...bin.subarray(4)], [1, 2, 3]);
    assert.throws(() => encodeFrames(['']), RangeError);
    assert.throws(() => encodeFrames(['xx'], 1), RangeError);
  });

  it('writes once now, then everything pushed meanwhile in one write, in order', async () => {
    const sink = gatedSink();
    let flushed = 0;
    const w = new FrameWriter({ write: sink.write, flushed: (n) => (flushed += n) });
    w.push(['a']);
    w.push(['bb', 'ccc']);
    w.push(['dddd']);
    assert.equal(sink.writes.length, 1, 'one write in flight');
    assert.equal(w.queued, 3);
    sink.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(sink.writes.length, 2, 'the three queued frames left in one write');
    sink.release();
    await w.idle();
    const decoded = new FrameDecoder().push(Buffer.concat(sink.writes)).frames;
    assert.deepEqual(
      decoded.map((f) => new TextDecoder().decode(f)),
      ['a', 'bb', 'ccc', 'dddd'],
    );
    assert.equal(flushed, 10);
  });

  it('splits a queue over maxWriteBytes across writes', async () => {
    const writes: Uint8Array[] = [];
    const w = new FrameWriter({
      write: async (b) => void writes.push(b),
      flushed: () => {},
      maxWriteBytes: 10,
    });
    w.push(['0123456789', 'abcdefghij', 'k']);
    await w.idle();
    assert.deepEqual(
      writes.map((b) => b.length),
      [14, 14, 5],
    );
  });

  it('leaves out a frame it cannot carry and counts it flushed; a failing stream is no crash', async () => {
    const writes: Uint8Array[] = [];
    let flushed = 0;
    const w = new FrameWriter({
      write: async (b) => void writes.push(b),
      flushed: (n) => (flushed += n),
      maxFrameBytes: 4,
    });
    w.push(['ok', 'too long', '']);
    await w.idle();
    assert.deepEqual(writes, [encodeFrame('ok')]);
    assert.equal(flushed, 10);
    const failing = new FrameWriter({
      write: () => Promise.reject(new Error('reset')),
      flushed: (n) => (flushed += n),
    });
    failing.push(['x', 'y']);
    failing.push(['z']);
    await failing.idle();
    assert.equal(flushed, 13);
  });

  it('round-trips any mix of text and binary items (property)', () => {
    const item: fc.Arbitrary<FrameItem> = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), (items) => {
        const bytes = encodeFrames(items);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        let at = 0;
        for (const it of items) {
          const word = view.getUint32(at);
          const n = word & 0x7fffffff;
          const body = bytes.subarray(at + 4, at + 4 + n);
          if (typeof it === 'string') {
            assert.equal(word & BINARY_FRAME_FLAG, 0);
            assert.equal(new TextDecoder().decode(body), it);
          } else {
            assert.notEqual(word & BINARY_FRAME_FLAG, 0);
            assert.deepEqual(body, it);
          }
          at += 4 + n;
        }
        assert.equal(at, bytes.length);
      }),
    );
  });
});
