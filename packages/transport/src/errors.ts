/**
 * Typed errors for the transport. Every failure the caller can act on carries a stable `code`
 * (never renamed once released). Hostile bytes from the network never throw: the session drops
 * them and counts the reason in its stats; errors are for the caller's mistakes and for a
 * handshake that must not complete (a wrong pinned key, a bad identity signature).
 */

export const TransportErrorCode = {
  /** An option or argument out of range. */
  InvalidArgument: 'TRANSPORT_INVALID_ARGUMENT',
  /** A message needs more KCP fragments than ikcp allows (127). */
  MessageTooLarge: 'TRANSPORT_MESSAGE_TOO_LARGE',
  /** A datagram does not fit in one packet at the session MTU. */
  DatagramTooLarge: 'TRANSPORT_DATAGRAM_TOO_LARGE',
  /** The peer proved an Ed25519 identity other than the pinned one. */
  KeyMismatch: 'TRANSPORT_KEY_MISMATCH',
  /** The peer's identity payload is malformed or its signature does not verify. */
  BadIdentity: 'TRANSPORT_BAD_IDENTITY',
  /** A Noise handshake message failed to decrypt or parse. */
  HandshakeFailed: 'TRANSPORT_HANDSHAKE_FAILED',
  /** The handshake did not complete before `handshakeTimeoutMs`. */
  HandshakeTimeout: 'TRANSPORT_HANDSHAKE_TIMEOUT',
  /** KCP retransmitted one segment too often (ikcp's dead link) or keepalives stopped. */
  PeerUnreachable: 'TRANSPORT_PEER_UNREACHABLE',
  /** An operation on a session that is not open (not yet established, or closed). */
  NotOpen: 'TRANSPORT_NOT_OPEN',
  /** An operation on a stream that was ended. */
  StreamClosed: 'TRANSPORT_STREAM_CLOSED',
  /** `select` named a path the session does not have, or one too small for the session MTU. */
  UnknownPath: 'TRANSPORT_UNKNOWN_PATH',
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
