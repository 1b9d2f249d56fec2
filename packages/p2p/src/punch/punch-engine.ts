/**
 * The hole-punch scheduler of one connection, sans-IO: it is told the candidates and NAT hints of
 * both sides (exchanged through signaling), the checks that arrive, and the time; it answers with
 * the checks to send, the sockets to open or close, and which path to use. The adapter encodes and
 * authenticates the checks (client/src/direct) and owns sockets, timers and the transport session.
 *
 * Both sides probe every candidate pair at once, every `probeEveryMs` for `probeForMs`; a valid check
 * from an unknown address triggers a check back (a peer-reflexive candidate); the first pair whose
 * check is answered is selected (make-before-break: the relay stays until then, and afterwards as
 * the backup). A better pair (IPv6 over IPv4, host over reflexive, direct over TURN) that answers
 * later replaces it. Checks every `keepaliveMs` hold the NAT mapping; none answered for
 * `deadAfterMs` and the path is dropped and probing starts over. With one hard side (a random port
 * per destination) and one easy side, birthday probing (birthday.ts) runs after a short wait for
 * simultaneous open; sequential allocators get their next ports probed. See docs/hole-punching.md.
 *
 * Routers that accept unsolicited UDP (the conntrack clash, docs/hole-punching.md): a check that
 * reaches the peer's router before the peer has sent towards us makes that router give the peer's
 * own checks another port. So the first checks of every pair are openers, TTL-limited (`ttl` on the
 * ping, `openerTtls` one after another, `openerStepMs` apart): they open our NAT's mapping and die
 * before the peer's router; full-TTL checks follow once the peer has had time to open its own.
 * Where the peer's router answers port unreachable, the node learns its hop count (router-range.ts)
 * and no opener or birthday socket of ours reaches that far before the peer has opened.
 */
import { DEFAULT_BIRTHDAY, type BirthdayBudget, type BirthdayLock } from './birthday.js';
import { BirthdayRun, type BirthdayEnv } from './birthday-run.js';
import { endpointKey, isIpv6, pairKey, type Candidate, type Endpoint } from './endpoint.js';
import { isEasyNat, isHardNat, type NatHint } from './nat-hint.js';
import { capTtl, RANGE_PORT, RouterRange } from './router-range.js';

/** Which local socket: 0 the node's primary socket, 1.. birthday sockets, TURN_VIA the TURN allocation. */
export type Via = number;
export const PRIMARY_VIA = 0;
export const TURN_VIA = -1;

export interface PunchTiming {
  readonly probeEveryMs: number;
  readonly probeForMs: number;
  readonly keepaliveMs: number;
  readonly deadAfterMs: number;
  readonly retryAfterMs: number;
  /** TTLs of each pair's first checks, in order (opening our NAT, dying before the peer's); [] for none. */
  readonly openerTtls: readonly number[];
  /** Gap between a pair's openers. */
  readonly openerStepMs: number;
  /**
   * Openers go in step with the peer's: a pair's opener k+1 waits until the peer says it has sent
   * k (`peerOpened`), its full-TTL checks until the peer has sent all of them; past this long after
   * the pair's first opener nothing waits (a peer that never says, or whose word is lost).
   */
  readonly openedWaitMs: number;
  /**
   * TTLs the peer's router is ranged with (one connected socket each, router-range.ts), when the
   * server vouches for the peer's IPv4 address; [] for none. The sockets close after `rangeForMs`.
   */
  readonly rangeTtls: readonly number[];
  readonly rangeForMs: number;
}

export const DEFAULT_PUNCH_TIMING: PunchTiming = {
  probeEveryMs: 100,
  probeForMs: 5000,
  keepaliveMs: 2000,
  deadAfterMs: 6500,
  retryAfterMs: 10_000,
  openerTtls: [2, 3, 4],
  openerStepMs: 50,
  openedWaitMs: 1500,
  rangeTtls: [2, 3, 4, 5, 6, 7],
  rangeForMs: 3000,
};

/** Ports after the last one seen that a sequential allocator is probed on. */
export const SEQUENTIAL_WINDOW = 32;

