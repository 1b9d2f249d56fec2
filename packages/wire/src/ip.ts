/**
 * IP address text <-> bytes, pure and browser-safe (no `node:net`).
 *
 * Parsing accepts the RFC 4291 §2.2 text forms: IPv4 dotted quad, IPv6 with at most one `::`
 * and an optional trailing embedded IPv4. Formatting produces the RFC 5952 canonical text
 * (lowercase, no leading zeros, the longest run of two or more zero groups compressed, the
 * first on a tie, and dotted notation for IPv4-mapped addresses, RFC 5952 §5), so the same
 * address always prints the same way in logs, keys and comparisons.
 */
import { WireError, WireErrorCode } from './errors.js';

/** An IP address and port. `address` is canonical text ('1.2.3.4', '2001:db8::1'). */
export type TransportAddress = { family: 4 | 6; address: string; port: number };

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses IPv4 or IPv6 text. Returns `undefined` for anything else, including zone ids
 * ('fe80::1%eth0'), brackets, and IPv4 octets with leading zeros (ambiguous: octal or decimal?).
 */
export function parseIp(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes === undefined ? undefined : { family: 6, bytes };
  }
  const bytes = parseIpv4(text);
  return bytes === undefined ? undefined : { family: 4, bytes };
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!DECIMAL_OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parses a `:`-separated run of groups; the last may be an embedded IPv4 when allowed. */
function parseGroups(text: string, allowV4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (allowV4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === undefined) return undefined;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else {
      if (!HEX_GROUP.test(p)) return undefined;
      groups.push(parseInt(p, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): Uint8Array | undefined {
  // The longest valid form is 45 characters; refuse to do work on anything longer.
  if (text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0] ?? '', false);
    const tail = parseGroups(halves[1] ?? '', true);
    if (head === undefined || tail === undefined) return undefined;
    // '::' stands for one or more zero groups (RFC 4291 §2.2).
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Formats 4 or 16 address bytes as canonical text (RFC 5952). Throws on any other length. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) {
    throw new WireError(
      WireErrorCode.InvalidArgument,
      `an IP address has 4 or 16 bytes, not ${bytes.length}`,
    );
  }
  if (isV4Mapped(bytes)) return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Longest run of zero groups, first on a tie; a single zero group is never compressed (§4.2.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** '1.2.3.4:5' for IPv4, '[2001:db8::1]:5' for IPv6 (RFC 5952 §6). */
export function formatTransportAddress(a: TransportAddress): string {
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * Parses '1.2.3.4:5' or '[2001:db8::1]:5' into a {@link TransportAddress} with the address in
 * canonical text. Returns `undefined` for anything else (bare IPv6 without brackets included).
 */
export function parseTransportAddress(text: string): TransportAddress | undefined {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return undefined;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!host.includes(':')) return undefined;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return undefined;
  }
  if (!/^(?:0|[1-9][0-9]{0,4})$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 0xffff) return undefined;
  const ip = parseIp(host);
  if (ip === undefined) return undefined;
  return { family: ip.family, address: formatIp(ip.bytes), port };
}

/**
 * The IPv4 text of an IPv4-mapped IPv6 address ('::ffff:192.0.2.1' -> '192.0.2.1', RFC 4291
 * §2.5.5.2), which is how a dual-stack socket reports an IPv4 peer; any other text unchanged.
 */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}
