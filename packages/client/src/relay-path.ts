/**
 * The relay as a transport Path: datagrams travel as binary frames of one server session on the
 * peer's signaling WebSocket. The server session number may change (the server restarted and the
 * connection was re-established), the path does not.
 */
import { PEER_RELAY_HEADER_BYTES } from '@peerlink/wire';
import { CountedPath } from './counted-path.js';
import type { SignalingClient } from './signaling-client.js';

export class RelayPath extends CountedPath {
  readonly id = 'relay';
  readonly mtu: number;
  dropped = 0;

  constructor(
    private readonly signaling: SignalingClient,
    public session: number,
    maxFrameBytes = 65540,
  ) {
    super();
    this.mtu = maxFrameBytes - PEER_RELAY_HEADER_BYTES;
  }

  send(bytes: Uint8Array): void {
    if (this.signaling.sendFrame(this.session, bytes)) this.sent += bytes.length;
    else this.dropped++;
  }
}
