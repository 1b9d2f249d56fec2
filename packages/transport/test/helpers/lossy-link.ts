/**
 * A deterministic in-memory network for tests: a one-way link with delay, jitter (which reorders),
 * random loss and duplication from a seeded PRNG, and a scheduler that drives endpoints on a fake
 * clock. No timers, no sockets: `run` jumps the clock from event to event.
 */

/** mulberry32: a small seeded PRNG, good enough to make loss patterns reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkOptions {
  delayMs: number;
  jitterMs?: number;
  loss?: number;
  duplicate?: number;
  seed?: number;
}

interface InFlight {
  at: number;
  seq: number;
  bytes: Uint8Array;
}

/** One direction of a link. `send` schedules, `due(now)` hands over what has arrived. */
export class LossyLink {
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly random: () => number;
  sent = 0;
  dropped = 0;

  constructor(private readonly options: LinkOptions) {
    this.random = seededRandom(options.seed ?? 1);
  }

  send(bytes: Uint8Array, now: number): void {
    this.sent++;
    if (this.random() < (this.options.loss ?? 0)) {
      this.dropped++;
      return;
    }
    const copies = this.random() < (this.options.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const jitter = Math.floor(this.random() * (this.options.jitterMs ?? 0));
      this.queue.push({ at: now + this.options.delayMs + jitter, seq: this.seq++, bytes: bytes.slice() });
    }
  }

  /** The earliest arrival time, or Infinity. */
  nextAt(): number {
    let next = Infinity;
    for (const p of this.queue) next = Math.min(next, p.at);
    return next;
  }

  due(now: number): Uint8Array[] {
    const ready = this.queue.filter((p) => p.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.queue = this.queue.filter((p) => p.at > now);
    return ready.map((p) => p.bytes);
  }
}

/** Something the scheduler drives: it wakes at `nextWake` and may have datagrams to deliver. */
export interface Node {
  nextWake(now: number): number;
  tick(now: number): void;
}

/**
 * Runs until `done()` or `limitMs` of fake time pass, jumping from event to event. Each step ticks
 * every node whose wake time has come and delivers every due datagram. Returns the fake time.
 */
export function run(
  nodes: Node[],
  links: { link: LossyLink; deliver: (bytes: Uint8Array, now: number) => void }[],
  done: () => boolean,
  start: number,
  limitMs: number,
): number {
  let now = start;
  while (!done()) {
    for (const l of links) for (const bytes of l.link.due(now)) l.deliver(bytes, now);
    for (const n of nodes) if (n.nextWake(now) <= now) n.tick(now);
    if (done()) break;
    let next = Infinity;
    for (const n of nodes) next = Math.min(next, n.nextWake(now));
    for (const l of links) next = Math.min(next, l.link.nextAt());
    now = Math.max(now + 1, next);
    if (now - start > limitMs) throw new Error(`not done after ${limitMs} ms of fake time`);
  }
  return now;
}
