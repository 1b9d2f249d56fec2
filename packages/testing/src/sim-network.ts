/**
 * The simulated network: realms (the internet, and the inside of each NAT), hosts with sockets that
 * implement @peerlink/p2p's DatagramSocket, and the routing between them. Translation and filtering
 * happen when a datagram is sent; it is delivered after the sender's plus the receiver's link delay
 * on the injected clock, unless one of the two links loses it.
 *
 * Every NAT box is a router, and so is each of the plain (ISP) routers a layer's `hopsOutside`
 * puts after it: forwarding takes a unit of the datagram's TTL and needs at least 2 left, as in
 * Linux; a box the datagram is addressed to takes it with any TTL. A datagram that runs out is
 * counted `expired` where it dies: a NAT it passed before that has mapped it all the same.
 *
 * A datagram that ends at a box accepting unsolicited UDP, or at a host with nothing bound on its
 * port, is answered with port unreachable: a socket with an `onRefused` handler (a connected socket,
 * on Linux) hears it a round trip later. Time exceeded is not modelled (such a socket never hears it).
 */
import type { DatagramSocket, SocketFactory } from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import type { Clock } from './fake-clock.js';
import { SimError } from './errors.js';
import { SeededRandom } from './seeded-random.js';
import { SimNat, type SimNatOptions } from './sim-nat.js';

/** Where an address lives: on the internet (null) or inside a NAT. */
export type Realm = SimNat | null;

export interface SimHostOptions {
  readonly address: string;
  /** The NAT this host sits behind; omitted for a host on the internet. */
  readonly behind?: SimNat;
  /** One-way delay of this host's link, ms (default 5). */
  readonly delayMs?: number;
  /** Chance a datagram is lost on this host's link, each direction, 0..1 (default 0). */
  readonly loss?: number;
}

export interface SimNetworkOptions {
  readonly clock: Clock;
  /** Seed of every random choice (ports, ephemeral ports, losses). */
  readonly seed?: number;
}

export interface SimStats {
  delivered: number;
  filtered: number;
  lost: number;
  unroutable: number;
  expired: number;
}

type Handler = (bytes: Uint8Array, from: TransportAddress) => void;

/** A simulated socket; `onRefused` hears port unreachable for what it sent (ECONNREFUSED). */
export interface SimSocket extends DatagramSocket {
  onRefused(handler: () => void): void;
}

export class SimHost {
  readonly address: string;
  readonly realm: Realm;
  readonly delayMs: number;
  readonly loss: number;
  readonly #net: SimNetwork;
  readonly ports: Map<number, { handler: Handler; refused?: () => void }> = new Map();

  constructor(net: SimNetwork, opts: SimHostOptions) {
    this.#net = net;
    this.address = opts.address;
    this.realm = opts.behind ?? null;
    this.delayMs = opts.delayMs ?? 5;
    this.loss = opts.loss ?? 0;
  }

  /** Binds a socket on `port`, or on a free ephemeral port when omitted. */
  bind(port?: number): SimSocket {
    const p = port ?? this.#ephemeralPort();
    if (this.ports.has(p)) throw new SimError('SIM_PORT_IN_USE', `${this.address}:${p} is bound`);
    const entry: { handler: Handler; refused?: () => void } = { handler: (() => {}) as Handler };
    this.ports.set(p, entry);
    const local: TransportAddress = { family: 4, address: this.address, port: p };
    let open = true;
    return {
      send: (bytes, to, ttl) => {
        if (open) this.#net.send(this, local, bytes, to, ttl);
      },
      onMessage: (h) => {
        entry.handler = h;
      },
      onRefused: (h) => {
        entry.refused = h;
      },
      local: () => local,
      close: () => {
        if (open && this.ports.get(p) === entry) this.ports.delete(p);
        open = false;
      },
    };
  }

  /** A SocketFactory for code that opens its own sockets (probeNat). IPv4 only. */
  readonly sockets: SocketFactory = (family) =>
    family === 6
      ? Promise.reject(new SimError('SIM_NO_IPV6', 'the simulator has no IPv6'))
      : Promise.resolve(this.bind());

  #ephemeralPort(): number {
    for (;;) {
      const p = this.#net.random.int(32_768, 60_999); // Linux's default ephemeral range
      if (!this.ports.has(p)) return p;
    }
  }
}

