/**
 * The load balancers whose word about a client's address is believed (--trusted-proxy). Addresses
 * are compared as bytes, IPv4-mapped IPv6 unwrapped first, so `127.0.0.1/32` also covers a
 * dual-stack socket's `::ffff:127.0.0.1`.
 */
import { cidrContains, parseCidr, type Cidr } from '@peerlink/turn-server';
import { formatIp, parseIp } from '@peerlink/wire';

/** An IP in canonical text (RFC 5952), with IPv4-mapped IPv6 ('::ffff:1.2.3.4') as plain IPv4. */
export interface CanonicalIp {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly address: string;
}

const isV4Mapped = (b: Uint8Array): boolean =>
  b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Parses IP text; undefined for anything that is not a bare IPv4 or IPv6 address. */
export function canonicalIp(text: string): CanonicalIp | undefined {
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  const bytes = isV4Mapped(ip.bytes) ? ip.bytes.subarray(12) : ip.bytes;
  return { family: bytes.length === 4 ? 4 : 6, bytes, address: formatIp(bytes) };
}

/** `::ffff:10.0.0.0/104` is `10.0.0.0/8`: the form addresses take after {@link canonicalIp}. */
function unwrapMapped(c: Cidr): Cidr {
  return isV4Mapped(c.bytes) && c.prefix >= 96
    ? { family: 4, bytes: c.bytes.subarray(12), prefix: c.prefix - 96 }
    : c;
}

export class TrustedProxies {
  readonly #ranges: readonly Cidr[];

  private constructor(ranges: readonly Cidr[]) {
    this.#ranges = ranges;
  }

  /** From CIDR text (`10.0.0.0/8`, `fd00::/8`, or a bare address); `invalid` lists what did not parse. */
  static parse(cidrs: readonly string[]): { trusted: TrustedProxies; invalid: string[] } {
    const ranges: Cidr[] = [];
    const invalid: string[] = [];
    for (const text of cidrs) {
      const c = parseCidr(text);
      if (c === undefined) invalid.push(text);
      else ranges.push(unwrapMapped(c));
    }
    return { trusted: new TrustedProxies(ranges), invalid };
  }

  /** True when no proxy is trusted: PROXY headers and X-Forwarded-For are then never read. */
  get none(): boolean {
    return this.#ranges.length === 0;
  }

  /** Whether `ip` (text, or an already canonical IP) lies in a trusted range. */
  has(ip: string | CanonicalIp | undefined): boolean {
    const c = typeof ip === 'string' ? canonicalIp(ip) : ip;
    return c !== undefined && this.#ranges.some((r) => cidrContains(r, c.family, c.bytes));
  }
}
