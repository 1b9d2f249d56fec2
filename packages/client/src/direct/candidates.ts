/**
 * Candidate gathering: host addresses of this machine (IPv4, not loopback) and the server-reflexive
 * address a STUN Binding to the server's STUN port reports for the node's one UDP socket.
 */
import { networkInterfaces } from 'node:os';
import { mappedAddressOf, StunTransactions, type DatagramSocket } from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import type { Addr, UdpMux } from './udp-mux.js';

export interface Candidate extends Addr {
  readonly type: 'host' | 'srflx' | 'prflx';
}

export function hostCandidates(port: number): Candidate[] {
  const out: Candidate[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) out.push({ type: 'host', address: a.address, port });
    }
  }
  return out;
}

/**
 * Asks the server's STUN port for our reflexive address (sends at 0, 250 and 750 ms, gives up at
 * 1.5 s); undefined when nothing answers. The node's socket is shared, so STUN is only listened to
 * while gathering.
 */
export async function reflexiveCandidate(mux: UdpMux, stun: Addr): Promise<Candidate | undefined> {
  const socket: DatagramSocket = {
    send: (bytes, to) => mux.send(bytes, to),
    onMessage: (handler) => {
      mux.onStun = (bytes, from) => handler(bytes, { family: 4, ...from });
    },
    local: () => ({ family: 4, address: '0.0.0.0', port: mux.port }),
    close: () => {},
  };
  const to: TransportAddress = { family: 4, address: stun.address, port: stun.port };
  try {
    const mapped = mappedAddressOf(await new StunTransactions(socket).request(to, [], GATHER_TIMING));
    return mapped ? { type: 'srflx', address: mapped.address, port: mapped.port } : undefined;
  } finally {
    mux.onStun = () => {};
  }
}

const GATHER_TIMING = { rtoMs: 250, tries: 3, lastWaitMs: 750 };
