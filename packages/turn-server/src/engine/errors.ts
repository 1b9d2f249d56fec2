/**
 * Typed errors of the TURN server. Protocol failures are not thrown: they become STUN error
 * responses (RFC 8656 §19 lists the codes) or counted drops. What is thrown is a configuration the
 * server cannot run with.
 */
export const TurnErrorCode = {
  /** An option value the engine cannot use (a bad --turn-user, an empty port range...). */
  BadOption: 'TURN_BAD_OPTION',
} as const;

export type TurnErrorCode = (typeof TurnErrorCode)[keyof typeof TurnErrorCode];

export class TurnError extends Error {
  override readonly name = 'TurnError';
  readonly code: TurnErrorCode;

  constructor(code: TurnErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** STUN/TURN error codes the server answers with (RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3). */
export const TurnStatus = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  UnknownAttribute: 420,
  AllocationMismatch: 437,
  StaleNonce: 438,
  AddressFamilyNotSupported: 440,
  WrongCredentials: 441,
  UnsupportedTransport: 442,
  PeerAddressFamilyMismatch: 443,
  ConnectionAlreadyExists: 446,
  ConnectionTimeoutOrFailure: 447,
  AllocationQuotaReached: 486,
  ServerError: 500,
  InsufficientCapacity: 508,
} as const;

export const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  446: 'Connection Already Exists',
  447: 'Connection Timeout or Failure',
  486: 'Allocation Quota Reached',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};
