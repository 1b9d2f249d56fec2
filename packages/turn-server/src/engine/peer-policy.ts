/**
 * Which peer addresses a relay may reach (RFC 8656 §21.3, "Safe by default"). A TURN server that
 * relays to anything lets any user with credentials reach the server's own loopback, the LAN behind
 * it and the cloud metadata service; coturn leaves that open unless configured. Here the special-
 * purpose ranges of RFC 6890 are refused (403) unless an operator opens a range with --allow-peer.
 *
 * IPv6 forms that carry an IPv4 address are canonicalised first, so `::ffff:127.0.0.1`,
 * `::127.0.0.1`, `2002:7f00:1::`, a Teredo address hiding 10.0.0.1 and `64:ff9b::a00:1` are judged
 * as the IPv4 address they lead to.
 */
import { parseIp } from '@peerlink/wire';

export interface Cidr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Parses `10.0.0.0/8`, `fc00::/7` or a bare address (a /32 or /128). Undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, len, extra] = text.trim().split('/');
  if (ip === undefined || extra !== undefined) return undefined;
  const parsed = parseIp(ip);
  if (parsed === undefined) return undefined;
  const max = parsed.family === 4 ? 32 : 128;
  if (len !== undefined && !/^[0-9]{1,3}$/.test(len)) return undefined;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return undefined;
  return { family: parsed.family, bytes: parsed.bytes, prefix };
}

function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) throw new Error(`bad built-in CIDR ${text}`);
  return c;
}

/** The ranges relays refuse by default (issue #4; RFC 6890 special-purpose registries). */
export const DENIED_RANGES: readonly Cidr[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
  '2001:db8::/32',
].map(cidr);

const LOOPBACK: readonly Cidr[] = ['127.0.0.0/8', '::1/128'].map(cidr);

export function cidrContains(range: Cidr, family: 4 | 6, bytes: Uint8Array): boolean {
  if (range.family !== family) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * The addresses a peer address leads to: itself, plus every IPv4 address it embeds. IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96, RFC 2765), IPv4-compatible (::/96, RFC 4291
 * §2.5.5.1), 6to4 (2002::/16, RFC 3056), Teredo (2001::/32, RFC 4380 §4: server and obfuscated
 * client) and NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48, RFC 6052, RFC 8215).
 */
export function embeddedAddresses(family: 4 | 6, b: Uint8Array): { family: 4 | 6; bytes: Uint8Array }[] {
  const out: { family: 4 | 6; bytes: Uint8Array }[] = [{ family, bytes: b }];
  if (family === 4) return out;
  const v4 = (from: number): void => {
    out.push({ family: 4, bytes: b.slice(from, from + 4) });
  };
  const w = (i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  if (allZero(b, 0, 10) && w(10) === 0xffff) v4(12);
  else if (allZero(b, 0, 8) && w(8) === 0xffff && w(10) === 0) v4(12);
  else if (allZero(b, 0, 12) && !allZero(b, 12, 16) && !(allZero(b, 12, 15) && b[15] === 1)) v4(12);
  else if (w(0) === 0x2002) v4(2);
  else if (w(0) === 0x2001 && w(2) === 0) {
    v4(4);
    out.push({ family: 4, bytes: b.slice(12, 16).map((x) => x ^ 0xff) });
  } else if (w(0) === 0x0064 && w(2) === 0xff9b && allZero(b, 4, 12)) v4(12);
  else if (w(0) === 0x0064 && w(2) === 0xff9b && w(4) === 0x0001) {
    // RFC 6052 §2.2 with a /48 prefix: bits 48-63 and 72-87 hold the address around the u octet.
    out.push({ family: 4, bytes: Uint8Array.of(b[6] ?? 0, b[7] ?? 0, b[9] ?? 0, b[10] ?? 0) });
  }
  return out;
}

export interface PeerPolicyOptions {
  /** Ranges opened despite the deny list (--allow-peer). */
  readonly allow?: readonly Cidr[];
  /** Opens 127.0.0.0/8 and ::1 (--allow-loopback-peers), for tests on one machine. */
  readonly allowLoopback?: boolean;
}

/** Decides whether a relay may send to an IP. Pure. */
export class PeerPolicy {
  readonly #allow: readonly Cidr[];

  constructor(opts: PeerPolicyOptions = {}) {
    this.#allow = [...(opts.allow ?? []), ...(opts.allowLoopback === true ? LOOPBACK : [])];
  }

  /** True when every address `ip` leads to is either outside the deny list or explicitly allowed. */
  permits(ip: string): boolean {
    const parsed = parseIp(ip);
    if (parsed === undefined) return false;
    for (const a of embeddedAddresses(parsed.family, parsed.bytes)) {
      const denied = DENIED_RANGES.some((r) => cidrContains(r, a.family, a.bytes));
      if (denied && !this.#allow.some((r) => cidrContains(r, a.family, a.bytes))) return false;
    }
    return true;
  }
}