export type PunchAction =
  /** `ttl`: send this check with that IP TTL (an opener); absent: the socket's default. */
  | { readonly type: 'ping'; readonly to: Endpoint; readonly via: Via; readonly ttl?: number }
  | { readonly type: 'pong'; readonly to: Endpoint; readonly via: Via; readonly txid: Uint8Array }
  /**
   * Range the peer's router: one connected socket per TTL sends one datagram to `to` with it, and
   * each that hears port unreachable (ECONNREFUSED) is reported (`rangeRefused`).
   */
  | { readonly type: 'range'; readonly to: Endpoint; readonly ttls: readonly number[] }
  /** Close the ranging sockets. */
  | { readonly type: 'range-done' }
  /** We have sent openers with these TTLs (in order): tell the peer (`direct-opened`), it may go on. */
  | { readonly type: 'opened'; readonly rungs: readonly number[] }
  | { readonly type: 'open-sockets'; readonly count: number }
  /** Close the birthday sockets but `keep` (the selected one, if any). */
  | { readonly type: 'close-sockets'; readonly keep: Via | undefined }
  | { readonly type: 'select'; readonly to: Endpoint; readonly via: Via; readonly kind: 'direct' | 'turn' }
  | { readonly type: 'unselect'; readonly reason: 'lost' | 'local-change' | 'remote-change' }
  /** No direct pair yet and both sides have UDP: a TURN allocation may give a `turn` path. */
  | { readonly type: 'need-turn' };

export interface PunchOptions {
  readonly initiator: boolean;
  readonly timing?: Partial<PunchTiming>;
  readonly birthday?: BirthdayBudget;
  /** The node's lock: one birthday attempt per node at a time. */
  readonly lock?: BirthdayLock;
  readonly random?: () => number;
  /** IPs of TURN servers: a peer address there is the peer's allocation (a TURN path), whatever it was called. */
  readonly relayIps?: readonly string[];
}

interface Side {
  readonly candidates: readonly Candidate[];
  readonly nat: NatHint;
}

interface Target {
  readonly to: Endpoint;
  readonly via: Via;
  until: number;
  /** Checks sent in this round: the first `openerTtls.length` are openers; Infinity: no more openers. */
  sent?: number;
  /** When this pair's first opener went out (its wait for the peer's openers counts from there). */
  firstAt?: number;
}

export type PunchState = 'waiting' | 'probing' | 'selected' | 'idle';

export class PunchEngine {
  readonly #timing: PunchTiming;
  readonly #budget: BirthdayBudget;
  readonly #random: () => number;
  #actions: PunchAction[] = [];
  #local: Side | undefined;
  #remote: (Side & { generation: number }) | undefined;
  #rttMs: number | undefined;
  readonly #targets = new Map<string, Target>();
  readonly #known = new Map<string, { to: Endpoint; via: Via }>();
  #selected: { to: Endpoint; via: Via; priority: number; lastPong: number } | undefined;
  #startAt = 0;
  #nextProbe = 0;
  #nextKeepalive = 0;
  #nextRound = Infinity;
  #roundOpen = false;
  #turn = false;
  #turnAsked = false;
  #birthday: BirthdayRun | undefined;
  #birthdayAttempts = 0;
  #vouched: string | undefined;
  #range: RouterRange | undefined;
  /** Opener rungs we have sent on some pair, and those the peer says it has sent. */
  #ownRungs = 0;
  #peerRungs = 0;
  /** Checks sent, by kind of probing (the packet budget, in stats). */
  readonly sent = { checks: 0, birthday: 0 };

  constructor(private readonly opts: PunchOptions) {
    this.#timing = { ...DEFAULT_PUNCH_TIMING, ...opts.timing };
    this.#budget = opts.birthday ?? DEFAULT_BIRTHDAY;
    this.#random = opts.random ?? Math.random;
  }

  get selected(): { to: Endpoint; via: Via } | undefined {
    return this.#selected;
  }

