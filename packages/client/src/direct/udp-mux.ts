/**
 * The node's UDP sockets. One primary socket (dual-stack where the host has IPv6) is shared by STUN
 * (reflexive address), connectivity checks and the direct paths of every connection; birthday
 * probing borrows extra sockets for a few seconds (`openExtra`), and keeps at most the one that won.
 * Datagrams are told apart by their first bytes: STUN by its magic cookie, checks by CHECK_TYPE,
 * everything else belongs to the direct path of its socket and source. A socket is named by its
 * `via` number (0 the primary), as the punch engine names it.
 *
 * Checks may carry their own TTL (openers, docs/hole-punching.md). A dual-stack socket cannot set
 * the TTL of its IPv4 datagrams (setTTL sets the IPv6 hop limit only), so a dual-stack primary has
 * an IPv4 twin bound to the same port (SO_REUSEPORT, Linux): it sends the IPv4 openers, and IPv4
 * datagrams it receives (the kernel prefers it for them) are the primary's. Birthday sockets are
 * IPv4 only.
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  literalLookup,
  normaliseAddress,
  sendWithTtl,
  pairKey,
  PRIMARY_VIA,
  type DatagramSocket,
  type Endpoint,
  type Via,
} from '@peerlink/p2p';
import { isStunMessage } from '@peerlink/wire';
import { CountedPath } from '../counted-path.js';

export const CHECK_TYPE = 0xc7;

export type Addr = Endpoint;

export class DirectPath extends CountedPath {
  readonly id: string;
  readonly mtu = 1200;

  constructor(
    private readonly mux: UdpMux,
    readonly via: Via,
    readonly remote: Addr,
  ) {
    super();
    this.id = `udp:${via}:${remote.address}:${remote.port}`;
  }

  send(bytes: Uint8Array): void {
    this.sent += bytes.length;
    this.mux.send(bytes, this.remote, this.via);
  }

  override close(): void {
    super.close();
    for (const [k, p] of this.mux.paths) if (p === this) this.mux.paths.delete(k);
  }
}

/** A socket-like sender the mux routes through when a via is not a local socket (TURN). */
export interface VirtualVia {
  send(bytes: Uint8Array, to: Addr): void;
}

export class UdpMux {
  readonly paths = new Map<string, DirectPath>();
  onStun: (bytes: Uint8Array, from: Addr) => void = () => {};
  /** Datagrams from `server` on the primary socket are offered here first (a TURN client). */
  onServer: ((bytes: Uint8Array, from: Addr) => boolean) | undefined;
  onCheck: (bytes: Uint8Array, from: Addr, via: Via) => void = () => {};
  dropped = 0;
  readonly #sockets = new Map<Via, Socket>();
  /** The primary's IPv4 twin (dual-stack only), for IPv4 sends with a TTL. */
  #twin: Socket | undefined;
  readonly #virtual = new Map<Via, VirtualVia>();
  #nextVia = 1;

  private constructor(
    primary: Socket,
    /** The primary socket speaks IPv6 too (dual-stack). */
    readonly dualStack: boolean,
    twin?: Socket,
  ) {
    this.#attach(primary, PRIMARY_VIA);
    if (twin) {
      this.#twin = twin;
      this.#listen(twin, PRIMARY_VIA);
    }
  }

  /** Opens the primary socket: dual-stack (with its IPv4 twin) when the host can, IPv4 only otherwise. */
  static async open(): Promise<UdpMux> {
    // SO_REUSEPORT where the platform has it (Node throws where it does not).
    const primary = await bind('udp6', 0, true).catch(() => bind('udp6').catch(() => undefined));
    if (!primary) return new UdpMux(await bind('udp4'), false);
    // Without a twin (no SO_REUSEPORT) IPv4 openers go out with the default TTL: as before them.
    const twin = await bind('udp4', primary.address().port, true).catch(() => undefined);
    return new UdpMux(primary, true, twin);
  }

  get port(): number {
    return this.#sockets.get(PRIMARY_VIA)!.address().port;
  }

