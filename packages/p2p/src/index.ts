/**
 * @peerlink/p2p: everything a node needs to leave the relay, sans-IO where it keeps state.
 *
 * - nat/: RFC 5780 probing and the pure classifier (`peerlink nat`);
 * - punch/: the hole-punch scheduler `PunchEngine` (simultaneous open, triggered checks, path
 *   upgrades, keepalives, sequential prediction, birthday probing) and the NAT hint a node shares
 *   (docs/hole-punching.md);
 * - turn-client/: a sans-IO TURN client (RFC 8656 over UDP) for the relayed candidate: the node
 *   feeds it what comes from the TURN server on its one UDP socket, calls `handleTimer` at
 *   `nextTimeout()` and sends `takeOutput()`; `runTurnClient` drives one over a socket of its own
 *   (docs/turn-client.md);
 * - portmap/: port mapping on the local gateway by PCP, NAT-PMP and UPnP-IGD (docs/port-mapping.md).
 *
 * @example
 * ```ts
 * import { probeNat, nodeUdpSocketFactory, resolveStunServer } from '@peerlink/p2p';
 * const server = await resolveStunServer('stun:127.0.0.1:3478');
 * const { report, reasons } = await probeNat({ server: server.primary, serverIpv6: server.ipv6,
 *   sockets: nodeUdpSocketFactory });
 * console.log(report, reasons);
 * ```
 *
 * @example A relayed address from a TURN server, and data to a peer through it
 * ```ts
 * import { TurnClient, nodeUdpSocketFactory, runTurnClient } from '@peerlink/p2p';
 * const server = { family: 4, address: '127.0.0.1', port: 3478 } as const;
 * const turn = runTurnClient(new TurnClient({ server, username: 'u', password: 'p' }),
 *   await nodeUdpSocketFactory(4), { onEvent: (e) => e.type === 'data' && console.log(e.bytes) });
 * const { relayed } = await turn.allocated();   // give `relayed` to the peer as a candidate
 * turn.permit(peer);                            // CreatePermission, then ChannelBind
 * turn.sendTo(peer, new TextEncoder().encode('hi'));
 * await turn.close();                           // Refresh LIFETIME 0
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
export { otherAddressOf, probeNat } from './nat/probe.js';
export type { ProbeOptions } from './nat/probe.js';
export { resolveStunServer, ServerAddressError } from './nat/server-address.js';
export type { ResolvedServer } from './nat/server-address.js';
export { DEFAULT_TIMING, mappedAddressOf, StunTransactions } from './nat/stun-transaction.js';
export type { StunReply, TransactionTiming } from './nat/stun-transaction.js';
export type { DatagramSocket, SocketFactory } from './net/datagram-socket.js';
export { nodeUdpSocketFactory } from './net/node-udp.js';
export { DEFAULT_TTL, literalLookup, sendWithTtl } from './net/node-ttl.js';
export { rangeRouter } from './net/node-range.js';
export {
  BirthdayLock,
  birthdayPacketBudget,
  birthdaySuccess,
  DEFAULT_BIRTHDAY,
  PortShuffle,
} from './punch/birthday.js';
export type { BirthdayBudget } from './punch/birthday.js';
export { endpointKey, isIpv6, normaliseAddress, pairKey, parseCandidate } from './punch/endpoint.js';
export type { Candidate, CandidateType, Endpoint } from './punch/endpoint.js';
export { isEasyNat, isHardNat, natHintOf, parseNatHint, UNKNOWN_NAT } from './punch/nat-hint.js';
export type { NatHint } from './punch/nat-hint.js';
export {
  DEFAULT_PUNCH_TIMING,
  PRIMARY_VIA,
  PunchEngine,
  SEQUENTIAL_WINDOW,
  TURN_VIA,
} from './punch/punch-engine.js';
export type { PunchAction, PunchOptions, PunchState, PunchTiming, Via } from './punch/punch-engine.js';
export { capTtl, RANGE_PORT, RouterRange } from './punch/router-range.js';
export { TurnClient } from './turn-client/turn-client.js';
export { TurnClientError, TurnClientErrorCode } from './turn-client/turn-client-errors.js';
export type {
  TurnClientDropReason,
  TurnClientEvent,
  TurnClientOptions,
  TurnClientState,
  TurnClientStats,
} from './turn-client/turn-client-types.js';
export { TURN_TIMING } from './turn-client/turn-transactions.js';
export { runTurnClient } from './turn-client/run-turn-client.js';
export type {
  RunningTurnClient,
  RunTurnClientOptions,
  TurnAllocation,
} from './turn-client/run-turn-client.js';
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
