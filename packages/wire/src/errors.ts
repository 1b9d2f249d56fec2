/**
 * Typed errors for the wire codecs.
 *
 * Decoders never throw on hostile bytes: they return a {@link Result} whose error is a
 * {@link WireError} carrying a stable `code` (safe to switch on, log and count) and, when it
 * makes sense, the byte `offset` into the decoder's input where decoding failed. Encoders are
 * fed by our own code, so they throw a `WireError` for arguments that cannot be put on the wire.
 *
 * A server answering a request that fails to decode replies 400 (Bad Request), RFC 8489 §6.3.1;
 * {@link stunErrorCodeFor} makes that mapping explicit for the codes that have a better answer.
 */

/** Stable error codes. Never renamed once released; new ones may be added. */
export const WireErrorCode = {
  /** A KCP datagram ends inside a segment header or before its declared payload (ikcp.c input). */
  KcpTruncated: 'KCP_TRUNCATED',
  /** A KCP segment carries a command other than PUSH, ACK, WASK or WINS (ikcp.c input). */
  KcpBadCommand: 'KCP_BAD_COMMAND',
  /** Neither PROXY protocol signature: not "PROXY " (v1) nor the 12-byte v2 block (proxy-protocol.txt §2). */
  ProxyNotProxy: 'PROXY_NOT_PROXY',
  /** A PROXY v1 line that does not match the grammar exactly: fields, addresses, ports, CRLF (§2.1). */
  ProxyBadLine: 'PROXY_BAD_LINE',
  /** A PROXY header longer than allowed: no CRLF in 107 bytes (§2.1), or over the caller's limit. */
  ProxyTooLong: 'PROXY_TOO_LONG',
  /** A PROXY v2 version other than 2, or a command other than LOCAL or PROXY (§2.2). */
  ProxyBadVersion: 'PROXY_BAD_VERSION',
  /** A PROXY v2 address family above AF_UNIX or a transport above DGRAM (§2.2). */
  ProxyBadFamily: 'PROXY_BAD_FAMILY',
  /** A PROXY v2 length too short for the address block its family needs (§2.2). */
  ProxyBadLength: 'PROXY_BAD_LENGTH',
  /** A PROXY v2 TLV that runs past the end of the header (§2.2). */
  ProxyBadTlv: 'PROXY_BAD_TLV',
  /** Fewer bytes than the structure needs (header, declared length, attribute header). */
  StunTruncated: 'STUN_TRUNCATED',
  /** Not a STUN message: top two bits set, or no magic cookie (RFC 8489 §5, RFC 7983). */
  StunNotStun: 'STUN_NOT_STUN',
  /** Message length not a multiple of 4, or not matching the bytes present (RFC 8489 §5). */
  StunBadLength: 'STUN_BAD_LENGTH',
  /** An attribute TLV or value is malformed (RFC 8489 §14). */
  StunBadAttribute: 'STUN_BAD_ATTRIBUTE',
  /** An attribute follows FINGERPRINT, which must be last (RFC 8489 §14.7). */
  StunAttributeOrder: 'STUN_ATTRIBUTE_ORDER',
  /** A (XOR-)MAPPED-ADDRESS style value is malformed, or an address cannot be encoded. */
  StunBadAddress: 'STUN_BAD_ADDRESS',
  /** REQUESTED-ADDRESS-FAMILY style value names a family other than IPv4/IPv6 (RFC 8656 §18.6). */
  StunUnsupportedFamily: 'STUN_UNSUPPORTED_FAMILY',
  /** A text attribute is not valid UTF-8 (RFC 8489 §14.3, §14.8-§14.10, §14.14). */
  StunBadText: 'STUN_BAD_TEXT',
  /** A text attribute exceeds its RFC length limit. */
  StunTextTooLong: 'STUN_TEXT_TOO_LONG',
  /** ERROR-CODE class/number out of range (RFC 8489 §14.8). */
  StunBadErrorCode: 'STUN_BAD_ERROR_CODE',
  /** A peer relay frame shorter than its 4-byte session header (docs/peer-protocol.md). */
  PeerRelayTruncated: 'PEER_RELAY_TRUNCATED',
  /** An encoder or helper was given a value it cannot represent. */
  InvalidArgument: 'WIRE_INVALID_ARGUMENT',
} as const;

export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** An error with a stable code and, for decoders, the offset where decoding failed. */
export class WireError extends Error {
  override readonly name = 'WireError';
  readonly code: WireErrorCode;
  /** Byte offset into the decoder's input where the problem starts, when known. */
  readonly offset: number | undefined;
  /** The message without the offset suffix. */
  readonly detail: string;

  constructor(code: WireErrorCode, detail: string, offset?: number, options?: { cause?: unknown }) {
    super(offset === undefined ? detail : `${detail} (at byte ${offset})`, options);
    this.code = code;
    this.offset = offset;
    this.detail = detail;
  }
}

/** The outcome of a decoder: a value, or the reason it could not be produced. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Wraps a value as a successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed {@link Result}. */
export function fail<T = never>(code: WireErrorCode, message: string, offset?: number): Result<T> {
  return { ok: false, error: new WireError(code, message, offset) };
}

/**
 * Re-bases a failed result from a decoder that was given a slice starting at `delta`, so the
 * offset points into the caller's buffer. Successful results pass through.
 */
export function shiftOffset<T>(result: Result<T>, delta: number): Result<T> {
  if (result.ok) return result;
  const { code, detail, offset } = result.error;
  return offset === undefined ? result : { ok: false, error: new WireError(code, detail, offset + delta) };
}

/**
 * The STUN error code a server should answer with when a request fails to decode with `err`:
 * 440 (Address Family not Supported, RFC 8656 §7.2, §18.6) for an unknown requested family, and
 * 400 (Bad Request, RFC 8489 §6.3.1) for everything else.
 */
export function stunErrorCodeFor(err: WireError): number {
  return err.code === WireErrorCode.StunUnsupportedFamily ? 440 : 400;
}
