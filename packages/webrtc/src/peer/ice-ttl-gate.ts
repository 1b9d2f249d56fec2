/**
 * The conntrack-clash remedy for the Node master's ICE checks, sans-IO (issue #20; the clash itself:
 * docs/hole-punching.md). A router that accepts unsolicited UDP confirms a conntrack entry for the
 * first packet that reaches it from an endpoint, and then maps its own host's packets towards that
 * endpoint to another port. werift checks every pair as soon as it can, with the full TTL, so its
 * first check to a viewer's server-reflexive port can reach the viewer's router before the viewer
 * has sent anything to us, and the viewer's mapping towards us moves. This gate decides, per local
 * socket and remote candidate:
 *
 * - openers: a TTL-limited datagram per rung of `openerTtls` from each local socket to each remote
 *   IPv4 host/srflx candidate, as soon as both are known: it maps our NAT layers towards the viewer
 *   and dies before the viewer's router. The first rung goes at once; the others wait until ranging
 *   the viewer's router has settled or our description goes out, whichever is first, and are capped
 *   at its hop count - 1 (p2p's RouterRange);
 * - the hold: werift's checks to a remote srflx candidate wait until a check from it has arrived
 *   (the viewer has sent: its router holds its mapping), or ranging settled without
 *   an answer (its router drops unsolicited UDP: nothing to poison), or `holdMs` passed after the
 *   pair's first opener and our description going out (then as standard ICE would).
 *
 * Host candidates are not held (no router of the viewer's in front of them), relay, prflx and IPv6
 * candidates are not touched. Time is passed in; the adapter (ice-ttl-hook.ts) owns sockets and
 * timers.
 */
import { capTtl, endpointKey, RANGE_PORT, RouterRange, type Endpoint } from '@peerlink/p2p';

export interface IceTtlTiming {
  /** TTLs of each pair's openers, in order; the first at once, the rest once ranging settled or `arm`. */
  readonly openerTtls: readonly number[];
  /** TTLs the viewer's router is ranged with (one connected socket each); [] for none. */
  readonly rangeTtls: readonly number[];
  /** A ranging that heard nothing this long after it started: that router drops unsolicited UDP. */
  readonly rangeWaitMs: number;
  /** After the first port unreachable, this long for a lower TTL's (the hop count is the lowest). */
  readonly settleMs: number;
  /** The ranging sockets close this long after they opened. */
  readonly rangeForMs: number;
  /** The longest a pair's checks wait, counted from its first opener or our description going out, whichever is later. */
  readonly holdMs: number;
  /**
   * The later rungs of a pair whose ranging has not settled go this long after our description,
   * not at once: a port unreachable already in the socket's queue (a busy event loop) is read first.
   */
  readonly armGraceMs: number;
}

export const DEFAULT_ICE_TTL_TIMING: IceTtlTiming = {
  openerTtls: [2, 3, 4],
  rangeTtls: [2, 3, 4, 5, 6, 7],
  rangeWaitMs: 600,
  settleMs: 50,
  rangeForMs: 3000,
  holdMs: 2000,
  armGraceMs: 50,
};

/** A local UDP socket of the ICE agent (the adapter numbers them). */
export type SocketId = number;

export type IceTtlAction =
  | { readonly type: 'opener'; readonly socket: SocketId; readonly to: Endpoint; readonly ttl: number }
  /** Range the router in front of `to.address` (p2p's rangeRouter): report each refused TTL. */
  | { readonly type: 'range'; readonly to: Endpoint; readonly ttls: readonly number[] }
  | { readonly type: 'range-done'; readonly to: Endpoint }
  /** werift's checks from `socket` to `to` may go now. */
  | { readonly type: 'release'; readonly socket: SocketId; readonly to: Endpoint };

interface Remote {
  readonly to: Endpoint;
  /** A srflx candidate, unless the same endpoint is also a host candidate (no NAT in front). */
  held: boolean;
}

