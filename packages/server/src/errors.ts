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
  | 'STORE_UNAVAILABLE'
  /** No key-encryption key where one is needed (access-keys/kek.ts). */
  | 'KEK_MISSING'
  /** The key-encryption key is not the one the stored access keys were sealed with. */
  | 'KEK_MISMATCH'
  /** The key-encryption key file is not 32 bytes of base64. */
  | 'KEK_UNREADABLE'
  /** A stored secret does not decrypt: tampered with, or sealed under another key. */
  | 'SECRET_UNREADABLE'
  | 'ACCESS_KEY_NOT_FOUND';

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
  }
}
