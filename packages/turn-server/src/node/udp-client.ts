/**
 * A UDP client of the TURN port as the engine sees it (a `HookClient`): its 5-tuple key, its
 * address, and how to answer it. One is made per datagram, so it is a plain class with no closures:
 * at tens of thousands of ChannelData messages a second the closures and send callbacks it replaced
 * were a measurable part of the CPU (docs/turn.md, "Under load").
 */
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { isChannelData, type TransportAddress } from '@peerlink/wire';
import type { ClientHandle, HookClient } from './stun-listeners.js';

export class UdpClient implements HookClient, ClientHandle {
  readonly key: string;
  readonly transport = 'udp' as const;
  readonly #sock: UdpSocket;
  readonly #rinfo: RemoteInfo;
  readonly #onSent: (err: Error | null) => void;

  /** `socketKey` names the server socket the datagram reached; `onSent` hears of failed sends. */
  constructor(sock: UdpSocket, socketKey: string, rinfo: RemoteInfo, onSent: (err: Error | null) => void) {
    this.#sock = sock;
    this.#rinfo = rinfo;
    this.#onSent = onSent;
    this.key = `udp|${socketKey}|${rinfo.address}|${rinfo.port}`;
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
    try {
      if (isChannelData(bytes)) this.#sock.send(bytes, this.#rinfo.port, this.#rinfo.address);
      else this.#sock.send(bytes, this.#rinfo.port, this.#rinfo.address, this.#onSent);
    } catch (err) {
      // The socket closed under us (shutdown): one datagram lost, not the server.
      this.#onSent(err as Error);
    }
  }
}
