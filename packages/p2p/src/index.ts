/**
 * @peerlink/p2p: NAT classification today; candidates, checks, hole punching and path selection
 * with the P2P issues.
 *
 * @example
 * ```ts
 * import { probeNat, nodeUdpSocketFactory, resolveStunServer } from '@peerlink/p2p';
 * const server = await resolveStunServer('stun:127.0.0.1:3478');
 * const { report, reasons } = await probeNat({ server: server.primary, serverIpv6: server.ipv6,
 *   sockets: nodeUdpSocketFactory });
 * console.log(report, reasons);
 * ```
 */
export { classifyNat, classifyPortAllocation, SEQUENTIAL_MAX_STEP } from './nat/classify.js';
export type {
  Behaviour,
  Classification,
  NatObservations,
  NatReport,
  PortAllocation,
} from './nat/classify.js';
export { probeNat } from './nat/probe.js';
export type { ProbeOptions } from './nat/probe.js';
export { resolveStunServer, ServerAddressError } from './nat/server-address.js';
export type { ResolvedServer } from './nat/server-address.js';
export { DEFAULT_TIMING, mappedAddressOf, StunTransactions } from './nat/stun-transaction.js';
export type { StunReply, TransactionTiming } from './nat/stun-transaction.js';
export type { DatagramSocket, SocketFactory } from './net/datagram-socket.js';
export { nodeUdpSocketFactory } from './net/node-udp.js';
export { mapPort, mapPortVia, DEFAULT_LIFETIME_SEC, DEFAULT_PROTOCOLS } from './portmap/port-mapper.js';
export type { MapPortOptions, PortMapping, PortMapProtocol } from './portmap/port-mapper.js';
export { PortMapError } from './portmap/errors.js';
export type { PortMapErrorCode, PortMapResult } from './portmap/errors.js';
export { defaultGateway, localAddressFacing, parseProcNetRoute } from './portmap/gateway-address.js';
export {
  NAT_PMP_PORT,
  NatPmpResult,
  decodeNatPmpExternalResponse,
  decodeNatPmpMapResponse,
  decodeNatPmpRequest,
  encodeNatPmpError,
  encodeNatPmpExternalRequest,
  encodeNatPmpExternalResponse,
  encodeNatPmpMapRequest,
  encodeNatPmpMapResponse,
} from './portmap/nat-pmp.js';
export type {
  NatPmpExternalResponse,
  NatPmpMapRequest,
  NatPmpMapResponse,
  NatPmpProtocol,
  NatPmpRequest,
} from './portmap/nat-pmp.js';
export {
  PCP_MAP_SIZE,
  PCP_VERSION,
  PcpResult,
  decodePcpMapRequest,
  decodePcpMapResponse,
  encodePcpMapRequest,
  encodePcpMapResponse,
  pcpResultError,
} from './portmap/pcp.js';
export type { PcpMapRequest, PcpMapResponse } from './portmap/pcp.js';
export {
  IGD_DEVICE,
  SSDP_MULTICAST,
  SSDP_PORT,
  WAN_SERVICES,
  encodeMSearch,
  parseDescription,
  parseSearchResponse,
  parseSsdp,
  readSoap,
  soapEnvelope,
  soapFault,
} from './portmap/upnp-igd.js';
export type { IgdControl } from './portmap/upnp-igd.js';
