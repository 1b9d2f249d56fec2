/** Typed errors of the SDK, each with a stable code (the CLI prints `code` in its error event). */
export type ClientErrorCode =
  | 'CLIENT_SERVER_UNREACHABLE'
  | 'CLIENT_REGISTER_FAILED'
  | 'CLIENT_PEER_OFFLINE'
  | 'CLIENT_REJECTED'
  | 'CLIENT_TIMEOUT'
  | 'CLIENT_CLOSED'
  | 'CLIENT_PROTOCOL'
  /** The server's certificate was not trusted (QUIC: `ca`, the system roots, the host name). */
  | 'CLIENT_TLS'
  | 'CLIENT_TRANSPORT';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
