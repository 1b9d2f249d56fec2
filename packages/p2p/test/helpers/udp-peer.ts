// A UDP socket on loopback that plays the TURN peer, and waiting on a condition with a deadline
// (never a sleep): for the real-socket and coturn tests of the TURN client.
import { createSocket, type Socket } from 'node:dgram';
import type { TransportAddress } from '@peerlink/wire';

export interface UdpPeer {
  readonly socket: Socket;
  readonly address: TransportAddress;
  /** The next datagram, or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<{ text: string; from: TransportAddress }>;
  close(): void;
}

export async function udpPeer(): Promise<UdpPeer> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const queue: { text: string; from: TransportAddress }[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (m, r) => {
    queue.push({ text: m.toString(), from: { family: 4, address: r.address, port: r.port } });
    wake?.();
  });
  return {
    socket,
    address: { family: 4, address: '127.0.0.1', port: socket.address().port },
    async next(timeoutMs = 3000) {
      await until(
        () => queue.length > 0,
        timeoutMs,
        'a datagram at the peer',
        (w) => (wake = w),
      );
      return queue.shift()!;
    },
    close: () => socket.close(),
  };
}

/**
 * Resolves once `ready()` holds, checking whenever `subscribe`'s callback fires; rejects with
 * `what` after `timeoutMs`.
 */
export function until(
  ready: () => boolean,
  timeoutMs: number,
  what: string,
  subscribe: (wake: () => void) => void,
): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    subscribe(() => {
      if (!ready()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}
