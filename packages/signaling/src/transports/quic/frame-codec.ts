/**
 * The QUIC signaling stream's framing (docs/quic-signaling.md, "Framing"): every frame, both ways,
 * is a 4-byte big-endian unsigned length N, 1 <= N <= 65,536, then N bytes of UTF-8 JSON. Pure:
 * `encodeFrame` builds one frame; a `FrameDecoder` takes the stream's bytes as they arrive (any
 * split) and returns the complete frames, or the first violation, after which it takes nothing more.
 */

export const FRAME_HEADER_BYTES = 4;
export const MAX_FRAME_BYTES = 65_536;

export type FrameErrorCode = 'FRAME_EMPTY' | 'FRAME_TOO_LARGE';

export interface FrameError {
  readonly code: FrameErrorCode;
  readonly message: string;
  /** Offset in the stream where the offending length prefix starts. */
  readonly offset: number;
}

export type DecodeResult =
  | { readonly ok: true; readonly frames: readonly Uint8Array[] }
  | { readonly ok: false; readonly error: FrameError; readonly frames: readonly Uint8Array[] };

/** One frame: the length prefix, then the payload (a string is encoded as UTF-8). */
export function encodeFrame(payload: string | Uint8Array, max = MAX_FRAME_BYTES): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  if (body.length < 1 || body.length > max)
    throw new RangeError(`a frame carries 1 to ${max} bytes, not ${body.length}`);
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Reassembles frames from a byte stream. Holds at most one partial frame (max + 4 bytes). */
export class FrameDecoder {
  readonly #max: number;
  #buf: Uint8Array = new Uint8Array(0);
  /** Stream offset of `#buf[0]`. */
  #offset = 0;
  #error: FrameError | undefined;

  constructor(max = MAX_FRAME_BYTES) {
    this.#max = max;
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
    if (this.#error) return { ok: false, error: this.#error, frames: [] };
    const buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const frames: Uint8Array[] = [];
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    while (buf.length - at >= FRAME_HEADER_BYTES) {
      const n = view.getUint32(at);
      if (n === 0 || n > this.#max) {
        this.#error = {
          code: n === 0 ? 'FRAME_EMPTY' : 'FRAME_TOO_LARGE',
          message: n === 0 ? 'a frame of length 0' : `a frame of ${n} bytes, over ${this.#max}`,
          offset: this.#offset + at,
        };
        this.#buf = new Uint8Array(0);
        return { ok: false, error: this.#error, frames };
      }
      if (buf.length - at - FRAME_HEADER_BYTES < n) break;
      frames.push(buf.slice(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + n));
      at += FRAME_HEADER_BYTES + n;
    }
    this.#offset += at;
    // Copy the partial tail: the caller's chunk may be reused after push returns.
    this.#buf = buf.slice(at);
    return { ok: true, frames };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
