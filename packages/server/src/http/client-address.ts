/**
 * The client's real address behind a load balancer: what peerlink reports as `observedAddress`,
 * hands to peers for hole punching and counts per-IP limits on.
 *
 * Sources, and when each is believed (docs/load-balancing.md):
 * 1. A PROXY protocol header, read by {@link installProxyProtocol} from peers in --trusted-proxy
 *    when --proxy-protocol is on. A header that names no client (v2 LOCAL, v1 UNKNOWN, UNIX)
 *    means the socket's own address, and X-Forwarded-For is then not read.
 * 2. X-Forwarded-For, when the nearer hop (the PROXY header's client, else the TCP peer) is a
 *    trusted proxy: walking from the right, the first entry that is not itself a trusted proxy
 *    is the client. Each proxy appends the address it saw, so everything left of that entry was
 *    written by the client and proves nothing. A malformed entry ends the walk at the nearer hop.
 *    The header carries no port unless an entry has one (`[2001:db8::1]:443`, `1.2.3.4:5678`):
 *    the port is then 0, since the proxy's own source port would be a made-up address.
 * 3. Otherwise the TCP peer.
 *
 * @example
 * ```ts
 * const addresses = new ClientAddresses({ trustedProxies: ['10.0.0.0/8'], proxyProtocol: true });
 * addresses.install(httpServer);            // and httpsServer: before they listen
 * httpServer.on('request', (req, res) => res.end(addresses.clientAddressOf(req))); // '203.0.113.7:41234'
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'node:net';
import {
  formatTransportAddress,
  parseTransportAddress,
  proxiedSource,
  type TransportAddress,
} from '@peerlink/wire';
import { installProxyProtocol, type ProxyHeaderEvent } from './proxy-protocol.js';
import { canonicalIp, TrustedProxies, type CanonicalIp } from './trusted-proxies.js';

export interface ClientAddressOptions {
  /** CIDRs (or bare addresses) of the load balancers to believe (default: none). */
  readonly trustedProxies?: readonly string[];
  /** Trusted peers must open every connection with a PROXY v1/v2 header (default false). */
  readonly proxyProtocol?: boolean;
  /** See {@link ProxyProtocolOptions.timeoutMs}. */
  readonly headerTimeoutMs?: number;
  /** See {@link ProxyProtocolOptions.maxHeaderBytes}. */
  readonly maxHeaderBytes?: number;
  /** Each connection from a trusted peer when --proxy-protocol is on: read, or refused and why. */
  readonly onProxyHeader?: (event: ProxyHeaderEvent) => void;
}

/** The facts about one request that decide its client address. */
export interface ClientAddressInput {
  /** The TCP peer, as the socket reports it (undefined once the socket has closed). */
  readonly peer: { readonly address: string | undefined; readonly port: number | undefined };
  /** A PROXY header's client; `null` when a header was read but names none; undefined: no header. */
  readonly proxied: TransportAddress | null | undefined;
  /** The X-Forwarded-For header(s), as Node gives them. */
  readonly forwardedFor: string | readonly string[] | undefined;
}

const UNKNOWN: TransportAddress = { family: 4, address: '0.0.0.0', port: 0 };

const at = (ip: CanonicalIp, port: number): TransportAddress => ({
  family: ip.family,
  address: ip.address,
  port,
});

/** One X-Forwarded-For entry: `ip`, `[ipv6]`, `ipv4:port` or `[ipv6]:port`. */
function parseForwardedEntry(text: string): TransportAddress | undefined {
  const t = text.trim();
  const bare = canonicalIp(/^\[([^\]]*)\]$/.exec(t)?.[1] ?? t);
  if (bare !== undefined) return at(bare, 0);
  const withPort = parseTransportAddress(t);
  const ip = withPort === undefined ? undefined : canonicalIp(withPort.address);
  return ip === undefined || withPort === undefined ? undefined : at(ip, withPort.port);
}

/** Pure: decides the client address from what a request's socket and headers say. */
export function resolveClientAddress(input: ClientAddressInput, trusted: TrustedProxies): TransportAddress {
  const peerIp = input.peer.address === undefined ? undefined : canonicalIp(input.peer.address);
  const peer = peerIp === undefined ? UNKNOWN : at(peerIp, input.peer.port ?? 0);
  if (input.proxied === null) return peer;
  const proxied = input.proxied;
  const proxiedIp = proxied === undefined ? undefined : canonicalIp(proxied.address);
  const nearest = proxied === undefined || proxiedIp === undefined ? peer : at(proxiedIp, proxied.port);
  if (input.forwardedFor === undefined || !trusted.has(nearest.address)) return nearest;
  const list = typeof input.forwardedFor === 'string' ? [input.forwardedFor] : input.forwardedFor;
  const entries = list.flatMap((h) => h.split(','));
  let leftmost = nearest;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = parseForwardedEntry(entries[i] as string);
    if (entry === undefined) return nearest;
    if (!trusted.has(entry.address)) return entry;
    leftmost = entry;
  }
  return leftmost; // every hop is a trusted proxy: the first one is as far back as anyone saw
}

/**
 * Owns the trust configuration and what PROXY headers said, per socket. One instance serves the
 * HTTP and HTTPS servers alike.
 */
export class ClientAddresses {
  readonly trusted: TrustedProxies;
  readonly #options: ClientAddressOptions;
  /** Raw TCP socket -> the header's client, or null for a header that names none. */
  readonly #proxied = new WeakMap<Socket, TransportAddress | null>();

  /** Throws a plain Error naming the CIDRs that do not parse (config validation reports them first). */
  constructor(options: ClientAddressOptions = {}) {
    const { trusted, invalid } = TrustedProxies.parse(options.trustedProxies ?? []);
    if (invalid.length > 0) throw new Error(`not a CIDR: ${invalid.join(', ')}`);
    this.trusted = trusted;
    this.#options = options;
  }

  /** Reads PROXY headers from trusted peers on `server` (http or https); a no-op unless enabled. */
  install(server: Server): void {
    if (this.#options.proxyProtocol !== true || this.trusted.none) return;
    installProxyProtocol(server, {
      isTrusted: (ip) => this.trusted.has(ip),
      onHeader: (socket, header) => this.#proxied.set(socket, proxiedSource(header) ?? null),
      ...(this.#options.headerTimeoutMs !== undefined ? { timeoutMs: this.#options.headerTimeoutMs } : {}),
      ...(this.#options.maxHeaderBytes !== undefined ? { maxHeaderBytes: this.#options.maxHeaderBytes } : {}),
      ...(this.#options.onProxyHeader !== undefined ? { onEvent: this.#options.onProxyHeader } : {}),
    });
  }

  /** The client of `req`, resolved as the module comment says. */
  readonly resolve = (req: IncomingMessage): TransportAddress => {
    const socket = req.socket;
    // HTTPS: req.socket is the TLSSocket; the header was read on the TCP socket it wraps.
    const raw = (socket as Socket & { _parent?: Socket | null })._parent ?? undefined;
    const proxied = this.#proxied.has(socket) ? this.#proxied.get(socket) : raw && this.#proxied.get(raw);
    return resolveClientAddress(
      {
        peer: { address: socket.remoteAddress, port: socket.remotePort },
        proxied,
        forwardedFor: this.trusted.none ? undefined : req.headers['x-forwarded-for'],
      },
      this.trusted,
    );
  };

  /** `ip:port`, IPv6 as `[ip]:port`, IPv4-mapped unwrapped: the signaling's `remoteOf(req)`. */
  readonly clientAddressOf = (req: IncomingMessage): string => formatTransportAddress(this.resolve(req));
}
