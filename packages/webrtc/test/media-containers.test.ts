// The IVF and Ogg Opus readers on the checked-in fixtures (ffmpeg-made), and on truncated,
// bit-flipped and random bytes, which must be refused with a reason, never thrown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { looksLikeRtp, opusPacketSamples, parseIvf, parseOggOpus } from '../src/index.js';
import { mediaFile } from './helpers/media-files.js';

const ivf = new Uint8Array(readFileSync(mediaFile('vp8.ivf')));
const ogg = new Uint8Array(readFileSync(mediaFile('opus.ogg')));

describe('IVF', () => {
  it("reads ffmpeg's VP8 and VP9 files: 2 s at 15 frames/s, the first frame a key frame", () => {
    for (const [name, fourcc] of [
      ['vp8.ivf', 'VP80'],
      ['vp9.ivf', 'VP90'],
    ] as const) {
      const r = parseIvf(new Uint8Array(readFileSync(mediaFile(name))));
      assert.equal(r.ok, true);
      if (!r.ok) continue;
      assert.equal(r.value.fourcc, fourcc);
      assert.deepEqual([r.value.width, r.value.height], [160, 120]);
      assert.equal(r.value.frames.length, 30);
      const seconds = (r.value.frames[29]!.timestamp * r.value.timebaseNum) / r.value.timebaseDen;
      assert.ok(Math.abs(seconds - 29 / 15) < 0.01, `${seconds}`);
    }
    const r = parseIvf(ivf);
    if (r.ok) assert.equal(r.value.frames[0]!.data[0]! & 1, 0, 'VP8 key frame bit (RFC 6386 §9.1)');
  });

  it('refuses truncated, bad-signature and random bytes with a reason', () => {
    const t = parseIvf(ivf.subarray(0, ivf.length - 3));
    assert.equal(t.ok, false);
    if (!t.ok) assert.match(t.error.field ?? '', /^frame \d+$/);
    const s = ivf.slice();
    s[0] = 0x58;
    assert.equal(parseIvf(s).ok, false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void parseIvf(b)));
    fc.assert(
      fc.property(fc.nat(ivf.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const m = ivf.slice();
        m[at]! ^= x;
        parseIvf(m);
      }),
    );
  });
});

describe('Ogg Opus', () => {
  it("reads ffmpeg's file: 20 ms packets adding up to 2 s", () => {
    const r = parseOggOpus(ogg);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.value.channels, 1);
    const total = r.value.packets.reduce((n, p) => n + p.samples, 0);
    assert.ok(Math.abs(total / 48000 - 2) < 0.05, `${total / 48000} s`);
    assert.ok(r.value.packets.every((p) => p.samples === 960));
  });

  it('derives packet durations from the TOC byte (RFC 6716 §3.1)', () => {
    assert.equal(opusPacketSamples(new Uint8Array([(1 << 3) | 0])), 960); // SILK NB 20 ms
    assert.equal(opusPacketSamples(new Uint8Array([(16 << 3) | 0])), 120); // CELT 2.5 ms
    assert.equal(opusPacketSamples(new Uint8Array([(31 << 3) | 1])), 1920); // CELT 20 ms x 2
    assert.equal(opusPacketSamples(new Uint8Array([(31 << 3) | 3, 3])), 2880); // code 3, 3 frames
    assert.equal(opusPacketSamples(new Uint8Array([])), 0);
  });

  it('refuses truncated and random bytes with a reason', () => {
    assert.equal(parseOggOpus(ogg.subarray(0, 100)).ok, false);
    assert.equal(parseOggOpus(ivf).ok, false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void parseOggOpus(b)));
    fc.assert(
      fc.property(fc.nat(ogg.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const m = ogg.slice();
        m[at]! ^= x;
        parseOggOpus(m);
      }),
    );
  });
});

describe('looksLikeRtp', () => {
  it('takes RTP and leaves RTCP and noise', () => {
    const rtp = new Uint8Array(20);
    rtp[0] = 0x80;
    rtp[1] = 96;
    assert.equal(looksLikeRtp(rtp), true);
    const sr = rtp.slice();
    sr[1] = 200; // RTCP SR
    assert.equal(looksLikeRtp(sr), false);
    assert.equal(looksLikeRtp(new Uint8Array([0x80, 96])), false);
    const csrc = rtp.slice(0, 12);
    csrc[0] = 0x82; // two CSRCs that are not there
    assert.equal(looksLikeRtp(csrc), false);
  });
});
