/**
 * Splits a TCP/TLS byte stream into STUN messages and ChannelData frames (RFC 8489 §6.2.2,
 * RFC 8656 §12.5: over streams ChannelData is padded to a multiple of four bytes). Pure and
 * incremental: push chunks, take complete frames. A stream that is neither is unrecoverable.
 */
export type FrameResult = { frames: Uint8Array[]; error?: 'garbage' | 'oversized' };

const MAX_BUFFER = 65536 + 20;

export class StreamFramer {
  #buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): FrameResult {
    const merged = new Uint8Array(this.#buf.length + chunk.length);
    merged.set(this.#buf, 0);
    merged.set(chunk, this.#buf.length);
    const frames: Uint8Array[] = [];
    let off = 0;
    while (merged.length - off >= 4) {
      const first = merged[off] as number;
      const len = ((merged[off + 2] as number) << 8) | (merged[off + 3] as number);
      let total: number;
      if (first >> 6 === 0) total = 20 + len;
      else if (first >= 0x40 && first <= 0x7f) total = 4 + ((len + 3) & ~3);
      else return { frames, error: 'garbage' };
      if (merged.length - off < total) break;
      frames.push(merged.slice(off, off + total));
      off += total;
    }
    this.#buf = merged.slice(off);
    if (this.#buf.length > MAX_BUFFER) return { frames, error: 'oversized' };
    return { frames };
  }

  /** Bytes received but not yet framed; the framer is empty afterwards (RFC 6062 splicing). */
  takeRest(): Uint8Array {
    const rest = this.#buf;
    this.#buf = new Uint8Array(0);
    return rest;
  }
}