export class SimNetwork {
  readonly clock: Clock;
  readonly random: SeededRandom;
  readonly stats: SimStats = { delivered: 0, filtered: 0, lost: 0, unroutable: 0, expired: 0 };
  /** Per realm, the hosts and NAT public sides by address. */
  readonly #realms = new Map<Realm, Map<string, SimHost | SimNat>>();
  /** The realm each NAT's public side lives in. */
  readonly #outside = new Map<SimNat, Realm>();

  constructor(opts: SimNetworkOptions) {
    this.clock = opts.clock;
    this.random = new SeededRandom(opts.seed ?? 1);
  }

  addNat(opts: SimNatOptions & { readonly behind?: SimNat }): SimNat {
    const nat = new SimNat(opts, this.clock, this.random);
    this.#claim(opts.behind ?? null, opts.publicAddress, nat);
    this.#outside.set(nat, opts.behind ?? null);
    return nat;
  }

  addHost(opts: SimHostOptions): SimHost {
    const host = new SimHost(this, opts);
    this.#claim(host.realm, host.address, host);
    return host;
  }

  /** Called by sockets: routes one datagram and schedules its delivery. */
  send(sender: SimHost, from: TransportAddress, bytes: Uint8Array, to: TransportAddress, ttl = 64): void {
    if (this.random.next() < sender.loss) {
      this.stats.lost++;
      return;
    }
    const copy = bytes.slice();
    // Port unreachable back to the sender, `backMs` later (from a box on its way: a round trip).
    const refuse = (backMs = 2 * sender.delayMs): void => {
      const handler = sender.ports.get(from.port)?.refused;
      if (handler) this.clock.setTimeout(handler, backMs);
    };
    this.#route(sender.realm, from, to, ttl, refuse, (host, src, dst) => {
      if (this.random.next() < host.loss) {
        this.stats.lost++;
        return;
      }
      this.clock.setTimeout(() => {
        const sock = host.ports.get(dst.port);
        if (!sock) {
          this.stats.unroutable++;
          return refuse(sender.delayMs + host.delayMs);
        }
        this.stats.delivered++;
        sock.handler(copy, src);
      }, sender.delayMs + host.delayMs);
    });
  }

  #claim(realm: Realm, address: string, node: SimHost | SimNat): void {
    let m = this.#realms.get(realm);
    if (!m) this.#realms.set(realm, (m = new Map()));
    if (m.has(address)) throw new SimError('SIM_ADDRESS_IN_USE', `${address} is taken in that realm`);
    m.set(address, node);
  }

  /** Follows a datagram through NATs until it reaches a host (then `arrive`) or is dropped. */
  #route(
    realm: Realm,
    from: TransportAddress,
    to: TransportAddress,
    ttl: number,
    refuse: () => void,
    arrive: (host: SimHost, from: TransportAddress, to: TransportAddress) => void,
  ): void {
    /** One router forwards the datagram: false (counted) when its TTL runs out there. */
    const forward = (routers: number): boolean => {
      for (let i = 0; i < routers; i++) {
        if (ttl < 2) {
          this.stats.expired++;
          return false;
        }
        ttl--;
      }
      return true;
    };
    for (let hops = 0; hops < 16; hops++) {
      const here = this.#realms.get(realm)?.get(to.address);
      if (here instanceof SimHost) return arrive(here, from, to);
      if (here instanceof SimNat) {
        // Inbound through the NAT's ISP routers, then its public side (also a hairpin's second half).
        if (!forward(here.hopsOutside)) return;
        const inside = here.udpBlocked ? null : here.inbound(from, to.port);
        if (!inside) {
          this.stats.filtered++;
          if (!here.udpBlocked && here.layer.unsolicited === 'accept') refuse();
          return;
        }
        if (!forward(1)) return;
        realm = here;
        to = inside;
        continue;
      }
      if (realm === null) return void this.stats.unroutable++;
      const nat = realm;
      if (nat.udpBlocked) return void this.stats.filtered++;
      if (to.address === nat.publicAddress && !nat.layer.hairpinning) return void this.stats.filtered++;
      if (!forward(1)) return;
      from = nat.outbound(from, to);
      if (!forward(nat.hopsOutside)) return;
      realm = this.#outside.get(nat) ?? null;
    }
    this.stats.unroutable++;
  }
}
