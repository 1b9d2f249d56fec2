/**
 * The direct path of one connection: exchange candidates and check passwords through the session's
 * signaling, probe every remote candidate (and any address a valid ping comes from) at once from
 * both sides, and move the session to the first address that answers: make-before-break, the relay
 * stays as the warm backup. Checks every 2 s hold the NAT mapping; three missed answers put the
 * session back on the relay and probing starts over.
 */
import { randomBytes } from 'node:crypto';
import type { PathSession } from '@peerlink/transport';
import type { Candidate } from './candidates.js';
import { connectionTag, encodeCheck, newTxid, type Check } from './check-packet.js';
import { key, type Addr, type DirectPath, type UdpMux } from './udp-mux.js';

const PROBE_EVERY_MS = 100;
const PROBE_FOR_MS = 5000;
const KEEPALIVE_MS = 2000;
const DEAD_AFTER_MS = 6500;
const RETRY_AFTER_MS = 10_000;

export interface DirectHooks {
  readonly ps: PathSession;
  /** Sends data to the peer through the server session ('signal'). */
  signal(data: Record<string, unknown>): void;
  /** The session now sends on `path` ('relay' or a direct path). */
  switched(path: 'relay' | 'direct', remote: Addr | null): void;
  afterDeliver(): void;
}

export class DirectAgent {
  readonly tag: Uint8Array;
  readonly tagHex: string;
  readonly localPassword = new Uint8Array(randomBytes(16));
  remotePassword: Uint8Array | undefined;
  readonly #targets = new Map<string, { addr: Addr; until: number }>();
  #direct: DirectPath | undefined;
  #lastPong = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #nextRound = 0;

  constructor(
    connectionId: string,
    private readonly mux: UdpMux,
    private readonly local: Promise<Candidate[]>,
    private readonly hooks: DirectHooks,
  ) {
    this.tag = connectionTag(connectionId);
    this.tagHex = Buffer.from(this.tag).toString('hex');
  }

  get direct(): DirectPath | undefined {
    return this.#direct;
  }

  async start(): Promise<void> {
    const candidates = await this.local;
    if (this.#closed) return;
    this.hooks.signal({
      kind: 'direct-candidates',
      password: Buffer.from(this.localPassword).toString('base64url'),
      candidates: candidates.map((c) => ({ type: c.type, address: c.address, port: c.port })),
    });
  }

  /** Candidates and password from the peer. */
  onSignal(data: unknown): void {
    const d = data as { kind?: unknown; password?: unknown; candidates?: unknown };
    if (d.kind !== 'direct-candidates' || typeof d.password !== 'string' || !Array.isArray(d.candidates))
      return;
    this.remotePassword = new Uint8Array(Buffer.from(d.password, 'base64url'));
    for (const c of d.candidates.slice(0, 16) as { address?: unknown; port?: unknown }[]) {
      if (typeof c.address === 'string' && typeof c.port === 'number')
        this.#probe({ address: c.address, port: c.port });
    }
    this.#tick();
  }

  onCheck(check: Check, from: Addr): void {
    if (!this.remotePassword || this.#closed) return;
    this.#heard.set(key(from), from);
    if (this.#direct) this.mux.alias(from, this.#direct);
    if (check.kind === 1) {
      this.mux.send(encodeCheck(2, this.tag, check.txid, this.remotePassword), from);
      if (!this.#direct) this.#probe(from); // triggered check towards a peer-reflexive address
      return;
    }
    this.#lastPong = Date.now();
    if (!this.#direct) this.#use(from);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#direct?.close();
  }

  #probe(addr: Addr): void {
    this.#targets.set(key(addr), { addr, until: Date.now() + PROBE_FOR_MS });
  }

  #use(addr: Addr): void {
    const path = this.mux.path(addr);
    path.afterDeliver = () => this.hooks.afterDeliver();
    this.hooks.ps.addPath(path);
    this.hooks.ps.select(path.id);
    this.#direct = path;
    // The peer may pick another of our addresses than we picked of its: accept its packets from any
    // address that passed a check (the session authenticates every packet anyway).
    for (const a of this.#heard.values()) this.mux.alias(a, path);
    this.#targets.clear();
    this.hooks.switched('direct', addr);
  }

  #fallBack(): void {
    const dead = this.#direct;
    if (!dead) return;
    this.#direct = undefined;
    this.hooks.ps.select('relay');
    this.hooks.ps.removePath(dead.id);
    dead.close();
    this.#known.set(key(dead.remote), dead.remote);
    this.hooks.switched('relay', null);
    this.#nextRound = Date.now();
  }

  #tick(): void {
    clearTimeout(this.#timer);
    if (this.#closed || !this.remotePassword) return;
    const now = Date.now();
    const password = this.remotePassword;
    if (this.#direct) {
      if (now - this.#lastPong > DEAD_AFTER_MS) this.#fallBack();
      else this.mux.send(encodeCheck(1, this.tag, newTxid(), password), this.#direct.remote);
    }
    if (!this.#direct) {
      if (this.#targets.size === 0 && now >= this.#nextRound && this.#known.size > 0) {
        for (const a of this.#known.values()) this.#probe(a);
        this.#nextRound = now + RETRY_AFTER_MS;
      }
      for (const [k, t] of this.#targets) {
        if (now > t.until) {
          this.#known.set(k, t.addr);
          this.#targets.delete(k);
          continue;
        }
        this.mux.send(encodeCheck(1, this.tag, newTxid(), password), t.addr);
      }
    }
    this.#timer = setTimeout(() => this.#tick(), this.#direct ? KEEPALIVE_MS : PROBE_EVERY_MS);
    this.#timer.unref();
  }

  /** Candidates tried before, for the next round of probing after a fallback. */
  readonly #known = new Map<string, Addr>();
  /** Addresses of the peer that sent us a valid check. */
  readonly #heard = new Map<string, Addr>();

  /** True until the first round of probing has run out without a direct path. */
  get seeking(): boolean {
    return !this.#closed && !this.#direct && (this.remotePassword === undefined || this.#targets.size > 0);
  }
}
