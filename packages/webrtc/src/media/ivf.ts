/**
 * IVF, the raw VP8/VP9 (and AV1) frame container libvpx and ffmpeg (`-f ivf`) write: a 32-byte file
 * header (`DKIF`, version 0, header size 32, FourCC, width, height, time base) then frames, each a
 * 12-byte header (size, 64-bit timestamp in time-base units) and its bytes. Pure; never throws.
 */
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';

export interface IvfFile {
  readonly fourcc: string;
  readonly width: number;
  readonly height: number;
  /** Seconds per timestamp unit = timebaseNum / timebaseDen. */
  readonly timebaseNum: number;
  readonly timebaseDen: number;
  readonly frames: readonly { readonly timestamp: number; readonly data: Uint8Array }[];
}

const bad = (field: string, message: string): Result<IvfFile> =>
  fail(WebRtcErrorCode.MediaInvalid, `IVF ${field}: ${message}`, field);

export function parseIvf(bytes: Uint8Array): Result<IvfFile> {
  if (bytes.length < 32) return bad('header', 'shorter than 32 bytes');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'DKIF') return bad('signature', 'not "DKIF"');
  if (v.getUint16(4, true) !== 0) return bad('version', 'not 0');
  const headerSize = v.getUint16(6, true);
  if (headerSize < 32 || headerSize > bytes.length) return bad('header size', `${headerSize}`);
  const timebaseDen = v.getUint32(16, true);
  const timebaseNum = v.getUint32(20, true);
  if (timebaseDen === 0 || timebaseNum === 0) return bad('time base', 'zero');
  const frames: { timestamp: number; data: Uint8Array }[] = [];
  let at = headerSize;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) return bad(`frame ${frames.length}`, 'truncated frame header');
    const size = v.getUint32(at, true);
    const timestamp = v.getUint32(at + 4, true) + v.getUint32(at + 8, true) * 2 ** 32;
    if (size === 0 || at + 12 + size > bytes.length)
      return bad(`frame ${frames.length}`, `size ${size} past the end`);
    frames.push({ timestamp, data: bytes.subarray(at + 12, at + 12 + size) });
    at += 12 + size;
  }
  return ok({
    fourcc: String.fromCharCode(...bytes.subarray(8, 12)),
    width: v.getUint16(12, true),
    height: v.getUint16(14, true),
    timebaseNum,
    timebaseDen,
    frames,
  });
}
