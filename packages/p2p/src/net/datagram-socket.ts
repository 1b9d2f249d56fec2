/**
 * The injected network: everything in p2p that sends datagrams codes against this interface, so the
 * same logic runs over real `dgram`, a test proxy, or the in-process NAT simulator.
 */
import type { TransportAddress } from '@peerlink/wire';

export interface DatagramSocket {
  /** `ttl`: the IP TTL (hop limit) of this one datagram; absent: the socket's default. */
  send(bytes: Uint8Array, to: TransportAddress, ttl?: number): void;
  /** Replaces the previous handler. */
  onMessage(handler: (bytes: Uint8Array, from: TransportAddress) => void): void;
  /** The bound local address (the wildcard address when bound to all interfaces). */
  local(): TransportAddress;
  close(): void;
}

export type SocketFactory = (family: 4 | 6) => Promise<DatagramSocket>;
