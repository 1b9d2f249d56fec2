/**
 * One simulated NAT box: RFC 4787 mapping (§4.1), port allocation (§4.2), filtering (§5) and
 * mapping lifetime (§4.3). It only translates; sim-network.ts moves the datagrams and decides
 * which side of which NAT an address lives on. A layer's `portMapping` is not modelled: such a box
 * behaves as its mapping and filtering say, as if no port had been mapped (the kernel lab has the
 * fake gateway, docs/port-mapping.md).
 *
 * A box that accepts unsolicited UDP (`unsolicited: 'accept'`) models Linux's conntrack clash: a
 * packet from outside that no mapping admits is delivered to the box itself, which confirms an
 * entry for (that endpoint -> public port); while it lives, an inside host's packet towards that
 * endpoint cannot use that public port and is given another (`clashes` counts them). An
 * endpoint-independent box then behaves as Linux's masquerade does: the new port becomes the inside
 * endpoint's mapping for every destination it has not sent to yet (get_unique_tuple reuses the newest
 * mapping of that source), so one clash moves all its later flows; flows that exist keep their port.
 */
import type { TransportAddress } from '@peerlink/wire';
import type { Clock } from './fake-clock.js';
import { SimError } from './errors.js';
import type { NatLayer } from './presets.js';
import type { SeededRandom } from './seeded-random.js';

export interface SimNatOptions {
  readonly publicAddress: string;
  readonly layer: NatLayer;
  /** Drop every UDP datagram crossing this NAT. */
  readonly udpBlocked?: boolean;
  /** Idle time after which a mapping is forgotten (Linux conntrack: 30 s for UDP). */
  readonly timeoutMs?: number;
}

interface Mapping {
  readonly key: string;
  readonly internal: TransportAddress;
  readonly port: number;
  /** Remote addresses ("ip") and endpoints ("ip:port") the inside has sent to: the filter's memory. */
  readonly sentTo: Set<string>;
  expiresAt: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const endpoint = (a: TransportAddress): string => `${a.address}:${a.port}`;

export class SimNat {
  readonly publicAddress: string;
  readonly layer: NatLayer;
  readonly udpBlocked: boolean;
  readonly timeoutMs: number;
  /** Plain routers between this box and the realm outside it (the layer's `hopsOutside`). */
  readonly hopsOutside: number;
  readonly #clock: Clock;
  readonly #random: SeededRandom;
  readonly #byKey = new Map<string, Mapping>();
  readonly #byPort = new Map<number, Mapping>();
  /** Endpoint-independent mappings left behind by a clash, by "inside>destination" flows they carry. */
  readonly #flows = new Map<string, Mapping>();
  /** Confirmed inbound entries of unsolicited packets: "remote ip:port>public port" -> expiry. */
  readonly #accepted = new Map<string, number>();
  /** Unsolicited packets the box accepted (confirming an entry), and outbound packets moved off their port. */
  readonly counts = { accepted: 0, clashes: 0 };
  #lastPort = 20_000;

  constructor(opts: SimNatOptions, clock: Clock, random: SeededRandom) {
    this.publicAddress = opts.publicAddress;
    this.layer = opts.layer;
    this.udpBlocked = opts.udpBlocked ?? false;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.hopsOutside = opts.layer.hopsOutside ?? 0;
    this.#clock = clock;
    this.#random = random;
  }

