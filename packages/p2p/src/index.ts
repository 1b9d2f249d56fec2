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
export {
  BirthdayLock,
  birthdayPacketBudget,
  birthdaySuccess,
  DEFAULT_BIRTHDAY,
  PortShuffle,
} from './punch/birthday.js';
export type { BirthdayBudget } from './punch/birthday.js';
export { endpointKey, isIpv6, normaliseAddress, parseCandidate } from './punch/endpoint.js';
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
