/**
 * Typed errors of @peerlink/p2p, each with a stable `code` (never renamed once released; new ones
 * may be added). Hostile bytes from the network never throw anywhere in this package: codecs return
 * results, engines count drops. What throws is a caller's mistake, and what a server or gateway does
 * wrong ends the operation with one of these codes.
 *
 * - NAT_BAD_SERVER: `peerlink nat --server` names nothing we can read (nat/server-address.ts).
 * - TURN_CLIENT_*: the TURN client (turn-client/); `status` is the STUN error code (RFC 8489 §14.8)
 *   of the answer that caused it, when there was one.
 * - PORTMAP_*: port mapping (portmap/); `resultCode` is the gateway's own result code.
 */

export class ServerAddressError extends Error {
  readonly code = 'NAT_BAD_SERVER';
}

/** TURN client codes. */
export const TurnClientErrorCode = {
  /** An option or argument the client cannot use. */
  InvalidArgument: 'TURN_CLIENT_INVALID_ARGUMENT',
  /** `sendTo` or `permit` without an allocation (not started, failed or closed). */
  NotAllocated: 'TURN_CLIENT_NOT_ALLOCATED',
  /** `sendTo` a peer whose IP was never given to `permit` (RFC 8656 §9: the server would drop it). */
  NoPermission: 'TURN_CLIENT_NO_PERMISSION',
  /** A request went unanswered through every retransmission (RFC 8489 §6.2.1). */
  Timeout: 'TURN_CLIENT_TIMEOUT',
  /** The server refused the credentials: 401 after they were sent, or 441 (RFC 8489 §9.2.5). */
  AuthFailed: 'TURN_CLIENT_AUTH_FAILED',
  /** The server answered with an error response this client cannot recover from (RFC 8656 §19). */
  Rejected: 'TURN_CLIENT_REJECTED',
  /** A success response lacks what RFC 8656 requires in it (XOR-RELAYED-ADDRESS, LIFETIME). */
  BadResponse: 'TURN_CLIENT_BAD_RESPONSE',
  /** The server no longer knows the allocation: 437 to a Refresh (RFC 8656 §8). */
  AllocationLost: 'TURN_CLIENT_ALLOCATION_LOST',
} as const;
export type TurnClientErrorCode = (typeof TurnClientErrorCode)[keyof typeof TurnClientErrorCode];

export class TurnClientError extends Error {
  override readonly name = 'TurnClientError';
  readonly code: TurnClientErrorCode;
  /** The STUN error code of the answer that caused this, when there was one. */
  readonly status: number | undefined;

  constructor(code: TurnClientErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Port mapping codes. */
export type PortMapErrorCode =
  /** Fewer bytes than the message layout needs. */
  | 'PORTMAP_TRUNCATED'
  /** Bytes that are not the message expected (wrong version, opcode, length, field). */
  | 'PORTMAP_MALFORMED'
  /** The gateway speaks another version (NAT-PMP answering PCP, or the reverse). */
  | 'PORTMAP_UNSUPPORTED_VERSION'
  /** The gateway answered with a failure result code (`resultCode` holds it). */
  | 'PORTMAP_REFUSED'
  /** Nothing usable answered within the deadline. */
  | 'PORTMAP_TIMEOUT'
  /** No default gateway is known (not Linux, or no default route). */
  | 'PORTMAP_NO_GATEWAY'
  /** UPnP: an HTTP failure, an oversized or unreadable body, or a URL pointing elsewhere. */
  | 'PORTMAP_HTTP'
  /** UPnP: a description or SOAP body we refuse to read (entities, no control URL, no field). */
  | 'PORTMAP_BAD_XML';

export class PortMapError extends Error {
  readonly code: PortMapErrorCode;
  /** The protocol's own result or error code, when the gateway sent one. */
  readonly resultCode: number | undefined;
  constructor(code: PortMapErrorCode, message: string, resultCode?: number) {
    super(message);
    this.name = 'PortMapError';
    this.code = code;
    this.resultCode = resultCode;
  }
}
