/**
 * The direct path of one connection: the adapter around @peerlink/p2p's sans-IO PunchEngine. It
 * exchanges candidates, NAT hints and check passwords through the session's signaling, encodes and
 * authenticates the engine's checks, runs its timer, lends it sockets for birthday probing, and
 * moves the transport session onto the path the engine selects (make-before-break: the relay stays
 * as the warm backup) and back to the relay when the engine drops it.
 */
import { randomBytes } from 'node:crypto';
import {
  BirthdayLock,
  normaliseAddress,
  pairKey,
  PunchEngine,
  rangeRouter,
  type Candidate,
  type PunchAction,
  type Via,
} from '@peerlink/p2p';
import type { PathSession } from '@peerlink/transport';
import { PEER_UNKNOWN_NAT, parsePeerSignalData, type PeerSignalData } from '@peerlink/wire';
import { monotonicClock as now } from '@peerlink/transport/node';
import type { LocalCandidates } from './candidates.js';
import { connectionTag, encodeCheck, newTxid, type Check } from './check-packet.js';
import { type Addr, type DirectPath, type UdpMux } from './udp-mux.js';

export interface DirectHooks {
  readonly ps: PathSession;
  /** Sends data to the peer through the server session ('signal'). */
  signal(data: PeerSignalData): void;
  /** The session now sends on `path`. */
  switched(path: 'relay' | 'direct' | 'turn', remote: Addr | null): void;
  afterDeliver(): void;
  /** The engine found no direct pair: resolve with a TURN relayed candidate, if the node can get one. */
  needTurn(): Promise<Candidate | undefined>;
  /** Let the peer's addresses through the node's TURN allocation. */
  permitTurn(peers: readonly Addr[]): void;
}

export interface DirectOptions {
  readonly initiator: boolean;
  readonly lock: BirthdayLock;
  /** IPs of the TURN servers the peers use: a peer address there is a TURN path, not a direct one. */
  readonly relayIps: readonly string[];
}

export class DirectAgent {
  readonly tag: Uint8Array;
  readonly tagHex: string;
  readonly localPassword = new Uint8Array(randomBytes(16));
  remotePassword: Uint8Array | undefined;
  readonly engine: PunchEngine;
  #direct: DirectPath | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #open = false;
  #local: LocalCandidates | undefined;
  #generation = 0;
  #extra: Via[] = [];
  #relayCandidate: Candidate | undefined;
  /** Closes the ranging sockets (the engine's `range`), while they are open. */
  #closeRange: (() => void) | undefined;
  /** Addresses of the peer that sent a valid check, by via: aliases of the selected path. */
  readonly #heard = new Map<string, { from: Addr; via: Via }>();
  switches = 0;
  failedActions = 0;
  /** Signals from the peer that did not parse (or of a kind this version does not know), dropped. */
  ignoredSignals = 0;

  constructor(
    connectionId: string,
    private readonly mux: UdpMux,
    private readonly hooks: DirectHooks,
    opts: DirectOptions,
  ) {
    this.tag = connectionTag(connectionId);
    this.tagHex = Buffer.from(this.tag).toString('hex');
    this.engine = new PunchEngine({ initiator: opts.initiator, lock: opts.lock, relayIps: opts.relayIps });
  }

  get direct(): DirectPath | undefined {
    return this.#direct;
  }

  /** True while the engine still probes (or waits for the peer's candidates). */
  get seeking(): boolean {
    const s = this.engine.state;
    return !this.#closed && (s === 'probing' || s === 'waiting');
  }

