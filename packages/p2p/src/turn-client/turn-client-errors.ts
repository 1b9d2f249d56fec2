/**
 * Typed errors of the TURN client. Hostile bytes from the network never throw: they are counted
 * drops. What throws is a caller's mistake (sending before an allocation, to a peer never permitted,
 * after close); what the server or the network does wrong ends the allocation with a `failed`
 * event carrying one of these codes, and the STUN error code (RFC 8489 §14.8) when there was one.
 */

/** Stable error codes. Never renamed once released; new ones may be added. */
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
