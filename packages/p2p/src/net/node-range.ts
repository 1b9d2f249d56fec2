/**
 * The sockets of one ranging (punch/router-range.ts) on Node: one connected IPv4 socket per TTL,
 * each sending one datagram with its TTL. Linux gives a connected UDP socket an ICMP port
 * unreachable as ECONNREFUSED (dgram: an `error` event), and keeps time exceeded to itself.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Endpoint } from '../punch/endpoint.js';
import { literalLookup } from './node-ttl.js';

const PROBE = new Uint8Array([0]);

/** Starts the ranging; `refused(ttl)` once per socket that hears port unreachable. Returns the closer. */
export function rangeRouter(
  to: Endpoint,
  ttls: readonly number[],
  refused: (ttl: number) => void,
): () => void {
  const sockets: Socket[] = [];
  for (const ttl of ttls) {
    const s = createSocket({ type: 'udp4', lookup: literalLookup });
    sockets.push(s);
    let heard = false;
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNREFUSED' || heard) return;
      heard = true;
      refused(ttl);
    });
    s.connect(to.port, to.address, () => {
      try {
        s.setTTL(ttl);
        s.send(PROBE, () => {});
      } catch {
        // closed before it connected
      }
    });
  }
  return () => {
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  };
}
