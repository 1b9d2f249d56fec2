/**
 * How far away the peer's router is, learnt the way traceroute learns it, sans-IO. A router that
 * accepts unsolicited UDP (the conntrack clash, docs/hole-punching.md) answers a datagram aimed at
 * one of its closed ports with ICMP port unreachable, which a connected UDP socket hears as
 * ECONNREFUSED; the routers before it answer an expiring datagram with time exceeded, which such a
 * socket does not hear (Linux reports only hard errors to a socket without IP_RECVERR). So one
 * connected socket per TTL sends one datagram to the peer's public IP at RANGE_PORT: the lowest
 * refused TTL is the hop count to the peer's router, and a datagram with one less opens every NAT
 * layer of ours without ever touching it. A router that drops such datagrams (most home and carrier
 * routers) answers nothing: the cap stays unknown, and nothing there could be poisoned either.
 *
 * The datagrams poison nothing themselves: the entry they confirm on the peer's router is for a
 * port nobody uses (RANGE_PORT, traceroute's) from a socket of ours nobody is told about.
 */
import type { Endpoint } from './endpoint.js';

/** The destination port: traceroute's first, closed on any router. */
export const RANGE_PORT = 33434;

export class RouterRange {
  #refused: number | undefined;
  #until: number;
  done = false;

  constructor(
    readonly to: Endpoint,
    readonly ttls: readonly number[],
    now: number,
    forMs: number,
  ) {
    this.#until = now + forMs;
  }

  /** The socket that sent with `ttl` heard port unreachable. */
  refused(ttl: number): void {
    if (!this.ttls.includes(ttl)) return;
    this.#refused = Math.min(this.#refused ?? Infinity, ttl);
  }

  /** The lowest TTL the peer's router refused (its hop count), if one did. */
  get hops(): number | undefined {
    return this.#refused;
  }

  /**
   * The largest TTL that dies before the peer's router, when that still passes a NAT of ours (3 or
   * more hops: ours, at least one router, theirs); undefined when unknown.
   */
  get cap(): number | undefined {
    return this.#refused !== undefined && this.#refused >= 3 ? this.#refused - 1 : undefined;
  }

  /** True once, when the sockets may close (`forMs` after the start). */
  step(now: number): boolean {
    if (this.done || now < this.#until) return false;
    this.done = true;
    return true;
  }

  nextTimeout(): number | undefined {
    return this.done ? undefined : this.#until;
  }
}

/** An opener's `ttl` held below the peer's router (`cap`, when known). */
export function capTtl(ttl: number, cap: number | undefined): number {
  return cap === undefined ? ttl : Math.min(ttl, cap);
}