  get state(): PunchState {
    if (this.#selected) return 'selected';
    if (!this.#local || !this.#remote) return 'waiting';
    return this.#targets.size > 0 || this.#birthdayActive() ? 'probing' : 'idle';
  }

  /**
   * The IP the signaling server sees the peer at. Birthday probing sends thousands of packets, so it
   * aims only at an address the server vouches for: a peer cannot turn us against a third party by
   * claiming a hard NAT at someone else's address.
   */
  vouch(ip: string, now?: number): void {
    this.#vouched = ip;
    // With the time (the adapter's call), an IPv4 peer's router is ranged: how far it is.
    const ttls = this.#timing.rangeTtls;
    if (now === undefined || this.#range || isIpv6(ip) || ip === '' || ttls.length === 0) return;
    this.#range = new RouterRange({ address: ip, port: RANGE_PORT }, ttls, now, this.#timing.rangeForMs);
    this.#push({ type: 'range', to: this.#range.to, ttls });
  }

  /** The ranging socket that sent with `ttl` heard port unreachable: the peer's router is that far. */
  rangeRefused(ttl: number): void {
    this.#range?.refused(ttl);
  }

  /** Hops to the peer's router, when it answered the ranging (undefined otherwise). */
  get peerRouterHops(): number | undefined {
    return this.#range?.hops;
  }

  /** The round trip of the signaling exchange: the initiator waits half of it so both open together. */
  setSignalingRtt(ms: number): void {
    this.#rttMs = ms;
  }

  /** Our candidates; called again as gathering completes stages (trickle) adds to the same round. */
  setLocal(candidates: readonly Candidate[], nat: NatHint, now: number): void {
    const fresh = this.#local === undefined;
    this.#local = { candidates, nat };
    this.#plan(now, fresh);
  }

  /** The peer's candidates; a higher generation (its addresses changed) replaces what it said before. */
  setRemote(candidates: readonly Candidate[], nat: NatHint, generation: number, now: number): void {
    const prev = this.#remote;
    if (prev && generation < prev.generation) return;
    if (prev && generation > prev.generation) {
      this.#reset(now, 'remote-change');
      this.#remote = { candidates, nat, generation };
      return this.#plan(now, true);
    }
    const merged = prev ? [...prev.candidates] : [];
    for (const c of candidates) if (!merged.some((m) => endpointKey(m) === endpointKey(c))) merged.push(c);
    this.#remote = { candidates: merged, nat: prev && !nat.udp ? prev.nat : nat, generation };
    this.#plan(now, prev === undefined);
  }

  /**
   * The peer has sent its first `rungs` openers (its `direct-opened`): our next rungs and then our
   * full-TTL checks may go, its NAT holding a mapping towards us before they arrive.
   */
  peerOpened(rungs: number, generation: number, now: number): void {
    if (this.#remote && generation !== this.#remote.generation) return;
    if (rungs <= this.#peerRungs) return;
    this.#peerRungs = Math.min(rungs, this.#timing.openerTtls.length);
    if (this.#targets.size > 0) this.#nextProbe = Math.min(this.#nextProbe, Math.max(now, this.#startAt));
  }

  /** A TURN allocation exists: probe the peer through it too. */
  turnReady(now: number): void {
    this.#turn = true;
    this.#plan(now, false);
  }

  /** The birthday sockets the adapter opened for `open-sockets`. */
  socketsOpened(vias: readonly Via[], now: number): void {
    this.#birthday?.socketsOpened(vias, now);
    this.handleTimer(now);
  }

  /** A valid ping (authenticated by the adapter) arrived from `from` on `via`. */
  onPing(from: Endpoint, via: Via, txid: Uint8Array, now: number): void {
    this.#push({ type: 'pong', to: from, via, txid });
    const k = pairKey(via, from);
    if (this.#selected && this.#priority(from, via) <= this.#selected.priority) return;
    const t = this.#targets.get(k);
    // The peer reached us here, so its NAT holds a mapping towards us: no more openers, no waiting.
    if (t) t.sent = Infinity;
    else {
      this.#targets.set(k, { to: from, via, until: now + this.#timing.probeForMs, sent: Infinity });
      this.#ping(from, via); // triggered check
    }
  }

  /** A valid pong: the pair works. */
  onPong(from: Endpoint, via: Via, now: number): void {
    const s = this.#selected;
    if (s && s.via === via && endpointKey(s.to) === endpointKey(from)) {
      s.lastPong = now;
      return;
    }
    const priority = this.#priority(from, via);
    if (s && priority <= s.priority) return;
    this.#selected = { to: from, via, priority, lastPong: now };
    this.#nextKeepalive = now + this.#timing.keepaliveMs;
    for (const [k, t] of this.#targets) if (this.#priority(t.to, t.via) <= priority) this.#targets.delete(k);
    this.#stopBirthday(via);
    this.#push({ type: 'select', to: from, via, kind: priority === 0 ? 'turn' : 'direct' });
  }

  /** The node's addresses changed: drop the path at once and wait for fresh local candidates. */
  localChanged(now: number): void {
    this.#reset(now, 'local-change');
    this.#local = undefined;
  }

  handleTimer(now: number): void {
    const t = this.#timing;
    const s = this.#selected;
    if (s) {
      if (now - s.lastPong > t.deadAfterMs) this.#lose(now);
      else if (now >= this.#nextKeepalive) {
        this.#ping(s.to, s.via);
        this.#nextKeepalive = now + t.keepaliveMs;
      }
    }
    if (!this.#selected && this.#targets.size === 0 && now >= this.#nextRound && this.#known.size > 0) {
      for (const [k, x] of this.#known) this.#targets.set(k, { ...x, until: now + t.probeForMs });
      this.#roundOpen = true;
      this.#nextRound = Infinity;
      this.#nextProbe = now;
      this.#retryBirthday(now);
    }
    if (this.#range?.step(now)) this.#push({ type: 'range-done' });
    if (this.#targets.size > 0 && now >= this.#startAt && now >= this.#nextProbe) {
      let opening = false;
      for (const [k, x] of this.#targets) {
        if (now > x.until) {
          this.#known.set(k, { to: x.to, via: x.via });
          this.#targets.delete(k);
          continue;
        }
        const n = x.sent ?? 0;
        const turn = x.via === TURN_VIA;
        if (!turn && !this.#mayFire(x, n, now)) {
          opening = true;
          continue;
        }
        x.sent = n + 1;
        x.firstAt ??= now;
        const rung = turn ? undefined : t.openerTtls[n];
        const ttl = rung === undefined ? undefined : capTtl(rung, this.#range?.cap);
        this.#ping(x.to, x.via, ttl);
        if (ttl !== undefined && n + 1 > this.#ownRungs) {
          this.#ownRungs = n + 1;
          this.#push({
            type: 'opened',
            rungs: t.openerTtls.slice(0, n + 1).map((r) => capTtl(r, this.#range?.cap)),
          });
        }
        opening ||= n + 1 < t.openerTtls.length;
      }
      this.#nextProbe = now + (opening ? t.openerStepMs : t.probeEveryMs);
    }
    this.#birthday?.step(now, this.#birthdayEnv());
    if (this.#roundOpen && this.#targets.size === 0 && !this.#birthdayActive()) {
      this.#roundOpen = false;
      if (!this.#selected) {
        this.#nextRound = now + t.retryAfterMs;
        this.#askTurn();
      }
    }
  }

  /** When handleTimer wants to run next (absolute ms), or undefined when nothing is scheduled. */
  nextTimeout(): number | undefined {
    const times: number[] = [];
    if (this.#selected) times.push(this.#nextKeepalive, this.#selected.lastPong + this.#timing.deadAfterMs);
    if (this.#targets.size > 0) times.push(Math.max(this.#startAt, this.#nextProbe));
    else if (!this.#selected && this.#known.size > 0 && this.#nextRound !== Infinity)
      times.push(this.#nextRound);
    const b = this.#birthday?.nextTimeout();
    if (b !== undefined) times.push(b);
    const r = this.#range?.nextTimeout();
    if (r !== undefined) times.push(r);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  takeActions(): PunchAction[] {
    const out = this.#actions;
    this.#actions = [];
    return out;
  }

  close(): void {
    this.#stopBirthday(undefined);
    this.#targets.clear();
    this.#known.clear();
  }

  // ---- internals ---------------------------------------------------------------------------------

  #plan(now: number, fresh: boolean): void {
    const local = this.#local;
    const remote = this.#remote;
    if (!local || !remote) return;
    if (fresh || !this.#roundOpen) {
      const waitHalfRtt = this.opts.initiator && this.#rttMs !== undefined ? this.#rttMs / 2 : 0;
      this.#startAt = Math.max(this.#startAt, now + waitHalfRtt);
      this.#nextProbe = this.#startAt;
    }
    this.#roundOpen = true;
    const until = Math.max(now, this.#startAt) + this.#timing.probeForMs;
    const v6 = local.candidates.some((c) => isIpv6(c.address));
    const v4 = local.candidates.some((c) => !isIpv6(c.address)) || local.nat.udp;
    for (const c of remote.candidates) {
      if (isIpv6(c.address) ? !v6 : !v4) continue;
      this.#target(c, PRIMARY_VIA, until);
      if (this.#turn && c.type !== 'host' && c.type !== 'relay' && !isIpv6(c.address))
        this.#target(c, TURN_VIA, until);
    }
    const r = remote.nat;
    if (r.mappingVaries && r.portAllocation === 'sequential' && r.publicIp && r.ports.length > 0) {
      const last = Math.max(...r.ports);
      for (let p = last + 1; p <= Math.min(65_535, last + SEQUENTIAL_WINDOW); p++)
        this.#target({ address: r.publicIp, port: p }, PRIMARY_VIA, until);
    }
    if (!this.#birthday && local.nat.udp && r.udp && r.publicIp && r.publicIp === this.#vouched) {
      const role =
        isHardNat(local.nat) && isEasyNat(r)
          ? 'hard'
          : isEasyNat(local.nat) && isHardNat(r)
            ? 'easy'
            : undefined;
      const at = Math.max(now, this.#startAt) + this.#budget.startAfterMs;
      if (role) {
        this.#birthday = new BirthdayRun(role, at, this.#budget, this.#random, this.opts.lock, this);
        this.#birthdayAttempts++;
      }
    }
    if (isHardNat(local.nat) && isHardNat(r)) this.#askTurn();
  }

  /**
   * A new round after a failed one: birthday again, on fresh sockets (fresh mappings, clear of any
   * clash the first attempt left on the peer's router), once.
   */
  #retryBirthday(now: number): void {
    const b = this.#birthday;
    if (!b || b.active || this.#birthdayAttempts >= this.#budget.attempts) return;
    this.#birthday = new BirthdayRun(b.role, now, this.#budget, this.#random, this.opts.lock, this);
    this.#birthdayAttempts++;
  }

  /**
   * Whether a pair's check number `n` may go: opener k+1 once the peer has sent k openers, full-TTL
   * checks once it has sent them all, anything once `openedWaitMs` passed since the pair's first.
   */
  #mayFire(x: Target, n: number, now: number): boolean {
    const rungs = this.#timing.openerTtls.length;
    if (n === 0 || n === Infinity || rungs === 0) return true;
    if (this.#peerRungs >= Math.min(n, rungs)) return true;
    return x.firstAt !== undefined && now - x.firstAt >= this.#timing.openedWaitMs;
  }

  #target(to: Endpoint, via: Via, until: number): void {
    const k = pairKey(via, to);
    if (this.#selected && this.#priority(to, via) <= this.#selected.priority) return;
    const t = this.#targets.get(k);
    if (t) t.until = Math.max(t.until, until);
    else this.#targets.set(k, { to, via, until, sent: 0 });
  }

  #birthdayEnv(): BirthdayEnv {
    const remote = this.#remote;
    return {
      selected: this.#selected !== undefined,
      easyMapping: remote?.candidates.find((c) => c.type === 'srflx' && c.address === this.#vouched),
      hardIp: remote?.nat.publicIp ?? null,
      ttlCap: this.#range?.cap,
      ping: (to, via, ttl) => {
        this.#ping(to, via, ttl);
        this.sent.birthday++;
      },
      push: (a) => this.#push(a),
    };
  }

  #birthdayActive(): boolean {
    return this.#birthday?.active ?? false;
  }

  #stopBirthday(keep: Via | undefined): void {
    this.#birthday?.stop(keep, this.#birthdayEnv());
  }

  #askTurn(): void {
    if (this.#turnAsked || !this.#local?.nat.udp || !this.#remote?.nat.udp) return;
    this.#turnAsked = true;
    this.#push({ type: 'need-turn' });
  }

  #lose(now: number): void {
    const s = this.#selected;
    if (!s) return;
    this.#selected = undefined;
    this.#known.set(pairKey(s.via, s.to), { to: s.to, via: s.via });
    this.#push({ type: 'unselect', reason: 'lost' });
    this.#nextRound = now;
  }

  #reset(now: number, reason: 'local-change' | 'remote-change'): void {
    if (this.#selected) this.#push({ type: 'unselect', reason });
    this.#selected = undefined;
    this.#stopBirthday(undefined);
    this.#birthday = undefined;
    this.#birthdayAttempts = 0;
    this.#targets.clear();
    this.#known.clear();
    this.#roundOpen = false;
    this.#nextRound = Infinity;
    this.#startAt = now;
    this.#ownRungs = 0;
    this.#peerRungs = 0;
  }

  /** IPv6 over IPv4, a peer's host address over its reflexive ones, anything direct over TURN. */
  #priority(to: Endpoint, via: Via): number {
    if (via === TURN_VIA) return 0;
    const k = endpointKey(to);
    const type = this.#remote?.candidates.find((c) => endpointKey(c) === k)?.type;
    // The peer's TURN allocation, announced or not yet: an address at the TURN server that is not
    // one of the peer's own candidates came out of an allocation.
    if (type === 'relay' || (type === undefined && this.opts.relayIps?.includes(to.address))) return 0;
    if (isIpv6(to.address)) return 3;
    return type === 'host' ? 2 : 1;
  }

  #ping(to: Endpoint, via: Via, ttl?: number): void {
    this.sent.checks++;
    this.#push(ttl === undefined ? { type: 'ping', to, via } : { type: 'ping', to, via, ttl });
  }

  #push(a: PunchAction): void {
    this.#actions.push(a);
  }
}
