/**
 * Birthday probing between a hard NAT (a fresh random port per destination) and an easy one (one
 * mapping for every destination).
 *
 * The hard side opens `sockets` sockets and sends a check from each to the easy side's mapping: its
 * NAT now holds `sockets` random ports, each admitting packets from exactly that mapping. The easy
 * side sends checks to distinct random ports of the hard side's public IP. A check that lands on one
 * of those ports passes the hard NAT (it comes from the mapping the port was opened towards); the
 * answer goes back out through the same port, which the easy NAT admits because the easy side has
 * just sent there. With `range` ports in play, `sockets` of them open and `probes` distinct ports
 * tried, the chance of no hit is C(range - sockets, probes) / C(range, probes), close to
 * (1 - sockets / range) ^ probes. docs/hole-punching.md has the table.
 */

export interface BirthdayBudget {
  /** Sockets the hard side opens (each one NAT mapping). */
  readonly sockets: number;
  /** Distinct ports the easy side probes at most. */
  readonly probes: number;
  /** The easy side's probe rate, checks per second. */
  readonly ratePerSec: number;
  /** The hard side re-sends from every socket this often, holding and re-arming its mappings. */
  readonly rearmEveryMs: number;
  /** Give up this long after starting. */
  readonly forMs: number;
  /** Wait this long for simultaneous open (cheaper) before starting. */
  readonly startAfterMs: number;
  /** Ports the hard NAT allocates from (Linux: 1024-65535). */
  readonly lowPort: number;
  readonly highPort: number;
  /**
   * The hard side's opening TTLs in stages: socket i sends with `stage[i % stage.length]` (0: the
   * default TTL), the first stage until `stageAfterMs`, the next one after. A TTL that passes every
   * NAT layer of the hard side but dies before the easy side's router opens a mapping without touching
   * that router. One that reaches an easy router which accepts unsolicited UDP poisons that port, and
   * worse: when the easy side probes it, Linux's masquerade gives the probe another port and from then
   * on every new flow of the easy side leaves on that port (it reuses the newest mapping of a source),
   * so no later probe matches any socket (docs/hole-punching.md). So the first stage uses only TTLs
   * that die within a few hops (2, 3: one or two NAT layers), and only when they found nothing does
   * the next stage try TTLs that reach further (deeper NATs: 4 and the default).
   */
  readonly ttlStages: readonly (readonly number[])[];
  readonly stageAfterMs: number;
  /**
   * Attempts per connection: the next one at the engine's next round, on fresh sockets (fresh
   * mappings, clear of any clash the last one left on the peer's router).
   */
  readonly attempts: number;
}

export const DEFAULT_BIRTHDAY: BirthdayBudget = {
  sockets: 320,
  probes: 4400,
  ratePerSec: 400,
  rearmEveryMs: 2500,
  forMs: 12_000,
  startAfterMs: 600,
  lowPort: 1024,
  highPort: 65_535,
  ttlStages: [
    [2, 3],
    [4, 0],
  ],
  stageAfterMs: 5000,
  attempts: 2,
};

/** P(at least one hit) when `probes` distinct ports of `range` are tried and `open` of them are open. */
export function birthdaySuccess(open: number, probes: number, range: number): number {
  if (open <= 0 || probes <= 0) return 0;
  if (probes > range - open) return 1;
  let logMiss = 0;
  for (let i = 0; i < probes; i++) logMiss += Math.log((range - open - i) / (range - i));
  return 1 - Math.exp(logMiss);
}

/** Checks both sides send, at most, for one attempt: the budget's worst case. */
export function birthdayPacketBudget(b: BirthdayBudget): { hard: number; easy: number } {
  const rounds = 1 + Math.floor(b.forMs / b.rearmEveryMs);
  return { hard: b.sockets * rounds, easy: b.probes };
}

/** Distinct random ports in [low, high], drawn lazily (a partial Fisher-Yates over a sparse map). */
export class PortShuffle {
  readonly #swapped = new Map<number, number>();
  #drawn = 0;

  constructor(
    private readonly low: number,
    private readonly high: number,
    private readonly random: () => number,
  ) {}

  get remaining(): number {
    return this.high - this.low + 1 - this.#drawn;
  }

  next(): number | undefined {
    const n = this.high - this.low + 1;
    if (this.#drawn >= n) return undefined;
    const i = this.#drawn + Math.floor(this.random() * (n - this.#drawn));
    const at = (k: number): number => this.#swapped.get(k) ?? k;
    const picked = at(i);
    this.#swapped.set(i, at(this.#drawn));
    this.#drawn++;
    return this.low + picked;
  }
}

/**
 * One birthday attempt at a time per node: it costs thousands of packets and hundreds of sockets,
 * so a node never runs two. Pure bookkeeping; engines share one instance per node.
 */
export class BirthdayLock {
  #owner: object | undefined;

  tryAcquire(owner: object): boolean {
    if (this.#owner !== undefined && this.#owner !== owner) return false;
    this.#owner = owner;
    return true;
  }

  release(owner: object): void {
    if (this.#owner === owner) this.#owner = undefined;
  }

  get busy(): boolean {
    return this.#owner !== undefined;
  }
}
