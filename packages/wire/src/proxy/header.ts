/**
 * The PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1 and 2): what a load
 * balancer writes at the start of a TCP connection so the server learns the client's addresses.
 * This file holds the decoded shape and the constants shared by the v1 and v2 codecs.
 */
import type { WireError } from '../errors.js';
import type { TransportAddress } from '../ip.js';

/** The 12-byte v2 signature (§2.2); it holds a NUL and cannot be confused with v1 or HTTP. */
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** Signature, version/command, family/transport and the 16-bit length (§2.2). */
export const PROXY_V2_HEADER_LENGTH = 16;

/** "PROXY " in US-ASCII, how every v1 line starts (§2.1). */
export const PROXY_V1_PREFIX: Uint8Array = new TextEncoder().encode('PROXY ');

/** The longest v1 line including CRLF: "PROXY UNKNOWN" with two full IPv6 addresses (§2.1). */
export const PROXY_V1_MAX_LENGTH = 107;

/** The registered v2 TLV types (§2.2.1-§2.2.7). Unknown types are kept and may be ignored. */
export const ProxyTlvType = {
  Alpn: 0x01,
  Authority: 0x02,
  Crc32c: 0x03,
  Noop: 0x04,
  UniqueId: 0x05,
  Ssl: 0x20,
  Netns: 0x30,
} as const;

/** One v2 Type-Length-Value vector; `value` is a view into the decoder's input. */
export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * Where the proxied connection came from and went to. `unspec` means "use the real connection's
 * endpoints": v1 `UNKNOWN`, a v2 LOCAL command (health checks), or a v2 AF_UNSPEC / UNSPEC block.
 */
export type ProxyAddresses =
  | { readonly family: 'unspec' }
  | { readonly family: 'ip'; readonly source: TransportAddress; readonly destination: TransportAddress }
  | { readonly family: 'unix'; readonly source: string; readonly destination: string };

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** `local`: the proxy opened the connection itself (v2 only); `proxy`: on behalf of a client. */
  readonly command: 'local' | 'proxy';
  readonly transport: 'unspec' | 'stream' | 'dgram';
  readonly addresses: ProxyAddresses;
  /** v2 TLVs after the address block, in order; always empty for v1, LOCAL and AF_UNSPEC. */
  readonly tlvs: readonly ProxyTlv[];
}

/**
 * A streaming decoder's answer: a header and how many input bytes it took (the rest belongs to
 * the proxied protocol), "give me more bytes", or why the bytes can never become a valid header.
 */
export type ProxyDecodeResult =
  | { readonly ok: true; readonly header: ProxyHeader; readonly consumed: number }
  | { readonly ok: false; readonly incomplete: true }
  | { readonly ok: false; readonly incomplete: false; readonly error: WireError };

export interface ProxyDecodeOptions {
  /**
   * The longest header accepted, in bytes (default: the protocol's own limits, 107 for v1 and
   * 16 + 65535 for v2). A v2 header whose length field claims more fails as soon as the length
   * is read, before its bytes arrive.
   */
  readonly maxLength?: number;
}

/** The client's address a header vouches for: the source of a proxied IP connection, else undefined. */
export function proxiedSource(header: ProxyHeader): TransportAddress | undefined {
  return header.command === 'proxy' && header.addresses.family === 'ip' ? header.addresses.source : undefined;
}
