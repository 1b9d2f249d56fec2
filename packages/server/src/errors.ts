/**
 * Typed errors of the server package. Each carries a stable `code` that operators and tests can match
 * on; the CLI prints `message` as a one-line reason and exits non-zero.
 */
export type ServerErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNKNOWN_OPTION'
  | 'CONFIG_NOT_IMPLEMENTED'
  | 'CONFIG_FILE_UNREADABLE'
  | 'LISTEN_FAILED'
  | 'DATA_DIR_UNUSABLE'
  | 'STORE_UNAVAILABLE';

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
  }
}
