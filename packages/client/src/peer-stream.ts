/**
 * A transport stream as a Node Duplex. Writes wait while the session has more than `highWater`
 * KCP segments queued or unacknowledged, so a bulk writer cannot grow memory without bound.
 */
import { Duplex } from 'node:stream';

export interface StreamSink {
  write(stream: number, data: Uint8Array): void;
  end(stream: number): void;
  /** Segments the session still has to send or get acknowledged. */
  pending(): number;
  /** Calls `fn` after the session next made progress (sent or received). */
  onProgress(fn: () => void): void;
}

export class PeerStream extends Duplex {
  constructor(
    readonly streamId: number,
    private readonly sink: StreamSink,
    private readonly highWater = 1024,
  ) {
    super({ allowHalfOpen: true });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      this.sink.write(this.streamId, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      done(err as Error);
      return;
    }
    this.#whenRoom(done);
  }

  override _final(done: (err?: Error | null) => void): void {
    try {
      this.sink.end(this.streamId);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _read(): void {
    // Data is pushed as it arrives (KCP's receive window bounds what is in flight).
  }

  /** From the connection: bytes of this stream arrived. */
  deliver(data: Uint8Array): void {
    this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /** From the connection: the peer ended its side. */
  deliverEnd(): void {
    this.push(null);
  }

  #whenRoom(done: () => void): void {
    if (this.sink.pending() < this.highWater) return done();
    this.sink.onProgress(() => this.#whenRoom(done));
  }
}
