/**
 * Pre-encoded files as a live source (for tests and demos): IVF (VP8, VP9) and Ogg Opus, read
 * whole, packetized by werift's packetizers (RFC 7741, the VP9 payload draft, RFC 7587) and sent in
 * real time, looping. The adapter owns the one timer; timestamps come from the file.
 */
import { readFile } from 'node:fs/promises';
import { WebRtcError } from '../errors.js';
import { codecInfo, type CodecName } from './codecs.js';
import { parseIvf } from './ivf.js';
import { parseOggOpus } from './ogg-opus.js';
import { sourceTrack, type MediaSource } from './source.js';

interface Unit {
  readonly data: Uint8Array;
  /** Start, in seconds from the start of the file. */
  readonly at: number;
}

async function unitsOf(path: string): Promise<{ codec: CodecName; units: Unit[]; duration: number }> {
  const bytes = new Uint8Array(await readFile(path));
  if (path.endsWith('.ogg') || path.endsWith('.opus')) {
    const r = parseOggOpus(bytes);
    if (!r.ok) throw r.error;
    let t = 0;
    const units = r.value.packets.map((p) => {
      const u = { data: p.data, at: t / 48000 };
      t += p.samples;
      return u;
    });
    return { codec: 'opus', units, duration: t / 48000 };
  }
  const r = parseIvf(bytes);
  if (!r.ok) throw r.error;
  const f = r.value;
  const codec = f.fourcc === 'VP80' ? 'vp8' : f.fourcc === 'VP90' ? 'vp9' : undefined;
  if (codec === undefined)
    throw new WebRtcError('WEBRTC_MEDIA_INVALID', `IVF FourCC ${f.fourcc}: only VP80 and VP90`, 'fourcc');
  const step = f.timebaseNum / f.timebaseDen;
  const units = f.frames.map((fr) => ({ data: fr.data, at: fr.timestamp * step }));
  const last = units[units.length - 1]?.at ?? 0;
  return { codec, units, duration: last + (units.length > 1 ? last / (units.length - 1) : step) };
}

/** A source that plays `path` (.ivf, .ogg/.opus) in a loop until closed. */
export async function fileSource(path: string): Promise<MediaSource> {
  const { codec, units, duration } = await unitsOf(path);
  if (units.length === 0) throw new WebRtcError('WEBRTC_MEDIA_INVALID', `${path}: no frames`, 'frames');
  const info = codecInfo(codec);
  const track = sourceTrack(codec);
  const packetizer = info.packetizer({ payloadType: 96, ssrc: 1 });
  const started = performance.now();
  let packets = 0;
  let next = 0;
  let loop = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const elapsed = (performance.now() - started) / 1000;
    for (;;) {
      const u = units[next];
      if (u === undefined) break;
      const at = loop * duration + u.at;
      if (at > elapsed) break;
      const ts = Math.round(at * info.clockRate) >>> 0;
      for (const p of packetizer.packetize(Buffer.from(u.data), ts)) {
        track.writeRtp(p);
        packets++;
      }
      if (++next === units.length) {
        next = 0;
        loop++;
      }
    }
    const u = units[next] as Unit;
    const wait = (loop * duration + u.at - (performance.now() - started) / 1000) * 1000;
    timer = setTimeout(tick, Math.max(1, wait));
  };
  tick();
  return {
    kind: info.kind,
    codec,
    track,
    get packets() {
      return packets;
    },
    dropped: 0,
    close: () => {
      clearTimeout(timer);
      track.stop();
    },
  };
}
