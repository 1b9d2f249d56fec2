/**
 * One request/response exchange with the gateway over an injected datagram socket: resends at
 * 250 ms, then doubling (RFC 6886 §3.1), until a decodable answer from the gateway's port arrives or
 * the deadline passes. Answers from anywhere else, and bytes that do not decode, are ignored; a
 * decoded failure (refused, wrong version) ends the exchange at once.
 */
import type { TransportAddress } from '@peerlink/wire';
import type { DatagramSocket } from '../net/datagram-socket.js';
import { PortMapError, type PortMapResult } from './errors.js';

const FIRST_RESEND_MS = 250;

export interface ExchangeTarget {
  readonly to: TransportAddress;
  /** Further destinations of each send (SSDP: the multicast group beside the gateway). */
  readonly also?: readonly TransportAddress[];
  /** Accept answers from any port of `to.address` (SSDP answers need not come from 1900). */
  readonly anyPort?: boolean;
}

export function exchange<T>(
  socket: DatagramSocket,
  target: ExchangeTarget,
  request: Uint8Array,
  decode: (bytes: Uint8Array) => PortMapResult<T>,
  timeoutMs: number,
): Promise<T> {
  const { to } = target;
  return new Promise<T>((resolve, reject) => {
    let resend: ReturnType<typeof setTimeout> | undefined;
    const finish = (f: () => void): void => {
      clearTimeout(deadline);
      clearTimeout(resend);
      socket.onMessage(() => {});
      f();
    };
    const deadline = setTimeout(
      () =>
        finish(() =>
          reject(new PortMapError('PORTMAP_TIMEOUT', `no answer from ${to.address} in ${timeoutMs} ms`)),
        ),
      timeoutMs,
    );
    socket.onMessage((bytes, from) => {
      if (from.address !== to.address || (!target.anyPort && from.port !== to.port)) return;
      const r = decode(bytes);
      if (r.ok) finish(() => resolve(r.value));
      else if (r.error.code === 'PORTMAP_REFUSED' || r.error.code === 'PORTMAP_UNSUPPORTED_VERSION') {
        const error = r.error;
        finish(() => reject(error));
      }
    });
    const send = (gap: number): void => {
      for (const t of [to, ...(target.also ?? [])]) socket.send(request, t);
      resend = setTimeout(() => send(gap * 2), gap);
    };
    send(FIRST_RESEND_MS);
  });
}
