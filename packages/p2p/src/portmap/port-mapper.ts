/**
 * Asks the local gateway to map a UDP port: PCP (RFC 6887), then NAT-PMP (RFC 6886), then UPnP
 * IGD, the first that answers wins. The mapped external address is a public, endpoint-independent,
 * unfiltered candidate for direct connections.
 *
 * Requests go from a short-lived control socket (the injected factory's), never from the mapped
 * socket itself: PCP and NAT-PMP name the internal port in the payload, and the node's one socket
 * keeps its message handler. The gateway checks the request's source address, so the control socket
 * must leave from the same address as the mapped one (it does on a host with one LAN address).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { TransportAddress } from '@peerlink/wire';
import type { SocketFactory } from '../net/datagram-socket.js';
import { nodeUdpSocketFactory } from '../net/node-udp.js';
import { PortMapError, failResult, type PortMapResult } from './errors.js';
import { defaultGateway, localAddressFacing } from './gateway-address.js';
import {
  NAT_PMP_PORT,
  decodeNatPmpExternalResponse,
  decodeNatPmpMapResponse,
  encodeNatPmpExternalRequest,
  encodeNatPmpMapRequest,
} from './nat-pmp.js';
import { decodePcpMapResponse, encodePcpMapRequest, pcpResultError, type PcpMapResponse } from './pcp.js';
import { exchange, type ExchangeTarget } from './udp-exchange.js';
import {
  SSDP_MULTICAST,
  SSDP_PORT,
  encodeMSearch,
  fetchControl,
  parseSearchResponse,
  soapCall,
  type IgdControl,
} from './upnp-igd.js';

export type PortMapProtocol = 'pcp' | 'nat-pmp' | 'upnp';

export interface MapPortOptions {
  /** The local UDP port to map. */
  readonly internalPort: number;
  /** Our address towards the gateway; default: the local IPv4 address on the gateway's subnet. */
  readonly internalAddress?: string;
  /** The gateway's IPv4 address; default: the default route's gateway (Linux /proc/net/route). */
  readonly gateway?: string;
  /** Protocols to try, in order; default PCP, NAT-PMP, UPnP. */
  readonly protocols?: readonly PortMapProtocol[];
  /** Requested lifetime, seconds; default 7200. */
  readonly lifetimeSec?: number;
  /** Budget of each protocol (and of renew and release), ms; default 1000. */
  readonly timeoutMs?: number;
  /** Where control sockets come from; default real `dgram`. */
  readonly socketFactory?: SocketFactory;
}

export interface PortMapping {
  readonly protocol: PortMapProtocol;
  readonly internal: TransportAddress;
  readonly external: TransportAddress;
  /** What the gateway granted (0 for a permanent UPnP lease). */
  readonly lifetimeSec: number;
  /** Asks again for the same mapping; resolves with what the gateway granted this time. */
  renew(): Promise<PortMapping>;
  /** Deletes the mapping on the gateway. */
  release(): Promise<void>;
}

export const DEFAULT_PROTOCOLS: readonly PortMapProtocol[] = ['pcp', 'nat-pmp', 'upnp'];
export const DEFAULT_LIFETIME_SEC = 7200;
export const DEFAULT_TIMEOUT_MS = 1000;
const UDP = 17;

interface Ctx {
  readonly gateway: string;
  readonly internal: TransportAddress;
  readonly lifetimeSec: number;
  readonly timeoutMs: number;
  readonly sockets: SocketFactory;
}

/** Tries each protocol in turn; undefined when none granted a mapping (or there is no gateway). */
export async function mapPort(opts: MapPortOptions): Promise<PortMapping | undefined> {
  for (const p of opts.protocols ?? DEFAULT_PROTOCOLS) {
    try {
      return await mapPortVia(p, opts);
    } catch (e) {
      if (!(e instanceof PortMapError)) throw e;
      if (e.code === 'PORTMAP_NO_GATEWAY') return undefined;
    }
  }
  return undefined;
}

/** One protocol only; rejects with a PortMapError saying why there is no mapping. */
export async function mapPortVia(protocol: PortMapProtocol, opts: MapPortOptions): Promise<PortMapping> {
  const gateway = opts.gateway ?? (await defaultGateway());
  if (!gateway) throw new PortMapError('PORTMAP_NO_GATEWAY', 'no IPv4 default gateway');
  const address = opts.internalAddress ?? localAddressFacing(gateway);
  if (!address) throw new PortMapError('PORTMAP_NO_GATEWAY', `no local address faces ${gateway}`);
  const ctx: Ctx = {
    gateway,
    internal: { family: 4, address, port: opts.internalPort },
    lifetimeSec: opts.lifetimeSec ?? DEFAULT_LIFETIME_SEC,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    sockets: opts.socketFactory ?? nodeUdpSocketFactory,
  };
  if (protocol === 'pcp') return viaPcp(ctx, randomBytes(12), 0, '0.0.0.0');
  if (protocol === 'nat-pmp') return viaNatPmp(ctx, 0);
  return viaUpnp(ctx);
}

/** One exchange on a fresh control socket, closed afterwards. */
async function ask<T>(
  ctx: Ctx,
  target: ExchangeTarget,
  request: Uint8Array,
  decode: (b: Uint8Array) => PortMapResult<T>,
): Promise<T> {
  const socket = await ctx.sockets(4);
  try {
    return await exchange(socket, target, request, decode, ctx.timeoutMs);
  } finally {
    socket.close();
  }
}

const at = (address: string, port: number): TransportAddress => ({ family: 4, address, port });