  /** Opens `count` extra sockets on fresh ports (birthday probing); resolves with their vias. */
  async openExtra(count: number): Promise<Via[]> {
    const settled = await Promise.allSettled(Array.from({ length: count }, () => bind('udp4')));
    const vias: Via[] = [];
    for (const s of settled) {
      if (s.status !== 'fulfilled') continue;
      const via = this.#nextVia++;
      this.#attach(s.value, via);
      vias.push(via);
    }
    return vias;
  }

  /** Closes extra sockets (never the primary) and drops their paths. */
  closeVias(vias: Iterable<Via>): void {
    for (const via of vias) {
      if (via === PRIMARY_VIA) continue;
      const s = this.#sockets.get(via);
      this.#sockets.delete(via);
      for (const [k, p] of this.paths) if (p.via === via) this.paths.delete(k);
      try {
        s?.close();
      } catch {
        // already closed
      }
    }
  }

  /** Routes sends on `via` to something that is not a local socket (a TURN allocation). */
  setVirtual(via: Via, sender: VirtualVia | undefined): void {
    if (sender) this.#virtual.set(via, sender);
    else this.#virtual.delete(via);
  }

  /** A datagram that arrived on a virtual via (TURN Data), routed like one from a socket. */
  receive(bytes: Uint8Array, from: Addr, via: Via): void {
    if (bytes[0] === CHECK_TYPE) return this.onCheck(bytes, from, via);
    const path = this.paths.get(pairKey(via, from));
    if (path) path.deliver(bytes);
    else this.dropped++;
  }

  /** `ttl`: the IP TTL of this datagram (an opener); absent: the default. */
  send(bytes: Uint8Array, to: Addr, via: Via = PRIMARY_VIA, ttl?: number): void {
    const virtual = this.#virtual.get(via);
    if (virtual) return virtual.send(bytes, to);
    const v4 = !to.address.includes(':');
    const twin = ttl !== undefined && v4 && via === PRIMARY_VIA ? this.#twin : undefined;
    const s = twin ?? this.#sockets.get(via);
    if (!s) return void this.dropped++;
    try {
      const v6socket = s.address().family === 'IPv6';
      const address = v6socket && v4 ? `::ffff:${to.address}` : to.address;
      sendWithTtl(s, bytes, to.port, address, ttl);
    } catch {
      this.dropped++;
    }
  }

  /**
   * The primary socket as p2p's code sees a socket (STUN transactions, the TURN runner): sends go
   * out on it; `listen` says which of the mux's routes (`onStun`, `onServer`) feeds the handler.
   * Closing the view leaves the socket open.
   */
  view(listen: (handler: (bytes: Uint8Array, from: Addr) => void) => void): DatagramSocket {
    return {
      send: (bytes, to) => this.send(bytes, to),
      onMessage: (handler) => listen((bytes, from) => handler(bytes, { family: 4, ...from })),
      local: () => ({ family: 4, address: '0.0.0.0', port: this.port }),
      close: () => {},
    };
  }

  path(remote: Addr, via: Via): DirectPath {
    let p = this.paths.get(pairKey(via, remote));
    if (!p) {
      p = new DirectPath(this, via, remote);
      this.paths.set(pairKey(via, remote), p);
    }
    return p;
  }

  /** Delivers datagrams from `from` on `via` to `path` as well. */
  alias(from: Addr, via: Via, path: DirectPath): void {
    this.paths.set(pairKey(via, from), path);
  }

  close(): void {
    for (const s of [...this.#sockets.values(), ...(this.#twin ? [this.#twin] : [])]) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    this.#sockets.clear();
  }

  #attach(socket: Socket, via: Via): void {
    this.#sockets.set(via, socket);
    this.#listen(socket, via);
  }

  #listen(socket: Socket, via: Via): void {
    socket.on('message', (msg, rinfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const from = { address: normaliseAddress(rinfo.address), port: rinfo.port };
      if (via === PRIMARY_VIA && this.onServer?.(bytes, from)) return;
      if (isStunMessage(bytes)) return via === PRIMARY_VIA ? this.onStun(bytes, from) : undefined;
      this.receive(bytes, from, via);
    });
    // Unreachable destinations raise errors later; a path that stops working is noticed by its checks.
    socket.on('error', () => {});
  }
}

function bind(type: 'udp4' | 'udp6', port = 0, reusePort = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, ipv6Only: false, reusePort, lookup: literalLookup });
    s.once('error', reject);
    s.bind(port, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
