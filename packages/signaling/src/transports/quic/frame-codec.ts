/**
 * The QUIC signaling stream's framing (docs/quic-signaling.md, "Framing"): every frame, both ways,
 * is a 4-byte big-endian length word then the payload. The word's top bit (0x80000000) flags a
 * binary frame (the peer protocol's relay frames); the other 31 bits are the length N. A text frame
 * carries 1 <= N <= 65,536 bytes of UTF-8 JSON, a binary one 1 <= N <= 65,540 bytes (a relay frame:
 * 4-byte session and 64 KiB). KVS clients only ever send text frames, so their wire is unchanged.
 * Pure: `encodeFrame` / `encodeBinaryFrame` build one frame; a `FrameDecoder` takes the stream's bytes
 * as they arrive (any split) and returns the complete frames, or the first violation, after which it
 * takes nothing more.
 */

export const FRAME_HEADER_BYTES = 4;
export const MAX_FRAME_BYTES = 65_536;
/** A peer relay frame: a 4-byte session number and at most 64 KiB. */
export const MAX_BINARY_FRAME_BYTES = 65_540;
/** The length word's flag for a binary frame. */
export const BINARY_FRAME_FLAG = 0x8000_0000;

export type FrameErrorCode = 'FRAME_EMPTY' | 'FRAME_TOO_LARGE';

export interface FrameError {
  readonly code: FrameErrorCode;
  readonly message: string;
  /** Offset in the stream where the offending length prefix starts. */
  readonly offset: number;
}

/** `frames` are the payloads in order; `binary[i]` says whether `frames[i]` was a binary frame. */
export type DecodeResult =
  | { readonly ok: true; readonly frames: readonly Uint8Array[]; readonly binary: readonly boolean[] }
  | {
      readonly ok: false;
      readonly error: FrameError;
      readonly frames: readonly Uint8Array[];
      readonly binary: readonly boolean[];
    };

/** One text frame: the length prefix, then the payload (a string is encoded as UTF-8). */
export function encodeFrame(payload: string | Uint8Array, max = MAX_FRAME_BYTES): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return framed(body, Math.min(max, BINARY_FRAME_FLAG - 1), 0);
}

/** One binary frame: the length prefix with the binary flag, then the bytes as they are. */
export function encodeBinaryFrame(payload: Uint8Array, max = MAX_BINARY_FRAME_BYTES): Uint8Array {
  return framed(payload, Math.min(max, BINARY_FRAME_FLAG - 1), BINARY_FRAME_FLAG);
}

function framed(body: Uint8Array, max: number, flag: number): Uint8Array {
  if (body.length < 1 || body.length > max)
    throw new RangeError(`a frame carries 1 to ${max} bytes, not ${body.length}`);
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, (flag | body.length) >>> 0);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Reassembles frames from a byte stream. Holds at most one partial frame (the larger maximum + 4
 * bytes). `maxBinary` 0 refuses binary frames (FRAME_TOO_LARGE names the flag).
 */
export class FrameDecoder {
  readonly #max: number;
  readonly #maxBinary: number;
  #buf: Uint8Array = new Uint8Array(0);
  /** Stream offset of `#buf[0]`. */
  #offset = 0;
  #error: FrameError | undefined;

  constructor(max = MAX_FRAME_BYTES, maxBinary = MAX_BINARY_FRAME_BYTES) {
    this.#max = max;
    this.#maxBinary = maxBinary;
  }

  /** Bytes held toward a frame not yet complete. */
  get pending(): number {
    return this.#buf.length;
  }

  /** The violation that stopped this decoder, if one did. */
  get error(): FrameError | undefined {
    return this.#error;
  }

  push(chunk: Uint8Array): DecodeResult {
    if (this.#error) return { ok: false, error: this.#error, frames: [], binary: [] };
    const buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const frames: Uint8Array[] = [];
    const binary: boolean[] = [];
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    while (buf.length - at >= FRAME_HEADER_BYTES) {
      const word = view.getUint32(at);
      const isBinary = word >= BINARY_FRAME_FLAG;
      const n = isBinary ? word - BINARY_FRAME_FLAG : word;
      const max = isBinary ? this.#maxBinary : this.#max;
      if (n === 0 || n > max) {
        const kind = isBinary ? 'binary frame' : 'frame';
        this.#error = {
          code: n === 0 ? 'FRAME_EMPTY' : 'FRAME_TOO_LARGE',
          message: n === 0 ? `a ${kind} of length 0` : `a ${kind} of ${n} bytes, over ${max}`,
          offset: this.#offset + at,
        };
        this.#buf = new Uint8Array(0);
        return { ok: false, error: this.#error, frames, binary };
      }
      if (buf.length - at - FRAME_HEADER_BYTES < n) break;
      frames.push(buf.slice(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + n));
      binary.push(isBinary);
      at += FRAME_HEADER_BYTES + n;
    }
    this.#offset += at;
    // Copy the partial tail: the caller's chunk may be reused after push returns.
    this.#buf = buf.slice(at);
    return { ok: true, frames, binary };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
