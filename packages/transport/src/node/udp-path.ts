/**
 * A {@link Path} over a Node `dgram` socket to one remote address: the direct path. The socket may
 * be shared with other paths and protocols (STUN, other peers); `UdpPath` only sends to and accepts
 * from its remote address. This is the whole adapter: no protocol logic lives here.
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import type { Path, PathStats } from '../path.js';

export class UdpPath implements Path {
  readonly id: string;
  private handler: (bytes: Uint8Array) => void = () => {};
  private readonly listener: (msg: Buffer, rinfo: RemoteInfo) => void;

  constructor(
    private readonly socket: Socket,
    private readonly remote: { address: string; port: number },
    readonly mtu = 1200,
  ) {
    this.id = `udp:${remote.address}:${remote.port}`;
    this.listener = (msg, rinfo) => {
      if (rinfo.address === remote.address && rinfo.port === remote.port) this.handler(new Uint8Array(msg));
    };
    socket.on('message', this.listener);
  }

  send(bytes: Uint8Array): void {
    // Send errors (no route, ICMP unreachable) are path trouble, not ours to throw: the session's
    // timers and the path selector deal with a path that stops delivering.
    this.socket.send(bytes, this.remote.port, this.remote.address, () => {});
  }

  onDatagram(handler: (bytes: Uint8Array) => void): void {
    this.handler = handler;
  }

  stats(): PathStats {
    return { rttMs: undefined, loss: undefined };
  }

  close(): void {
    this.socket.off('message', this.listener);
  }
}
