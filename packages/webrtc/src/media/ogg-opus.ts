/**
 * Opus in Ogg (RFC 7845) as ffmpeg (`-c:a libopus -f ogg`) and opusenc write it: Ogg pages (RFC 3533
 * §6: `OggS`, version 0, a segment table whose 255-byte lacing values continue a packet), the first
 * packet `OpusHead`, then `OpusTags`, then one audio packet per Opus packet, whose duration the TOC
 * byte gives (RFC 6716 §3.1). Pure; never throws. CRCs are not checked: a file is trusted input.
 */
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';

export interface OggOpus {
  readonly channels: number;
  readonly preSkip: number;
  /** Audio packets with their duration in 48 kHz samples. */
  readonly packets: readonly { readonly data: Uint8Array; readonly samples: number }[];
}

const bad = (field: string, message: string): Result<OggOpus> =>
  fail(WebRtcErrorCode.MediaInvalid, `Ogg Opus ${field}: ${message}`, field);

/** Samples at 48 kHz in one Opus packet (RFC 6716 §3.1, §3.2.5); 0 when the packet is malformed. */
export function opusPacketSamples(p: Uint8Array): number {
  const toc = p[0];
  if (toc === undefined) return 0;
  const config = toc >> 3;
  const tenths =
    config < 12
      ? [100, 200, 400, 600][config % 4]!
      : config < 16
        ? [100, 200][config % 2]!
        : [25, 50, 100, 200][config % 4]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (p[1] ?? 0) & 0x3f;
  return (frames * tenths * 48) / 10;
}

/** The packets of the first logical stream, across pages. */
function oggPackets(bytes: Uint8Array): Result<Uint8Array[]> {
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let at = 0;
  let serial: number | undefined;
  while (at < bytes.length) {
    if (at + 27 > bytes.length)
      return fail(WebRtcErrorCode.MediaInvalid, 'Ogg page: truncated header', 'page');
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'OggS' || bytes[at + 4] !== 0)
      return fail(WebRtcErrorCode.MediaInvalid, `Ogg page at ${at}: no "OggS" version 0`, 'page');
    const v = new DataView(bytes.buffer, bytes.byteOffset + at, 27);
    const s = v.getUint32(14, true);
    const count = bytes[at + 26]!;
    const table = bytes.subarray(at + 27, at + 27 + count);
    let body = at + 27 + count;
    if (table.length < count)
      return fail(WebRtcErrorCode.MediaInvalid, 'Ogg page: truncated segment table', 'page');
    serial ??= s;
    for (const lace of table) {
      if (body + lace > bytes.length)
        return fail(WebRtcErrorCode.MediaInvalid, 'Ogg page: truncated segment', 'page');
      if (s === serial) partial.push(bytes.subarray(body, body + lace));
      body += lace;
      if (lace < 255 && s === serial) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = body;
  }
  return ok(packets);
}

export function parseOggOpus(bytes: Uint8Array): Result<OggOpus> {
  const r = oggPackets(bytes);
  if (!r.ok) return r;
  const [head, tags, ...audio] = r.value;
  if (head === undefined || head.length < 19 || String.fromCharCode(...head.subarray(0, 8)) !== 'OpusHead')
    return bad('OpusHead', 'the first packet is not an OpusHead');
  if (tags === undefined || String.fromCharCode(...tags.subarray(0, 8)) !== 'OpusTags')
    return bad('OpusTags', 'the second packet is not OpusTags');
  const packets = [];
  for (const [i, data] of audio.entries()) {
    const samples = opusPacketSamples(data);
    if (samples === 0 || samples > 5760) return bad(`packet ${i}`, 'bad TOC');
    packets.push({ data, samples });
  }
  return ok({ channels: head[9]!, preSkip: head[10]! | (head[11]! << 8), packets });
}
