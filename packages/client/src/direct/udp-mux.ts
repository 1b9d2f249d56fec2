/**
 * One UDP socket per node, shared by STUN (reflexive address), connectivity checks and the direct
 * paths of every connection. Datagrams are told apart by their first bytes: STUN by its magic
 * cookie (session packets also start with small type bytes), checks by CHECK_TYPE, everything
 * else belongs to the direct path of its source.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isStunMessage } from '@peerlink/wire';
import { CountedPath } from '../counted-path.js';

export const CHECK_TYPE = 0xc7;

export type Addr = { address: string; port: number };
export const key = (a: Addr): string => `${a.address}:${a.port}`;

export class DirectPath extends CountedPath {
  readonly id: string;
  readonly mtu = 1200;

  constructor(
    private readonly mux: UdpMux,
    readonly remote: Addr,
  ) {
    super();
    this.id = `udp:${key(remote)}`;
  }

  send(bytes: Uint8Array): void {
    this.sent += bytes.length;
    this.mux.send(bytes, this.remote);
  }

  override close(): void {
    super.close();
    for (const [k, p] of this.mux.paths) if (p === this) this.mux.paths.delete(k);
  }
}

export class UdpMux {
  readonly paths = new Map<string, DirectPath>();
  onStun: (bytes: Uint8Array, from: Addr) => void = () => {};
  onCheck: (bytes: Uint8Array, from: Addr) => void = () => {};
  dropped = 0;

  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const from = { address: rinfo.address, port: rinfo.port };
      if (isStunMessage(bytes)) return this.onStun(bytes, from);
      if (bytes[0] === CHECK_TYPE) return this.onCheck(bytes, from);
      const path = this.paths.get(key(from));
      if (path) path.deliver(bytes);
      else this.dropped++;
    });
    // Unreachable destinations raise errors later; a path that stops working is noticed by its checks.
    socket.on('error', () => {});
  }

  static open(): Promise<UdpMux> {
    return new Promise((resolve, reject) => {
      const s = createSocket({ type: 'udp4' });
      s.once('error', reject);
      s.bind(0, () => {
        s.off('error', reject);
        resolve(new UdpMux(s));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(bytes: Uint8Array, to: Addr): void {
    try {
      this.socket.send(bytes, to.port, to.address, () => {});
    } catch {
      this.dropped++;
    }
  }

  path(remote: Addr): DirectPath {
    let p = this.paths.get(key(remote));
    if (!p) {
      p = new DirectPath(this, remote);
      this.paths.set(key(remote), p);
    }
    return p;
  }

  /** Delivers datagrams from `from` to `path` as well. */
  alias(from: Addr, path: DirectPath): void {
    this.paths.set(key(from), path);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
