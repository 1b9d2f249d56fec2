/**
 * The fake gateway's port mappings, sans-IO: callers pass `now` (ms) and apply the returned
 * changes (the nftables rules) themselves. A mapping belongs to the internal address that asked for
 * it; one internal endpoint has at most one mapping, and one external port at most one owner.
 */
export interface GatewayMapping {
  readonly internalAddress: string;
  readonly internalPort: number;
  readonly externalPort: number;
  /** ms; Infinity for a permanent UPnP lease. */
  readonly expiresAt: number;
  /** The PCP nonce (hex) that owns it, when PCP made it (RFC 6887 §11.3). */
  readonly nonce: string | undefined;
}

export interface MapRequest {
  readonly internalAddress: string;
  readonly internalPort: number;
  /** 0: no preference. */
  readonly externalPort: number;
  /** Seconds; 0 = permanent (UPnP only; PCP and NAT-PMP delete with 0 through {@link MappingTable.remove}). */
  readonly lifetimeSec: number;
  readonly nonce?: string;
  /** Refuse another port than the one asked for (UPnP's AddPortMapping names the port). */
  readonly exactPort?: boolean;
}

export type MapOutcome =
  | { readonly ok: true; readonly mapping: GatewayMapping; readonly replaced: GatewayMapping | undefined }
  | { readonly ok: false; readonly why: 'conflict' | 'not-owner' | 'no-ports' };

/** The longest lifetime granted, seconds (RFC 6887 §15 lets the server shorten what is asked). */
export const MAX_LIFETIME_SEC = 24 * 3600;
const LOWEST_PORT = 1024;

export class MappingTable {
  readonly #byInternal = new Map<string, GatewayMapping>();
  readonly #byExternal = new Map<number, GatewayMapping>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  get size(): number {
    return this.#byInternal.size;
  }

  find(internalAddress: string, internalPort: number): GatewayMapping | undefined {
    return this.#byInternal.get(`${internalAddress}:${internalPort}`);
  }

  byExternal(port: number): GatewayMapping | undefined {
    return this.#byExternal.get(port);
  }

  map(r: MapRequest, now: number): MapOutcome {
    const old = this.find(r.internalAddress, r.internalPort);
    if (old?.nonce !== undefined && r.nonce !== undefined && old.nonce !== r.nonce) {
      return { ok: false, why: 'not-owner' };
    }
    const holder = (p: number): GatewayMapping | undefined => {
      const m = this.#byExternal.get(p);
      return m === old ? undefined : m;
    };
    let port: number | undefined;
    if (r.exactPort) {
      if (r.externalPort < LOWEST_PORT || holder(r.externalPort)) return { ok: false, why: 'conflict' };
      port = r.externalPort;
    } else {
      port = [old?.externalPort, r.externalPort, r.internalPort].find(
        (p): p is number => p !== undefined && p >= LOWEST_PORT && !holder(p),
      );
      for (let tries = 0; port === undefined && tries < 1000; tries++) {
        const p = LOWEST_PORT + Math.floor(this.#random() * (65536 - LOWEST_PORT));
        if (!holder(p)) port = p;
      }
      if (port === undefined) return { ok: false, why: 'no-ports' };
    }
    const lifetime = Math.min(r.lifetimeSec, MAX_LIFETIME_SEC);
    const mapping: GatewayMapping = {
      internalAddress: r.internalAddress,
      internalPort: r.internalPort,
      externalPort: port,
      expiresAt: r.lifetimeSec === 0 ? Infinity : now + lifetime * 1000,
      nonce: r.nonce ?? old?.nonce,
    };
    if (old) this.#drop(old);
    this.#byInternal.set(`${r.internalAddress}:${r.internalPort}`, mapping);
    this.#byExternal.set(port, mapping);
    return { ok: true, mapping, replaced: old };
  }

  /** Removes a mapping; a nonce, when given, must be the owner's. */
  remove(internalAddress: string, internalPort: number, nonce?: string): GatewayMapping | undefined {
    const m = this.find(internalAddress, internalPort);
    if (!m || (nonce !== undefined && m.nonce !== undefined && m.nonce !== nonce)) return undefined;
    this.#drop(m);
    return m;
  }

  /** Every mapping of one internal address (NAT-PMP's delete-all, RFC 6886 §3.4). */
  ownedBy(internalAddress: string): GatewayMapping[] {
    return [...this.#byInternal.values()].filter((m) => m.internalAddress === internalAddress);
  }

  /** Removes and returns the mappings whose lifetime is over. */
  expire(now: number): GatewayMapping[] {
    const gone = [...this.#byInternal.values()].filter((m) => m.expiresAt <= now);
    for (const m of gone) this.#drop(m);
    return gone;
  }

  /** When the next mapping expires (ms), or undefined. */
  nextExpiry(): number | undefined {
    const t = Math.min(...[...this.#byInternal.values()].map((m) => m.expiresAt));
    return Number.isFinite(t) ? t : undefined;
  }

  #drop(m: GatewayMapping): void {
    this.#byInternal.delete(`${m.internalAddress}:${m.internalPort}`);
    if (this.#byExternal.get(m.externalPort) === m) this.#byExternal.delete(m.externalPort);
  }
}
