/**
 * Turns the `--server` argument of `peerlink nat` into STUN addresses: `stun:host[:port]`,
 * `host[:port]`, or a peerlink base URL `http(s)://host[:port]` (its /status names the STUN port).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TransportAddress } from '@peerlink/wire';
import { ServerAddressError } from '../errors.js';

export { ServerAddressError };

export interface ResolvedServer {
  readonly primary: TransportAddress;
  readonly ipv6: TransportAddress | undefined;
}

const DEFAULT_STUN_PORT = 3478;

function splitHostPort(s: string): { host: string; port: number | undefined } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) {
    if (isIP(s) === 6) return { host: s, port: undefined };
    throw new ServerAddressError(`cannot read host and port from ${JSON.stringify(s)}`);
  }
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new ServerAddressError(`bad port in ${s}`);
  return { host: m[1] as string, port };
}

async function stunPortFromStatus(base: string, fetchImpl: typeof fetch): Promise<number | undefined> {
  try {
    const res = await fetchImpl(new URL('/status', base), { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { stun?: { primary?: string | null } };
    const m = /:(\d+)$/.exec(body.stun?.primary ?? '');
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function resolveStunServer(
  arg: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ResolvedServer> {
  let host: string;
  let port: number | undefined;
  if (/^https?:\/\//.test(arg)) {
    const url = new URL(arg);
    host = url.hostname.replace(/^\[|\]$/g, '');
    port = await stunPortFromStatus(arg, fetchImpl);
  } else {
    ({ host, port } = splitHostPort(arg.replace(/^stuns?:/, '')));
  }
  const p = port ?? DEFAULT_STUN_PORT;
  const v = isIP(host);
  if (v !== 0) {
    const primary: TransportAddress = { family: v === 6 ? 6 : 4, address: host, port: p };
    return { primary, ipv6: v === 6 ? primary : undefined };
  }
  let addrs: { address: string; family: number }[];
  try {
    addrs = await lookup(host, { all: true });
  } catch (err) {
    throw new ServerAddressError(`cannot resolve ${host}: ${(err as Error).message}`);
  }
  const v4 = addrs.find((a) => a.family === 4);
  const v6 = addrs.find((a) => a.family === 6);
  const first = v4 ?? v6;
  if (!first) throw new ServerAddressError(`${host} has no addresses`);
  return {
    primary: { family: first.family === 6 ? 6 : 4, address: first.address, port: p },
    ipv6: v6 && { family: 6, address: v6.address, port: p },
  };
}