interface Ranging {
  readonly range: RouterRange;
  readonly startedAt: number;
  firstRefusalAt?: number;
  /** The cap it gives is final: `rangeWaitMs` passed, or `settleMs` after the first refusal. */
  settled: boolean;
}

interface Pair {
  readonly socket: SocketId;
  readonly remote: Remote;
  rungsSent: number;
  firstAt?: number;
  heard: boolean;
  released: boolean;
}

const isIpv4 = (a: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(a);

export class IceTtlGate {
  readonly #t: IceTtlTiming;
  readonly #sockets = new Set<SocketId>();
  readonly #remotes = new Map<string, Remote>();
  readonly #ranges = new Map<string, Ranging>();
  readonly #pairs = new Map<string, Pair>();
  #armedAt: number | undefined;
  #lastRun = -Infinity;
  #actions: IceTtlAction[] = [];

  constructor(timing: Partial<IceTtlTiming> = {}) {
    this.#t = { ...DEFAULT_ICE_TTL_TIMING, ...timing };
  }

  /** A local IPv4 UDP socket of the agent, bound and ready to send. */
  addSocket(socket: SocketId, now: number): void {
    if (this.#sockets.has(socket)) return;
    this.#sockets.add(socket);
    for (const r of this.#remotes.values()) this.#pair(socket, r);
    this.#run(now);
  }

  /** A remote candidate werift accepted (after mDNS resolution). */
  addRemote(type: string, to: Endpoint, now: number): void {
    if ((type !== 'host' && type !== 'srflx') || !isIpv4(to.address)) return;
    const key = endpointKey(to);
    const known = this.#remotes.get(key);
    if (known !== undefined) {
      if (type === 'host') known.held = false;
      return this.#run(now);
    }
    const remote: Remote = { to, held: type === 'srflx' };
    this.#remotes.set(key, remote);
    if (remote.held && !this.#ranges.has(to.address) && this.#t.rangeTtls.length > 0) {
      const at = { address: to.address, port: RANGE_PORT };
      this.#ranges.set(to.address, {
        range: new RouterRange(at, this.#t.rangeTtls, now, this.#t.rangeForMs),
        startedAt: now,
        settled: false,
      });
      this.#actions.push({ type: 'range', to: at, ttls: this.#t.rangeTtls });
    }
    for (const s of this.#sockets) this.#pair(s, remote);
    this.#run(now);
  }

  /** The ranging socket with `ttl` towards `address` heard port unreachable. */
  refused(address: string, ttl: number, now: number): void {
    const r = this.#ranges.get(address);
    if (r === undefined) return;
    r.range.refused(ttl);
    r.firstRefusalAt ??= now;
    this.#run(now);
  }

  /**
   * A STUN request from `from` arrived on any socket of the agent, its TURN allocation's included:
   * the viewer is checking. A check to our relay candidate tells that too: the viewer checks in
   * priority order, so by then it has sent to our srflx port from the same socket (and its router
   * holds its mapping towards us), and a symmetric master, whose accepting router takes those
   * checks for itself, still learns when its own checks may go.
   */
  heard(from: Endpoint, now: number): void {
    let changed = false;
    for (const p of this.#pairs.values())
      if (!p.heard && endpointKey(p.remote.to) === endpointKey(from)) changed = p.heard = true;
    if (changed) this.#run(now);
  }

  /** Our description (and so our candidates) went out: from now on a pair's hold can run out. */
  arm(now: number): void {
    this.#armedAt ??= now;
    this.#run(now);
  }

  /** Whether werift may send a check from `socket` to `to` now (anything the gate does not hold may). */
  mayCheck(socket: SocketId | undefined, to: Endpoint): boolean {
    if (socket === undefined) return true;
    const p = this.#pairs.get(key(socket, to));
    return p === undefined || p.released;
  }

  /** Hops to the router in front of `address`, when it answered the ranging. */
  hops(address: string): number | undefined {
    return this.#ranges.get(address)?.range.hops;
  }

  /** Advances to `now` (the adapter's timer) and returns what to do, in order. */
  poll(now: number): IceTtlAction[] {
    this.#run(now);
    const out = this.#actions;
    this.#actions = [];
    return out;
  }

  /** When to call `poll` next; undefined: only an input changes anything. */
  nextTimeout(): number | undefined {
    let at = Infinity;
    for (const r of this.#ranges.values()) {
      const done = r.range.nextTimeout();
      if (done !== undefined) at = Math.min(at, done);
      if (!r.settled) at = Math.min(at, this.#settlesAt(r));
    }
    const grace = this.#armedAt === undefined ? Infinity : this.#armedAt + this.#t.armGraceMs;
    for (const p of this.#pairs.values()) {
      const d = this.#deadline(p);
      if (!p.released && d !== undefined) at = Math.min(at, d);
      if (!p.heard && p.rungsSent < this.#t.openerTtls.length && grace > this.#lastRun)
        at = Math.min(at, grace);
    }
    return at === Infinity ? undefined : at;
  }

  #pair(socket: SocketId, remote: Remote): void {
    const k = key(socket, remote.to);
    if (this.#pairs.has(k)) return;
    this.#pairs.set(k, { socket, remote, rungsSent: 0, heard: false, released: false });
  }

  #settlesAt(r: Ranging): number {
    const early = r.firstRefusalAt === undefined ? Infinity : r.firstRefusalAt + this.#t.settleMs;
    return Math.min(r.startedAt + this.#t.rangeWaitMs, early);
  }

  #deadline(p: Pair): number | undefined {
    if (this.#armedAt === undefined || p.firstAt === undefined) return undefined;
    return Math.max(this.#armedAt, p.firstAt) + this.#t.holdMs;
  }

  #run(now: number): void {
    this.#lastRun = now;
    for (const r of this.#ranges.values()) {
      if (!r.settled && now >= this.#settlesAt(r)) r.settled = true;
      if (r.range.step(now)) this.#actions.push({ type: 'range-done', to: r.range.to });
    }
    for (const p of this.#pairs.values()) this.#advance(p, now);
  }

  #advance(p: Pair, now: number): void {
    const ranging = this.#ranges.get(p.remote.to.address);
    const settled = ranging?.settled ?? true;
    const cap = ranging?.range.cap;
    const ttls = this.#t.openerTtls;
    // Openers: none once the viewer has sent (our NAT let it in: the mapping is there).
    if (!p.heard && p.rungsSent === 0 && ttls.length > 0) {
      this.#opener(p, capTtl(ttls[0]!, cap), []);
      p.rungsSent = 1;
      p.firstAt = now;
    }
    // The later rungs wait for the cap, but not past our description going out: from then on the
    // viewer may check us, and a layer of ours that only a higher rung passes (a carrier NAT) must
    // be open by then. A ranging still unsettled at that moment gives no cap (its router is far).
    const armed = this.#armedAt !== undefined && now >= this.#armedAt + this.#t.armGraceMs;
    if (!p.heard && (settled || armed) && p.rungsSent < ttls.length) {
      const sent = ttls.slice(0, p.rungsSent).map((t) => capTtl(t, cap));
      for (const t of ttls.slice(p.rungsSent)) this.#opener(p, capTtl(t, cap), sent);
      p.rungsSent = ttls.length;
    }
    if (p.released) return;
    const silent = settled && ranging !== undefined && ranging.range.hops === undefined;
    const deadline = this.#deadline(p);
    if (!p.remote.held || p.heard || silent || (deadline !== undefined && now >= deadline)) {
      p.released = true;
      this.#actions.push({ type: 'release', socket: p.socket, to: p.remote.to });
    }
  }

  /** Queues an opener unless one with that TTL went already (a cap makes rungs equal). */
  #opener(p: Pair, ttl: number, sent: number[]): void {
    if (sent.includes(ttl)) return;
    sent.push(ttl);
    this.#actions.push({ type: 'opener', socket: p.socket, to: p.remote.to, ttl });
  }
}

const key = (socket: SocketId, to: Endpoint): string => `${socket}|${endpointKey(to)}`;