  /** The IP the server sees the peer at: the only address birthday probing may aim at. */
  vouch(ip: unknown): void {
    if (typeof ip !== 'string' || ip.length > 64 || this.#closed) return;
    this.engine.vouch(normaliseAddress(ip), now());
    this.#run();
  }

  setSignalingRtt(ms: number): void {
    this.engine.setSignalingRtt(ms);
  }

  /** Our candidates (again after an address change, with a new generation). */
  setLocal(local: LocalCandidates, generation: number): void {
    if (this.#closed) return;
    if (generation !== this.#generation) {
      this.#generation = generation;
      this.engine.localChanged(now());
      this.#relayCandidate = undefined;
      this.#run();
    }
    this.#local = local;
    if (!this.#open) return; // announced and planned once the connection opens
    this.#announce();
    this.engine.setLocal(this.#candidates(), local.nat, now());
    this.#run();
  }

  /** The connection is open: the server session takes signals now. */
  opened(): void {
    if (this.#open || this.#closed) return;
    this.#open = true;
    if (this.#local) this.setLocal(this.#local, this.#generation);
  }

  /**
   * Candidates, NAT hint and password from the peer: the peer's bytes, never trusted. @peerlink/wire's
   * schema drops what does not parse, skips malformed candidates and keeps at most 24.
   */
  onSignal(data: unknown): void {
    const parsed = parsePeerSignalData(data);
    if (!parsed.ok) return void this.ignoredSignals++;
    if (parsed.data.kind === 'direct-opened') {
      this.engine.peerOpened(parsed.data.rungs.length, parsed.data.generation, now());
      return this.#run();
    }
    const { password, candidates, nat, generation } = parsed.data;
    this.remotePassword = new Uint8Array(Buffer.from(password, 'base64url'));
    this.hooks.permitTurn(candidates.filter((c) => c.type !== 'host'));
    this.engine.setRemote(candidates, nat, generation, now());
    this.#run();
  }

  onCheck(check: Check, from: Addr, via: Via): void {
    if (!this.remotePassword || this.#closed) return;
    if (this.#heard.size < MAX_HEARD) this.#heard.set(pairKey(via, from), { from, via });
    if (this.#direct) this.mux.alias(from, via, this.#direct);
    if (check.kind === 1) this.engine.onPing(from, via, check.txid, now());
    else this.engine.onPong(from, via, now());
    this.#run();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.engine.close();
    this.engine.takeActions();
    this.#closeRange?.();
    this.mux.closeVias(this.#extra);
    this.#direct?.close();
  }

  // ---- internals ---------------------------------------------------------------------------------

  #candidates(): Candidate[] {
    const own = this.#local?.candidates ?? [];
    return this.#relayCandidate ? [...own, this.#relayCandidate] : own;
  }

  #announce(): void {
    this.hooks.signal({
      kind: 'direct-candidates',
      password: Buffer.from(this.localPassword).toString('base64url'),
      generation: this.#generation,
      candidates: this.#candidates().map((c) => ({ type: c.type, address: c.address, port: c.port })),
      nat: this.#local?.nat ?? PEER_UNKNOWN_NAT,
    });
  }

  /** Carries out the engine's actions and sets its timer. */
  #run(): void {
    if (this.#closed) return;
    for (const a of this.engine.takeActions()) {
      try {
        this.#act(a);
      } catch {
        // An action that cannot be carried out (a socket gone) is a lost check, not a crash.
        this.failedActions++;
      }
    }
    clearTimeout(this.#timer);
    const due = this.engine.nextTimeout();
    if (due === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.engine.handleTimer(now());
        this.#run();
      },
      Math.max(0, due - now()),
    );
    this.#timer.unref();
  }

  #act(a: PunchAction): void {
    const password = this.remotePassword;
    switch (a.type) {
      case 'ping':
        if (password) this.mux.send(encodeCheck(1, this.tag, newTxid(), password), a.to, a.via, a.ttl);
        return;
      case 'pong':
        if (password) this.mux.send(encodeCheck(2, this.tag, a.txid, password), a.to, a.via);
        return;
      case 'opened':
        // Our openers are out: the peer's next rungs and full-TTL checks may follow (in step).
        this.hooks.signal({ kind: 'direct-opened', generation: this.#generation, rungs: [...a.rungs] });
        return;
      case 'range':
        // How far the peer's router is: where it answers port unreachable (router-range.ts).
        this.#closeRange?.();
        this.#closeRange = rangeRouter(a.to, a.ttls, (ttl) => {
          if (this.#closed) return;
          this.engine.rangeRefused(ttl);
          this.#run();
        });
        return;
      case 'range-done':
        this.#closeRange?.();
        this.#closeRange = undefined;
        return;
      case 'open-sockets':
        void this.mux.openExtra(a.count).then((vias) => {
          if (this.#closed) return this.mux.closeVias(vias);
          this.#extra = vias;
          this.engine.socketsOpened(vias, now());
          this.#run();
        });
        return;
      case 'close-sockets':
        this.mux.closeVias(this.#extra.filter((v) => v !== a.keep));
        this.#extra = this.#extra.filter((v) => v === a.keep);
        return;
      case 'select':
        return this.#use(a.to, a.via, a.kind);
      case 'unselect':
        return this.#fallBack();
      case 'need-turn':
        void this.hooks.needTurn().then((relay) => {
          if (!relay || this.#closed) return;
          this.#relayCandidate = relay;
          this.#announce();
          this.engine.turnReady(now());
          this.#run();
        });
        return;
    }
  }

  #use(to: Addr, via: Via, kind: 'direct' | 'turn'): void {
    const old = this.#direct;
    const path = this.mux.path(to, via);
    path.afterDeliver = () => this.hooks.afterDeliver();
    this.hooks.ps.addPath(path);
    this.hooks.ps.select(path.id);
    this.#direct = path;
    // The peer may pick another pair than we picked (another of our addresses, its own TURN
    // allocation): accept its packets from any address and socket that passed a check (the session
    // authenticates every packet anyway).
    for (const h of this.#heard.values()) this.mux.alias(h.from, h.via, path);
    if (old && old !== path) {
      this.hooks.ps.removePath(old.id);
      old.close();
    }
    this.switches++;
    this.hooks.switched(kind, to);
  }

  #fallBack(): void {
    const dead = this.#direct;
    if (!dead) return;
    this.#direct = undefined;
    this.hooks.ps.select('relay');
    this.hooks.ps.removePath(dead.id);
    dead.close();
    this.switches++;
    this.hooks.switched('relay', null);
  }
}

/** Addresses of one peer remembered as aliases of its path (a bound on what a peer can make us keep). */
const MAX_HEARD = 64;
