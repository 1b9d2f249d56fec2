/**
 * The relay as a transport Path: datagrams travel as binary frames of one server session on the
 * peer's signaling WebSocket. The server session number may change (the server restarted and the
 * connection was re-established), the path does not.
 */
import type { Path, PathStats } from '@peerlink/transport';
import type { SignalingClient } from './signaling-client.js';

export class RelayPath implements Path {
  readonly id = 'relay';
  readonly mtu: number;
  #handler: (bytes: Uint8Array) => void = () => {};
  sent = 0;
  received = 0;
  dropped = 0;

  constructor(
    private readonly signaling: SignalingClient,
    public session: number,
    maxFrameBytes = 65540,
  ) {
    this.mtu = maxFrameBytes - 4;
  }

  send(bytes: Uint8Array): void {
    if (this.signaling.sendFrame(this.session, bytes)) this.sent += bytes.length;
    else this.dropped++;
  }

  onDatagram(handler: (bytes: Uint8Array) => void): void {
    this.#handler = handler;
  }

  /** Called after each inbound datagram was handled (acks arrive this way: progress for writers). */
  afterDeliver: () => void = () => {};

  deliver(bytes: Uint8Array): void {
    this.received += bytes.length;
    this.#handler(bytes);
    this.afterDeliver();
  }

  stats(): PathStats {
    return { rttMs: undefined, loss: undefined };
  }

  close(): void {
    this.#handler = () => {};
  }
}
