/**
 * The endpoints GetSignalingChannelEndpoint answers: this server's HTTPS listener, as the client can
 * reach it. The host is --public-url's (behind a proxy: its scheme, host and port as given), else the
 * host the request named (its Host header: a name the TLS certificate may carry), else the advertised
 * address; the port is the HTTPS port's. The WSS endpoint carries the KVS protocol's path `/kvs`,
 * since the SDKs only append the query to it; the HTTPS one has no path, since the SDKs append
 * `/v1/get-ice-server-config` to it.
 *
 * Note for the KVS C SDK: its libwebsockets calls connect to port 443 whatever the URL says, and
 * refuse a URL with an explicit port; it needs this server (or --public-url) on port 443, where the
 * port drops out of the URL.
 */
import type { KvsEndpoints } from '@peerlink/signaling';
import { hostOnly } from '../../ice-servers.js';

export interface KvsEndpointSource {
  readonly publicUrl: string | undefined;
  /** The HTTPS listener's port (known once it listens). */
  readonly httpsPort: () => number;
  /** When the request named no host. */
  readonly fallbackHost: () => string;
  /** The QUIC carrier's UDP port, when it listens. */
  readonly quicPort?: () => number | undefined;
}

export const KVS_WEBSOCKET_PATH = '/kvs';

export function kvsEndpoints(o: KvsEndpointSource, hostHeader: string | undefined): KvsEndpoints {
  let base: URL;
  if (o.publicUrl !== undefined) base = new URL(new URL(o.publicUrl).origin);
  else {
    const h = hostHeader !== undefined && hostHeader !== '' ? hostOnly(hostHeader) : o.fallbackHost();
    base = new URL(`https://${h.includes(':') ? `[${h}]` : h}:${o.httpsPort()}`);
  }
  const https = base.origin; // no trailing slash; the default port drops out
  const wss = `${base.protocol === 'http:' ? 'ws:' : 'wss:'}//${base.host}${KVS_WEBSOCKET_PATH}`;
  // The same host (a name the certificate carries), the QUIC carrier's own UDP port.
  const quicPort = o.quicPort?.();
  return quicPort === undefined
    ? { https, wss }
    : { https, wss, quic: `quic://${base.hostname}:${quicPort}` };
}
