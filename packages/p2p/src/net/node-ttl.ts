/**
 * One datagram with its own IP TTL on a `dgram` socket. `setTTL` applies to the socket, so the TTL
 * is set, the datagram sent and the default put back in one tick: that holds only when the send
 * reaches the kernel at once, which needs an address lookup that answers synchronously (dgram's
 * default defers even an IP literal to the next tick). Sockets that send with a TTL are created
 * with `literalLookup`.
 *
 * On a dual-stack (`udp6`) socket `setTTL` sets the IPv6 hop limit only: an IPv4-mapped datagram
 * keeps the default TTL (Linux), which is why the node opens an IPv4 twin of its primary socket.
 */
import type { Socket } from 'node:dgram';
import { lookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/** The TTL a socket is put back to (Linux's net.ipv4.ip_default_ttl). */
export const DEFAULT_TTL = 64;

/** dgram's `lookup` option: an IP literal is answered at once, a name goes to dns.lookup. */
export function literalLookup(
  host: string,
  options: LookupOneOptions | number,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const v = isIP(host);
  if (v !== 0) return cb(null, host, v);
  lookup(host, typeof options === 'number' ? { family: options } : options, cb);
}

/** Sends `bytes` with `ttl` (then restores the default); a plain send when `ttl` is undefined. */
export function sendWithTtl(
  sock: Socket,
  bytes: Uint8Array,
  port: number,
  address: string,
  ttl: number | undefined,
): void {
  if (ttl === undefined) return void sock.send(bytes, port, address, () => {});
  sock.setTTL(ttl);
  try {
    sock.send(bytes, port, address, () => {});
  } finally {
    sock.setTTL(DEFAULT_TTL);
  }
}
