/**
 * A UDP client of the TURN port as the engine sees it (a `HookClient`): its 5-tuple key, its
 * address, and how to answer it. One is made per datagram, so it is a plain class with no closures:
 * at tens of thousands of ChannelData messages a second the closures and send callbacks it replaced
 * were a measurable part of the CPU (docs/turn.md, "Under load").
 *
 * Once the client holds an allocation it may get a socket of its own, as coturn gives each client:
 * bound to the same address and port (SO_REUSEPORT) and connected to the client, so the kernel
 * queues that client's datagrams apart from everyone else's, and sends skip the address lookup.
 */
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { isChannelData, type TransportAddress } from '@peerlink/wire';
import type { ClientHandle, HookClient, UdpEndpoint } from './stun-listeners.js';
import { outSlab } from './out-slab.js';
import { createUdpSocket } from './udp-socket.js';

/** One socket of the TURN port, shared by the clients that reached it. */
export interface UdpPort {
  readonly sock: UdpSocket;
  /** Names the socket in 5-tuple keys (`primary/primary`, ...). */
  readonly key: string;
  /** Hears of failed sends of STUN answers. */
  readonly onSent: (err: Error | null) => void;
  /** What the port's own socket does with a datagram; a client's own socket does the same. */
  readonly onMessage: (msg: Buffer, rinfo: RemoteInfo) => void;
  /**
   * The fast path: ChannelData that arrived on a client's own connected socket, so from that
   * client and no other. Goes straight to the TURN engine's data path with the client object the
   * socket belongs to (no new client, key or address per datagram).
   */
  readonly onChannelData: ((bytes: Uint8Array, client: UdpClient) => void) | undefined;
  /** Client sockets open now, and how many there may be (beyond, clients share the port's). */
  readonly owned: Set<UdpSocket>;
  /** Clients whose own socket the native data path holds (native-data-path.ts). */
  readonly ownedNative: Set<UdpClient>;
  readonly maxOwned: number;
  readonly bufferBytes: number;
}

export class UdpClient implements HookClient, ClientHandle {
  readonly key: string;
  readonly transport = 'udp' as const;
  readonly #port: UdpPort;
  readonly #rinfo: RemoteInfo;
  /** The client's own socket once connected, and while it is being bound. */
  #own: UdpSocket | undefined;
  #ownPending: UdpSocket | undefined;

  constructor(port: UdpPort, rinfo: RemoteInfo) {
    this.#port = port;
    this.#rinfo = rinfo;
    this.key = `udp|${port.key}|${rinfo.address}|${rinfo.port}`;
  }

  get from(): TransportAddress {
    const r = this.#rinfo;
    return { family: r.family === 'IPv6' ? 6 : 4, address: r.address, port: r.port };
  }

  get handle(): ClientHandle {
    return this;
  }

  /**
   * ChannelData (first byte 0x40-0x7F) goes without a send callback: each callback costs a
   * `process.nextTick` per datagram, and the kernel counts failed UDP sends anyway (SndbufErrors in
   * /proc/net/snmp). STUN answers keep theirs, counted as `send-failed`.
   */
  send(bytes: Uint8Array): void {
    const data = isChannelData(bytes);
    const cb = data ? undefined : this.#port.onSent;
    try {
      const sock = this.#own ?? this.#port.sock;
      if (this.#own !== undefined) sock.send(bytes, cb);
      else sock.send(bytes, this.#rinfo.port, this.#rinfo.address, cb);
      // ChannelData may be slab memory (out-slab.ts): say whether the socket kept it for later.
      if (data) outSlab.sent(sock.getSendQueueCount() > 0);
    } catch (err) {
      // The socket closed under us (shutdown): one datagram lost, not the server.
      this.#port.onSent(err as Error);
    }
  }

  /**
   * Gives the client a socket of its own (see the top of the file); without one (a bind failed,
   * or `maxOwned` are open) it keeps sharing the port's. Until connected, the new socket is one
   * more member of the port's SO_REUSEPORT group and may receive any client's datagram: it hands
   * every datagram to the same `onMessage` as the port's socket, so that is harmless.
   */
  dedicate(): void {
    const port = this.#port;
    if (this.#own !== undefined || port.owned.size + port.ownedNative.size >= port.maxOwned) return;
    const local = port.sock.address();
    const s = createUdpSocket(local.family === 'IPv6' ? 6 : 4, port.bufferBytes, { reusePort: true });
    port.owned.add(s);
    this.#ownPending = s;
    const fail = (): void => {
      port.owned.delete(s);
      s.close();
    };
    s.once('error', fail);
    const onChannelData = port.onChannelData;
    const me = this.#rinfo;
    s.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      // Until connected the socket may hear any client, and what it queued then is still read after:
      // the fast path takes only this client's datagrams, the rest go the usual way.
      if (onChannelData !== undefined && rinfo.port === me.port && rinfo.address === me.address) {
        const first = msg[0];
        if (first !== undefined && first >= 0x40 && first <= 0x7f) {
          return onChannelData(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), this);
        }
      }
      port.onMessage(msg, rinfo);
    });
    s.bind({ port: local.port, address: local.address }, () =>
      s.connect(this.#rinfo.port, this.#rinfo.address, () => {
        if (!port.owned.has(s)) return; // released or closed meanwhile
        s.off('error', fail);
        s.on('error', () => {}); // ICMP errors on a connected socket; the allocation expires as usual
        this.#own = s;
      }),
    );
  }

  /**
   * The native data path's `dedicate`: the addon binds and connects the socket (`attach`), and
   * hands back through `receiveNative` what it does not relay. Counts against the same maximum.
   */
  dedicateNative(attach: (local: UdpEndpoint, client: UdpEndpoint) => number): void {
    const port = this.#port;
    if (port.ownedNative.has(this) || port.owned.size + port.ownedNative.size >= port.maxOwned) return;
    const local = port.sock.address();
    if (attach(local, this.#rinfo) === 0) port.ownedNative.add(this);
  }

  /** A datagram of the client's own socket that the addon did not relay: as `dedicate`'s are read. */
  receiveNative(msg: Buffer, address: string, port: number): void {
    const me = this.#rinfo;
    const onChannelData = this.#port.onChannelData;
    if (onChannelData !== undefined && port === me.port && address === me.address) {
      const first = msg[0];
      if (first !== undefined && first >= 0x40 && first <= 0x7f) {
        return onChannelData(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), this);
      }
    }
    const family = address.includes(':') ? 'IPv6' : 'IPv4';
    this.#port.onMessage(msg, { address, port, family, size: msg.length });
  }

  /** The allocation ended: close the client's own socket, after the answer just sent. */
  release(): void {
    this.#port.ownedNative.delete(this);
    const s = this.#own ?? this.#ownPending;
    this.#own = undefined;
    this.#ownPending = undefined;
    if (s === undefined || !this.#port.owned.delete(s)) return;
    setImmediate(() => s.close());
  }
}
