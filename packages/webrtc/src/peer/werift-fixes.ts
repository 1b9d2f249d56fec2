/**
 * Where werift 0.25 falls short, fixed from outside in one place (docs/webrtc.md, "werift gaps").
 *
 * Orphaned transports: answering a BUNDLE offer, werift makes one DTLS/ICE transport per m= section,
 * then moves every section onto the first; the others are never stopped by `close()`, so their UDP
 * sockets (one per address family) outlive the connection and keep the process alive. We record
 * every transport its SecureTransportManager makes and stop them all after `close()`.
 */
import type { RTCPeerConnection } from 'werift';

interface Stoppable {
  stop(): Promise<void>;
}
interface TransportFactory {
  createTransport(...args: unknown[]): Stoppable;
}

/**
 * Records the transports `pc` makes (each also handed to `onTransport`, e.g. to hook its ICE agent);
 * the returned function stops every one of them.
 */
export function trackTransports(
  pc: RTCPeerConnection,
  onTransport?: (t: unknown) => void,
): () => Promise<void> {
  const made: Stoppable[] = [];
  const manager = (pc as unknown as { secureManager?: TransportFactory }).secureManager;
  if (manager !== undefined && typeof manager.createTransport === 'function') {
    const create = manager.createTransport.bind(manager);
    manager.createTransport = (...args: unknown[]) => {
      const t = create(...args);
      made.push(t);
      onTransport?.(t);
      return t;
    };
  }
  return async () => {
    await Promise.allSettled(made.map((t) => t.stop()));
  };
}