  /** Live mappings (expired ones are dropped first). */
  get mappings(): number {
    for (const m of [...this.#byKey.values()]) this.#live(m);
    return this.#byKey.size;
  }

  /** Translates an outbound datagram's source; creates or refreshes its mapping. */
  outbound(from: TransportAddress, to: TransportAddress): TransportAddress {
    const key = this.#keyOf(from, to);
    let m = this.#byKey.get(key);
    if (m && !this.#live(m)) m = undefined;
    const flowKey = `${endpoint(from)}>${endpoint(to)}`;
    const flow = this.#flows.get(flowKey);
    if (flow && this.#live(flow)) m = flow;
    else if (m && !m.sentTo.has(endpoint(to)) && this.#clash(to, m.port)) {
      // The box already holds (to -> this port) for itself: a new port, which (masquerade) becomes
      // the mapping of this inside endpoint for later destinations too; the old one keeps its flows.
      this.counts.clashes++;
      for (const d of m.sentTo) if (d.includes(':')) this.#flows.set(`${endpoint(from)}>${d}`, m);
      m = undefined;
    }
    if (!m) {
      const port = this.#allocate(from.port, to);
      m = { key, internal: from, port, sentTo: new Set(), expiresAt: 0 };
      this.#byKey.set(key, m);
      this.#byPort.set(m.port, m);
    }
    m.sentTo.add(to.address);
    m.sentTo.add(endpoint(to));
    m.expiresAt = this.#clock.now() + this.timeoutMs;
    return { family: 4, address: this.publicAddress, port: m.port };
  }

  /** The internal endpoint an inbound datagram goes to, or null when the filter drops it. */
  inbound(from: TransportAddress, toPort: number): TransportAddress | null {
    const m = this.#byPort.get(toPort);
    const f = this.layer.filtering;
    const allowed =
      m !== undefined &&
      this.#live(m) &&
      (f === 'endpoint-independent' ||
        (f === 'address-dependent' && m.sentTo.has(from.address)) ||
        (f === 'address-and-port-dependent' && m.sentTo.has(endpoint(from))));
    if (!allowed) {
      if (this.layer.unsolicited === 'accept') {
        this.counts.accepted++;
        this.#accepted.set(`${endpoint(from)}>${toPort}`, this.#clock.now() + this.timeoutMs);
      }
      return null;
    }
    // Linux conntrack refreshes on traffic in either direction once a reply has been seen.
    m.expiresAt = this.#clock.now() + this.timeoutMs;
    return m.internal;
  }

  #keyOf(from: TransportAddress, to: TransportAddress): string {
    switch (this.layer.mapping) {
      case 'endpoint-independent':
        return endpoint(from);
      case 'address-dependent':
        return `${endpoint(from)}>${to.address}`;
      case 'address-and-port-dependent':
        return `${endpoint(from)}>${endpoint(to)}`;
    }
  }

  #live(m: Mapping): boolean {
    if (m.expiresAt > this.#clock.now()) return true;
    if (this.#byKey.get(m.key) === m) this.#byKey.delete(m.key);
    if (this.#byPort.get(m.port) === m) this.#byPort.delete(m.port);
    return false;
  }

  #free(port: number): boolean {
    const m = this.#byPort.get(port);
    return !m || !this.#live(m);
  }

  /** An accepted unsolicited packet from `to` holds `port`: the box cannot map towards `to` from it. */
  #clash(to: TransportAddress, port: number): boolean {
    const k = `${endpoint(to)}>${port}`;
    const until = this.#accepted.get(k);
    if (until === undefined) return false;
    if (until > this.#clock.now()) return true;
    this.#accepted.delete(k);
    return false;
  }

  #allocate(wanted: number, to: TransportAddress): number {
    const alloc = this.layer.portAllocation;
    if (alloc === 'preserving' && this.#free(wanted)) {
      if (!this.#clash(to, wanted)) return wanted;
      this.counts.clashes++;
    }
    for (let tries = 0; tries < 100_000; tries++) {
      const port =
        alloc === 'sequential'
          ? (this.#lastPort = this.#lastPort >= 65_535 ? 1024 : this.#lastPort + 1)
          : this.#random.int(1024, 65_535);
      if (this.#free(port) && !this.#clash(to, port)) return port;
    }
    throw new SimError('SIM_PORTS_EXHAUSTED', `NAT ${this.publicAddress} has no free port`);
  }
}
