/**
 * A fake clock: timers fire only when the test advances time, in due order, so a run that takes
 * minutes of protocol time finishes in milliseconds and the same way every time.
 *
 * Engines take `now` as a parameter and need only `now()`; code that still calls the global
 * `setTimeout` (the STUN transaction timer of `probeNat`) runs under `install()`, which swaps the
 * global timer functions for this clock's until `uninstall()`.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class FakeClockError extends Error {
  readonly code: 'FAKE_CLOCK_IDLE' | 'FAKE_CLOCK_LIMIT';
  constructor(code: FakeClockError['code'], message: string) {
    super(message);
    this.name = 'FakeClockError';
    this.code = code;
  }
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];
  #saved: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } | undefined;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    const t: Timer = { id, at: this.#now + Math.max(0, ms), fn };
    // Keep the list sorted by due time, ties in creation order (stable: insert after equals).
    let i = this.#timers.length;
    while (i > 0 && (this.#timers[i - 1] as Timer).at > t.at) i--;
    this.#timers.splice(i, 0, t);
    return id;
  }

  clearTimeout(id: number): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const t = this.#timers[0];
      if (!t || t.at > end) break;
      this.#timers.shift();
      this.#now = t.at;
      t.fn();
    }
    this.#now = end;
  }

  /** Replaces the global setTimeout/clearTimeout with this clock's. */
  install(): void {
    if (this.#saved) return;
    this.#saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (fn: () => void, ms?: number) => this.setTimeout(fn, ms ?? 0);
    g.clearTimeout = (id: number) => this.clearTimeout(id);
  }

  uninstall(): void {
    if (!this.#saved) return;
    globalThis.setTimeout = this.#saved.setTimeout;
    globalThis.clearTimeout = this.#saved.clearTimeout;
    this.#saved = undefined;
  }

  /**
   * Drives `work` to completion: lets promise callbacks run, then jumps to the next timer, until the
   * work settles. Fails when nothing is scheduled while it still waits (it would wait forever), or
   * when it needs more than `limitMs` of fake time.
   */
  async run<T>(work: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    const deadline = this.#now + limitMs;
    for (;;) {
      await settle();
      if (settled) return work;
      const next = this.#timers[0];
      if (!next) throw new FakeClockError('FAKE_CLOCK_IDLE', 'the work waits but no timer is scheduled');
      if (next.at > deadline) throw new FakeClockError('FAKE_CLOCK_LIMIT', `not done after ${limitMs} ms`);
      this.advance(next.at - this.#now);
    }
  }
}

/** Lets every queued promise callback run (a real macrotask turn; its timer is never faked). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
