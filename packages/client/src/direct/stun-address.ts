/**
 * Where to send STUN: the welcome's primary STUN address, with a wildcard host (a server bound to
 * 0.0.0.0) replaced by the host of the server URL the node connected to.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Addr } from './udp-mux.js';

export async function stunAddress(primary: string | null, server: string): Promise<Addr | undefined> {
  const m = primary ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(primary) : null;
  if (!m) return undefined;
  let host = m[1] as string;
  if (host === '0.0.0.0' || host === '::') host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) === 0) {
    try {
      host = (await lookup(host, { family: 4 })).address;
    } catch {
      return undefined;
    }
  }
  return isIP(host) === 4 ? { address: host, port: Number(m[2]) } : undefined;
}
