/**
 * Relay port bookkeeping (RFC 8656 §7.2): which ports of `--min-port`..`--max-port` are taken per
 * address family, EVEN-PORT picks (§18.7), and RESERVATION-TOKENs that hold the next port for a
 * later Allocate (§18.10, 30 s as the RFC suggests). The engine only books numbers; the adapter
 * binds the sockets and reports back, and a port some other process holds is simply retried.
 */
export interface Reservation {
  readonly family: 4 | 6;
  readonly port: number;
  readonly expiresAt: number;
}

export const RESERVATION_LIFETIME_MS = 30_000;

export class PortPool {
  readonly min: number;
  readonly max: number;
  readonly #taken = new Map<4 | 6, Set<number>>([
    [4, new Set()],
    [6, new Set()],
  ]);
  readonly #reservations = new Map<string, Reservation>();
  readonly #random: () => number;

  constructor(min: number, max: number, random: () => number) {
    this.min = min;
    this.max = max;
    this.#random = random;
  }

  #free(family: 4 | 6, port: number): boolean {
    return port >= this.min && port <= this.max && !(this.#taken.get(family) as Set<number>).has(port);
  }

  /**
   * Books a port, or an even port and its odd successor when `pair` (EVEN-PORT with R set), or any
   * even port when `even`. Starts at a random place so ports are hard to guess. Undefined when full.
   */
  take(family: 4 | 6, mode: 'any' | 'even' | 'pair'): number | undefined {
    const span = this.max - this.min + 1;
    const start = this.min + Math.floor(this.#random() * span);
    for (let i = 0; i < span; i++) {
      const port = this.min + ((start - this.min + i) % span);
      if (mode !== 'any' && port % 2 !== 0) continue;
      if (!this.#free(family, port)) continue;
      if (mode === 'pair' && !this.#free(family, port + 1)) continue;
      this.#taken.get(family)?.add(port);
      if (mode === 'pair') this.#taken.get(family)?.add(port + 1);
      return port;
    }
    return undefined;
  }

  /** Books a specific port (the one a reservation held); false when taken. */
  takeExact(family: 4 | 6, port: number): boolean {
    if (!this.#free(family, port)) return false;
    this.#taken.get(family)?.add(port);
    return true;
  }

  release(family: 4 | 6, port: number): void {
    this.#taken.get(family)?.delete(port);
  }

  /** Holds `port` (already booked) under `token` until it is redeemed or expires. */
  reserve(token: string, family: 4 | 6, port: number, now: number): void {
    this.#reservations.set(token, { family, port, expiresAt: now + RESERVATION_LIFETIME_MS });
  }

  /** Hands the reserved port over to its new allocation: it stays booked. */
  redeem(token: string, now: number): Reservation | undefined {
    const r = this.#reservations.get(token);
    if (r === undefined || r.expiresAt <= now) return undefined;
    this.#reservations.delete(token);
    return r;
  }

  /** Frees the ports of reservations nobody redeemed. */
  expire(now: number): void {
    for (const [token, r] of this.#reservations) {
      if (r.expiresAt <= now) {
        this.#reservations.delete(token);
        this.release(r.family, r.port);
      }
    }
  }

  get reservations(): number {
    return this.#reservations.size;
  }
}
