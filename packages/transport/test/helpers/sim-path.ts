/**
 * In-memory paths for tests: a {@link Path} pair joined by a {@link LossyLink} each way, on a fake
 * clock the scheduler advances. Different pairs model different paths (a slow relay, a fast direct
 * route) between the same two peers.
 */
import type { Path, PathStats } from '../../src/path.js';
import { type LinkOptions, LossyLink } from './lossy-link.js';

export class SimPath implements Path {
  private handler: (bytes: Uint8Array) => void = () => {};
  sent = 0;

  constructor(
    readonly id: string,
    readonly mtu: number,
    private readonly link: LossyLink,
    private readonly clock: () => number,
  ) {}

  send(bytes: Uint8Array): void {
    if (bytes.length > this.mtu) throw new Error(`${bytes.length} bytes over path mtu ${this.mtu}`);
    this.sent++;
    this.link.send(bytes, this.clock());
  }

  onDatagram(handler: (bytes: Uint8Array) => void): void {
    this.handler = handler;
  }

  deliver(bytes: Uint8Array): void {
    this.handler(bytes);
  }

  stats(): PathStats {
    return { rttMs: undefined, loss: undefined };
  }

  close(): void {
    this.handler = () => {};
  }
}

/** Two ends of one path and the scheduler entries that carry datagrams between them. */
export function simPathPair(
  id: string,
  mtu: number,
  link: LinkOptions,
  clock: () => number,
  setClock: (t: number) => void,
) {
  const ab = new LossyLink(link);
  const ba = new LossyLink({ ...link, seed: (link.seed ?? 1) + 7 });
  const a = new SimPath(id, mtu, ab, clock);
  const b = new SimPath(id, mtu, ba, clock);
  return {
    a,
    b,
    links: [ab, ba],
    schedule: [
      {
        link: ab,
        deliver: (bytes: Uint8Array, now: number) => {
          setClock(now);
          b.deliver(bytes);
        },
      },
      {
        link: ba,
        deliver: (bytes: Uint8Array, now: number) => {
          setClock(now);
          a.deliver(bytes);
        },
      },
    ],
  };
}
