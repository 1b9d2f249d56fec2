/**
 * One birthday attempt of one connection (the model and budget: birthday.ts), sans-IO: waiting for
 * simultaneous open to have its chance, then the node's lock, then the hard side's sockets or the
 * easy side's paced random probes, until a hit, the budget or the deadline. PunchEngine owns one
 * and hands it the engine's ping function; the actions it adds are the engine's.
 */
import { PortShuffle, type BirthdayBudget, type BirthdayLock } from './birthday.js';
import type { Endpoint } from './endpoint.js';
import type { PunchAction, Via } from './punch-engine.js';

/** How often the easy side sends its next batch of probes. */
const EASY_STEP_MS = 20;
/** How long a connection waits before asking for a busy lock again. */
const LOCK_RETRY_MS = 1000;

export interface BirthdayEnv {
  /** The engine already has a path: nothing to do. */
  readonly selected: boolean;
  /** Hard role: the easy side's mapping, the one address every socket sends to. */
  readonly easyMapping: Endpoint | undefined;
  /** Easy role: the hard side's public IP, whose ports are probed. */
  readonly hardIp: string | null;
  /** Hard role: the largest TTL that dies before the easy side's router, when ranging learnt it. */
  readonly ttlCap?: number | undefined;
  ping(to: Endpoint, via: Via, ttl?: number): void;
  push(action: PunchAction): void;
}

export class BirthdayRun {
  phase: 'waiting' | 'running' | 'done' = 'waiting';
  /** Checks this attempt sent. */
  sent = 0;
  #at: number;
  #until = Infinity;
  #started = 0;
  #lastStep = 0;
  #vias: Via[] = [];
  #shuffle: PortShuffle | undefined;

  constructor(
    readonly role: 'hard' | 'easy',
    startAt: number,
    private readonly budget: BirthdayBudget,
    private readonly random: () => number,
    private readonly lock: BirthdayLock | undefined,
    /** Who holds the lock while this runs (the engine). */
    private readonly owner: object,
  ) {
    this.#at = startAt;
  }

  get active(): boolean {
    return this.phase !== 'done';
  }

  /** Hard role: the sockets the adapter opened; every one sends at once. */
  socketsOpened(vias: readonly Via[], now: number): void {
    if (this.role !== 'hard' || this.phase !== 'running') return;
    this.#vias = [...vias];
    this.#lastStep = now - this.budget.rearmEveryMs;
  }

  step(now: number, env: BirthdayEnv): void {
    if (this.phase === 'done') return;
    if (this.phase === 'waiting') return this.#begin(now, env);
    if (now > this.#until || (this.role === 'easy' && this.sent >= this.budget.probes))
      return this.stop(undefined, env);
    if (this.role === 'hard') {
      const to = env.easyMapping;
      if (!to || this.#vias.length === 0 || now - this.#lastStep < this.budget.rearmEveryMs) return;
      this.#lastStep = now;
      // Each socket keeps one TTL of the stage: its mapping opens with packets that die before the
      // easy side's router (a router that accepts them would clash, docs/hole-punching.md); the
      // stage that reaches further only once the first found nothing.
      // When ranging found the easy side's router, every socket sends with the largest TTL that dies
      // before it: all our NAT layers open, nothing reaches it, whatever the stage.
      const stages = this.budget.ttlStages;
      const ttls =
        env.ttlCap !== undefined
          ? [env.ttlCap]
          : (stages[Math.min(stages.length - 1, now - this.#started >= this.budget.stageAfterMs ? 1 : 0)] ??
            []);
      this.#vias.forEach((via, i) =>
        env.ping(to, via, ttls.length ? ttls[i % ttls.length] || undefined : undefined),
      );
      this.sent += this.#vias.length;
      return;
    }
    const due = Math.min(
      this.budget.probes - this.sent,
      Math.floor(((now - this.#lastStep) * this.budget.ratePerSec) / 1000),
    );
    if (due <= 0 || !env.hardIp) return;
    this.#lastStep = now;
    for (let i = 0; i < due; i++) {
      const port = this.#shuffle?.next();
      if (port === undefined) break;
      env.ping({ address: env.hardIp, port }, 0);
      this.sent++;
    }
  }

  /** Ends the attempt: the hard side closes its sockets but `keep` (the one that won). */
  stop(keep: Via | undefined, env: Pick<BirthdayEnv, 'push'>): void {
    if (this.phase === 'running') {
      if (this.role === 'hard')
        env.push({ type: 'close-sockets', keep: keep !== undefined && keep > 0 ? keep : undefined });
      this.lock?.release(this.owner);
    }
    this.phase = 'done';
  }

  nextTimeout(): number | undefined {
    if (this.phase === 'waiting') return this.#at;
    if (this.phase !== 'running') return undefined;
    const every = this.role === 'easy' ? EASY_STEP_MS : this.budget.rearmEveryMs;
    return Math.min(this.#until, this.#lastStep + every);
  }

  #begin(now: number, env: BirthdayEnv): void {
    if (now < this.#at) return;
    if (env.selected) return void (this.phase = 'done');
    if (this.lock && !this.lock.tryAcquire(this.owner)) {
      this.#at = now + LOCK_RETRY_MS; // another connection of this node is punching: wait for it
      return;
    }
    this.phase = 'running';
    this.#until = now + this.budget.forMs;
    this.#started = now;
    this.#lastStep = now;
    if (this.role === 'hard') env.push({ type: 'open-sockets', count: this.budget.sockets });
    else this.#shuffle = new PortShuffle(this.budget.lowPort, this.budget.highPort, this.random);
  }
}