async function viaPcp(ctx: Ctx, nonce: Uint8Array, port: number, address: string): Promise<PortMapping> {
  const request = (lifetimeSec: number, p: number, a: string): Uint8Array =>
    encodePcpMapRequest({
      lifetimeSec,
      clientAddress: ctx.internal.address,
      nonce,
      protocol: UDP,
      internalPort: ctx.internal.port,
      suggestedExternalPort: p,
      suggestedExternalAddress: a,
    });
  // Only the answer to this mapping counts (§11.3: same nonce, protocol and internal port).
  const decode = (b: Uint8Array): PortMapResult<PcpMapResponse> => {
    const r = decodePcpMapResponse(b);
    if (!r.ok) return r;
    const mine =
      r.value.protocol === UDP &&
      r.value.internalPort === ctx.internal.port &&
      r.value.nonce.every((x, i) => x === nonce[i]);
    if (!mine) return failResult('PORTMAP_MALFORMED', 'an answer to another mapping');
    return pcpResultError(r.value.resultCode) ?? r;
  };
  const gw = { to: at(ctx.gateway, NAT_PMP_PORT) };
  const r = await ask(ctx, gw, request(ctx.lifetimeSec, port, address), decode);
  return {
    protocol: 'pcp',
    internal: ctx.internal,
    external: at(r.externalAddress, r.externalPort),
    lifetimeSec: r.lifetimeSec,
    renew: () => viaPcp(ctx, nonce, r.externalPort, r.externalAddress),
    release: async () => void (await ask(ctx, gw, request(0, r.externalPort, r.externalAddress), decode)),
  };
}

async function viaNatPmp(ctx: Ctx, suggested: number): Promise<PortMapping> {
  const gw = { to: at(ctx.gateway, NAT_PMP_PORT) };
  const external = await ask(ctx, gw, encodeNatPmpExternalRequest(), decodeNatPmpExternalResponse);
  const decode = (b: Uint8Array) => {
    const r = decodeNatPmpMapResponse(b, 'udp');
    if (r.ok && r.value.internalPort !== ctx.internal.port) {
      return failResult('PORTMAP_MALFORMED', 'an answer to another mapping');
    }
    return r;
  };
  const map = (lifetimeSec: number, p: number) =>
    ask(
      ctx,
      gw,
      encodeNatPmpMapRequest({
        protocol: 'udp',
        internalPort: ctx.internal.port,
        suggestedExternalPort: p,
        lifetimeSec,
      }),
      decode,
    );
  const r = await map(ctx.lifetimeSec, suggested || ctx.internal.port);
  return {
    protocol: 'nat-pmp',
    internal: ctx.internal,
    external: at(external.externalAddress, r.externalPort),
    lifetimeSec: r.lifetimeSec,
    renew: () => viaNatPmp(ctx, r.externalPort),
    // RFC 6886 §3.4: a deletion asks for lifetime 0 with suggested external port 0.
    release: async () => void (await map(0, 0)),
  };
}

/** UPnP error codes that decide the next AddPortMapping attempt. */
const CONFLICT = 718;
const ONLY_PERMANENT = 725;

async function viaUpnp(ctx: Ctx): Promise<PortMapping> {
  const signal = AbortSignal.timeout(ctx.timeoutMs);
  const location = await ask(
    ctx,
    { to: at(ctx.gateway, SSDP_PORT), also: [at(SSDP_MULTICAST, SSDP_PORT)], anyPort: true },
    encodeMSearch(),
    (b) => parseSearchResponse(b, ctx.gateway),
  );
  const control = await fetchControl(location, ctx.gateway, signal);
  const ip = (await soapCall(control, 'GetExternalIPAddress', {}, signal)).get('NewExternalIPAddress') ?? '';
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip))
    throw new PortMapError('PORTMAP_BAD_XML', 'no external IPv4 address');
  let lease = ctx.lifetimeSec;
  let port = ctx.internal.port;
  for (let attempt = 0; ; attempt++) {
    try {
      await soapCall(control, 'AddPortMapping', addArgs(ctx, port, lease), signal);
      break;
    } catch (e) {
      const code = e instanceof PortMapError ? e.resultCode : undefined;
      if (attempt >= 3) throw e;
      if (code === CONFLICT) port = randomInt(1024, 65536);
      else if (code === ONLY_PERMANENT) lease = 0;
      else throw e;
    }
  }
  return upnpMapping(ctx, control, at(ip, port), lease);
}

function upnpMapping(ctx: Ctx, control: IgdControl, external: TransportAddress, lease: number): PortMapping {
  const timeout = (): AbortSignal => AbortSignal.timeout(ctx.timeoutMs);
  return {
    protocol: 'upnp',
    internal: ctx.internal,
    external,
    lifetimeSec: lease,
    renew: async () => {
      await soapCall(control, 'AddPortMapping', addArgs(ctx, external.port, lease), timeout());
      return upnpMapping(ctx, control, external, lease);
    },
    release: async () => {
      const args = { NewRemoteHost: '', NewExternalPort: String(external.port), NewProtocol: 'UDP' };
      await soapCall(control, 'DeletePortMapping', args, timeout());
    },
  };
}

const addArgs = (ctx: Ctx, port: number, lease: number): Record<string, string> => ({
  NewRemoteHost: '',
  NewExternalPort: String(port),
  NewProtocol: 'UDP',
  NewInternalPort: String(ctx.internal.port),
  NewInternalClient: ctx.internal.address,
  NewEnabled: '1',
  NewPortMappingDescription: 'peerlink',
  NewLeaseDuration: String(lease),
});
