/**
 * Candidate gathering: host addresses of this machine (IPv4, not loopback) and the server-reflexive
 * address a STUN Binding to the server's STUN port reports for the node's one UDP socket.
 */
import { networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeStunMessage,
  decodeXorAddress,
  encodeStunMessage,
  findAttribute,
} from '@peerlink/wire';
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

/** Asks the server's STUN port for our reflexive address; undefined when nothing answers. */
export function reflexiveCandidate(
  mux: UdpMux,
  stun: Addr,
  timeoutMs = 1500,
): Promise<Candidate | undefined> {
  const transactionId = new Uint8Array(randomBytes(12));
  const request = encodeStunMessage({
    method: StunMethod.Binding,
    cls: StunClass.Request,
    transactionId,
    attributes: [],
  });
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const done = (c: Candidate | undefined): void => {
      for (const t of timers) clearTimeout(t);
      mux.onStun = () => {};
      resolve(c);
    };
    mux.onStun = (bytes) => {
      const m = decodeStunMessage(bytes);
      if (!m.ok || m.value.cls !== StunClass.SuccessResponse) return;
      if (Buffer.compare(Buffer.from(m.value.transactionId), Buffer.from(transactionId)) !== 0) return;
      const x = findAttribute(m.value, StunAttr.XorMappedAddress);
      const a = x ? decodeXorAddress(x.value, m.value.transactionId) : undefined;
      if (a?.ok) done({ type: 'srflx', address: a.value.address, port: a.value.port });
    };
    for (const at of [0, 250, 750]) timers.push(setTimeout(() => mux.send(request, stun), at));
    timers.push(setTimeout(() => done(undefined), timeoutMs));
  });
}
