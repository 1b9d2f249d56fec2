/**
 * What every SDK path shares: the session's inbound handler, byte counters, and a hook after each
 * delivery (acknowledgements arrive that way: progress for blocked stream writers).
 */
import type { Path, PathStats } from '@peerlink/transport';

export abstract class CountedPath implements Path {
  abstract readonly id: string;
  abstract readonly mtu: number;
  #handler: (bytes: Uint8Array) => void = () => {};
  sent = 0;
  received = 0;
  afterDeliver: () => void = () => {};

  abstract send(bytes: Uint8Array): void;

  onDatagram(handler: (bytes: Uint8Array) => void): void {
    this.#handler = handler;
  }

  /** An inbound datagram for the session. */
  deliver(bytes: Uint8Array): void {
    this.received += bytes.length;
    this.#handler(bytes);
    this.afterDeliver();
  }

  stats(): PathStats {
    return { rttMs: undefined, loss: undefined };
  }

  close(): void {
    this.#handler = () => {};
  }
}
