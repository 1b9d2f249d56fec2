/**
 * Error codes of the peer protocol: the `code` of a server's `error` message (docs/peer-protocol.md,
 * "Errors and limits"), and the codes a parser gives for input it refuses. Stable: never renamed
 * once released; new ones may be added with a protocol version.
 */
import { z } from 'zod';

/** The `code` of a server `error` message. */
export const PEER_ERROR_CODES = [
  'BAD_MESSAGE',
  'TOO_LARGE',
  'RATE_LIMITED',
  'NOT_REGISTERED',
  'ALREADY_REGISTERED',
  'UNAUTHORIZED',
  'ID_MISMATCH',
  'SERVER_FULL',
  'PEER_OFFLINE',
  'SELF_CONNECT',
  'UNKNOWN_SESSION',
  'NOT_IN_SESSION',
  'SESSION_NOT_ACTIVE',
  'RELAY_QUOTA',
  'REPLACED',
  'DRAINING',
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;
export const PeerErrorCode = z.enum(PEER_ERROR_CODES);
export type PeerErrorCode = (typeof PEER_ERROR_CODES)[number];

/**
 * Why a parser refused its input: `NOT_JSON` (a text frame that is not JSON), `UNKNOWN_TYPE` (a
 * `type` or `kind` this version does not know: a newer peer's message, not necessarily an attack),
 * `INVALID` (a known message that fails its schema; the message names the field).
 */
export type PeerParseErrorCode = 'NOT_JSON' | 'UNKNOWN_TYPE' | 'INVALID';

/** A refused input. `type` is the message's `type` (or payload's `kind`) when it had a string one. */
export interface PeerParseFailure {
  readonly ok: false;
  readonly code: PeerParseErrorCode;
  readonly message: string;
  readonly type?: string;
}
