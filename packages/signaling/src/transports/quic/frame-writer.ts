/**
 * Coalesced writes of length-prefixed frames to one QUIC stream (docs/quic-signaling.md, "Framing"
 * and "Throughput"). Every write to a @matrixai/quic stream is one `streamSend` followed by a send
 * of the connection's packets, so one write per frame costs a packet (and its crypto and syscall)
 * per frame. A FrameWriter keeps at most one write in flight: frames pushed meanwhile queue, and the
 * next write carries all of them in one buffer, which quiche packs into full packets. The order of
 * frames is the order of `push`.
 *
 * Items are text frames (a string, sent as UTF-8) or binary frames (a Uint8Array, its length word
 * flagged with BINARY_FRAME_FLAG; a text-only reader sees a length over its maximum and refuses it).
 */

import { BINARY_FRAME_FLAG } from './frame-codec.js';

const MAX_LENGTH = 0x7fffffff;

export type FrameItem = string | Uint8Array;

/** What a frame counts toward the core's flushed bytes: the string's length, or the bytes'. */
export const itemSize = (item: FrameItem): number => item.length;

const encoder = new TextEncoder();

/**
 * Every item as one frame, all in one buffer (pure). A string is encoded straight into the buffer
 * (no intermediate copy); an empty item or one over `max` bytes is a RangeError: the server writes
 * only frames it built.
 */
export function encodeFrames(items: readonly FrameItem[], max = MAX_LENGTH): Uint8Array {
  let bound = 0;
  for (const item of items) bound += 4 + (typeof item === 'string' ? item.length * 3 : item.length);
  const out = new Uint8Array(bound);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const item of items) {
    let n: number;
    if (typeof item === 'string') {
      n = encoder.encodeInto(item, out.subarray(at + 4)).written;
    } else {
      n = item.length;
      out.set(item, at + 4);
    }
    if (n < 1 || n > Math.min(max, MAX_LENGTH))
      throw new RangeError(`a frame carries 1 to ${Math.min(max, MAX_LENGTH)} bytes, not ${n}`);
    view.setUint32(at, typeof item === 'string' ? n : (n | BINARY_FRAME_FLAG) >>> 0);
    at += 4 + n;
  }
  return out.subarray(0, at);
}

export interface FrameWriterOptions {
  /** Writes bytes to the stream; resolves when the stream took them (rejects when it failed). */
  readonly write: (bytes: Uint8Array) => Promise<void>;
  /** Called with the items' sizes (see itemSize) once they were written, or failed to be. */
  readonly flushed: (size: number) => void;
  /** Largest payload of one frame (default 2^31 - 1). */
  readonly maxFrameBytes?: number;
  /** Most bytes of payload in one write (default 256 KiB); more waits for the next write. */
  readonly maxWriteBytes?: number;
}

export class FrameWriter {
  readonly #o: FrameWriterOptions;
  readonly #maxWrite: number;
  #queue: FrameItem[] = [];
  #inFlight: Promise<void> | undefined;

  constructor(o: FrameWriterOptions) {
    this.#o = o;
    this.#maxWrite = o.maxWriteBytes ?? 256 * 1024;
  }

  /** Items waiting for a write (not the one in flight). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues frames; they leave in the next write (now, if none is in flight). */
  push(items: readonly FrameItem[]): void {
    for (const item of items) {
      this.#queue.push(item);
    }
    if (!this.#inFlight && this.#queue.length > 0) this.#inFlight = this.#pump();
  }

  /** Resolves once everything pushed so far has been written (or failed). */
  async idle(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0) {
      const { batch, size } = this.#take();
      const bytes = this.#encode(batch);
      if (bytes.length > 0) await this.#o.write(bytes).catch(() => {});
      this.#o.flushed(size);
    }
    this.#inFlight = undefined;
  }

  /**
   * A frame the stream cannot carry (empty, or over the maximum) is a server bug: it is left out
   * (still counted as flushed, so the core's backpressure accounting stays true), never a crash.
   */
  #encode(batch: readonly FrameItem[]): Uint8Array {
    try {
      return encodeFrames(batch, this.#o.maxFrameBytes);
    } catch {
      const ok = batch.filter((item) => {
        const n = typeof item === 'string' ? encoder.encode(item).length : item.length;
        return n >= 1 && n <= Math.min(this.#o.maxFrameBytes ?? MAX_LENGTH, MAX_LENGTH);
      });
      return encodeFrames(ok, this.#o.maxFrameBytes);
    }
  }

  #take(): { batch: FrameItem[]; size: number } {
    let n = 0;
    let size = 0;
    while (n < this.#queue.length && (n === 0 || size + itemSize(this.#queue[n]!) <= this.#maxWrite))
      size += itemSize(this.#queue[n++]!);
    const batch = n === this.#queue.length ? this.#queue : this.#queue.slice(0, n);
    this.#queue = n === this.#queue.length ? [] : this.#queue.slice(n);
    return { batch, size };
  }
}
