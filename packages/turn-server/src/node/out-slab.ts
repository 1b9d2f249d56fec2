/**
 * Memory for the relay's outgoing datagrams, handed out from one large slab rather than allocated
 * per datagram (each `new Uint8Array` of a ChannelData message was a malloc and a free, and a
 * visible share of the CPU under load: docs/turn.md, "Under load").
 *
 * The slab is used front to back; when a request does not fit in what is left, it starts again at
 * the front (wraparound), writing over datagrams handed out earlier. That is only safe if the
 * kernel has copied every one of them already. A UDP `send` copies the datagram into the kernel at
 * once unless the socket's send queue is not empty; then libuv keeps a pointer to the memory until
 * it is sent. So after each send from slab memory the adapter calls `sent(queued)` with whether
 * the socket still queues anything (`socket.getSendQueueCount() > 0`): if any send did, this
 * slab is never written over again; it is left to the garbage collector (the queued send holds it)
 * and the next request starts a fresh one.
 *
 * ```ts
 * const slab = new OutSlab();
 * const out = encodeChannelData(0x4000, data, false, slab.alloc);
 * socket.send(out);
 * slab.sent(socket.getSendQueueCount() > 0);
 * ```
 */

/** 256 KiB: about 1,400 ChannelData messages of 170 bytes between wraparounds. */
export const OUT_SLAB_BYTES = 256 * 1024;

export class OutSlab {
  readonly #size: number;
  #buffer: ArrayBuffer;
  #offset = 0;
  /** A send from this slab was queued: it must not be written over. */
  #held = false;
  #slabs = 1;
  #wraps = 0;

  constructor(size = OUT_SLAB_BYTES) {
    this.#size = size;
    this.#buffer = new ArrayBuffer(size);
  }

  /** `n` bytes (not zeroed) for one outgoing datagram; a plain array when `n` is a large share. */
  readonly alloc = (n: number): Uint8Array => {
    if (n > this.#size >>> 3) return new Uint8Array(n);
    if (this.#offset + n > this.#size) {
      if (this.#held) {
        this.#buffer = new ArrayBuffer(this.#size);
        this.#held = false;
        this.#slabs++;
      } else {
        this.#wraps++;
      }
      this.#offset = 0;
    }
    const out = new Uint8Array(this.#buffer, this.#offset, n);
    // 8-byte steps keep every datagram aligned (cheap copies); the waste is at most 7 bytes.
    this.#offset += (n + 7) & ~7;
    return out;
  };

  /** After a send of slab memory: `queued` says the socket kept it for later (see the top). */
  sent(queued: boolean): void {
    if (queued) this.#held = true;
  }

  /** Slabs made and wraparounds so far (tests, benchmarks). */
  get stats(): { slabs: number; wraps: number } {
    return { slabs: this.#slabs, wraps: this.#wraps };
  }
}

/** The one slab every TURN socket in the process sends from: a process has one event loop. */
export const outSlab = new OutSlab();
