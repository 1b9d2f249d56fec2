/**
 * The node's own candidates, shared by all its connections: gathered in stages at start (host, then
 * reflexive, then the NAT hint), plus a port the gateway maps, and gathered anew when the host's
 * addresses change (a 2 s watch), which bumps the generation: candidates of an older one are void,
 * and every connection drops its direct path at once and punches again.
 */
import type { Candidate } from '@peerlink/p2p';
import { gather, hostFingerprint, type LocalCandidates } from './candidates.js';
import type { Addr, UdpMux } from './udp-mux.js';

const ADDRESS_WATCH_MS = 2000;

export class NodeCandidates {
  generation = 0;
  #current: LocalCandidates | undefined;
  #mapped: Candidate | undefined;
  #watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly mux: UdpMux,
    private readonly stun: Addr | undefined,
    /** Every new stage or generation, for the node to pass to its connections. */
    private readonly onUpdate: (l: LocalCandidates, generation: number) => void,
  ) {}

  /** The latest stage (undefined before the first). */
  get current(): LocalCandidates | undefined {
    return this.#current;
  }

  start(): void {
    this.#gather();
    let seen = hostFingerprint(this.mux.dualStack);
    this.#watch = setInterval(() => {
      const now = hostFingerprint(this.mux.dualStack);
      if (now === seen) return;
      seen = now;
      this.generation++;
      this.#gather();
    }, ADDRESS_WATCH_MS);
    this.#watch.unref();
  }

  /** A port the gateway forwards to the node's socket: a candidate for every generation. */
  setMapped(candidate: Candidate | undefined): void {
    this.#mapped = candidate;
    if (this.#current) this.#emit(this.#current);
  }

  close(): void {
    clearInterval(this.#watch);
  }

  #gather(): void {
    const generation = this.generation;
    void gather(this.mux, this.stun, (l) => {
      if (generation === this.generation) this.#emit(l);
    });
  }

  #emit(l: LocalCandidates): void {
    const base = l.candidates.filter((c) => c.type !== 'mapped');
    const current = { ...l, candidates: this.#mapped ? [...base, this.#mapped] : base };
    this.#current = current;
    this.onUpdate(current, this.generation);
  }
}
