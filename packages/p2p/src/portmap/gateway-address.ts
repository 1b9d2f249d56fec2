/**
 * Where the gateway is, and which of our addresses faces it. Linux's /proc/net/route lists routes
 * per interface with little-endian hex addresses; the default route has destination 00000000 and
 * the RTF_GATEWAY flag (0x2).
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

/** The IPv4 default gateway in a /proc/net/route text, or undefined. */
export function parseProcNetRoute(text: string): string | undefined {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[1] !== '00000000') continue;
    const flags = Number.parseInt(f[3] ?? '', 16);
    if (!(flags & RTF_UP) || !(flags & RTF_GATEWAY)) continue;
    const hex = f[2] ?? '';
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) continue;
    const n = Number.parseInt(hex, 16);
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
  }
  return undefined;
}

/** The default IPv4 gateway on Linux; undefined elsewhere or without a default route. */
export async function defaultGateway(): Promise<string | undefined> {
  try {
    return parseProcNetRoute(await readFile('/proc/net/route', 'utf8'));
  } catch {
    return undefined;
  }
}

const toInt = (ip: string): number => ip.split('.').reduce((n, x) => ((n << 8) | Number(x)) >>> 0, 0);

/** Our IPv4 address on the interface whose subnet holds `gateway` (the address a NAT sees). */
export function localAddressFacing(
  gateway: string,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue;
      const mask = toInt(a.netmask);
      if (((toInt(a.address) ^ toInt(gateway)) & mask) === 0) return a.address;
    }
  }
  return undefined;
}
