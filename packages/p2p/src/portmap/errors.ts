/**
 * Typed errors of port mapping, each with a stable `code`. Codecs return them inside a
 * {@link PortMapResult} (they never throw on hostile bytes); the client rejects with them.
 */
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

/** The outcome of a decoder: a value, or why there is none. */
export type PortMapResult<T> = { ok: true; value: T } | { ok: false; error: PortMapError };

export const okResult = <T>(value: T): PortMapResult<T> => ({ ok: true, value });

export const failResult = <T = never>(
  code: PortMapErrorCode,
  message: string,
  resultCode?: number,
): PortMapResult<T> => ({ ok: false, error: new PortMapError(code, message, resultCode) });
