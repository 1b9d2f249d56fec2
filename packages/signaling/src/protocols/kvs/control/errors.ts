/**
 * The errors of the KVS control plane and of GetIceServerConfig, as AWS names them (the `x-amzn-ErrorType`
 * a restJson1 client reads) with the HTTP status AWS documents for each. A handler never throws for a
 * caller's mistake: it returns `{ ok: false, error }`, and the HTTP layer writes AWS's error shape.
 */
import type { SigV4Failure } from '../../../auth/sigv4-types.js';
import { StoreError } from '../../../store/records.js';

export const KVS_ERROR_STATUS = {
  AccessDeniedException: 401,
  AccountChannelLimitExceededException: 400,
  ClientLimitExceededException: 400,
  InvalidArgumentException: 400,
  InvalidClientException: 400,
  NotAuthorizedException: 401,
  ResourceInUseException: 400,
  ResourceNotFoundException: 404,
  SessionExpiredException: 400,
  TagsPerResourceExceededLimitException: 400,
  VersionMismatchException: 400,
  /** The body is not a JSON object (the SDKs never send that). */
  SerializationException: 400,
  // Authentication (AWS's common errors): every one is a 403.
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  /** The store did not answer: retryable, as the SDKs treat a 503. */
  ServiceUnavailable: 503,
  /** A record this node cannot read (written by a newer version): not the caller's fault. */
  InternalFailure: 500,
} as const;

export type KvsErrorType = keyof typeof KVS_ERROR_STATUS;

export interface KvsControlError {
  readonly type: KvsErrorType;
  readonly status: number;
  readonly message: string;
}

export type KvsResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: KvsControlError };

export function kvsError(type: KvsErrorType, message: string): { ok: false; error: KvsControlError } {
  return { ok: false, error: { type, status: KVS_ERROR_STATUS[type], message } };
}

export function kvsOk<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A SigV4 verifier's refusal as AWS answers it: 403 and the exception the SDKs know. */
export function sigV4Error(code: SigV4Failure, message: string): KvsControlError {
  const type: KvsErrorType =
    code === 'MissingAuthenticationToken'
      ? 'MissingAuthenticationTokenException'
      : code === 'IncompleteSignature'
        ? 'IncompleteSignatureException'
        : code === 'UnrecognizedClientException'
          ? 'UnrecognizedClientException'
          : 'InvalidSignatureException'; // InvalidSignatureException, SignatureExpired, RequestExpired
  // The C SDK corrects its clock when a 403's body says "Signature expired" or "Signature not yet current".
  const text =
    code === 'SignatureExpired' && !/Signature (expired|not yet current)/.test(message)
      ? `Signature expired: ${message}`
      : message;
  return { type, status: KVS_ERROR_STATUS[type], message: text };
}

/** Runs a handler; a store that fails answers AWS's 503 (the SDKs retry it) or 500, never a throw. */
export async function guardStore<T>(run: () => Promise<KvsResult<T>>): Promise<KvsResult<T>> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    return err.code === 'STORE_UNAVAILABLE'
      ? kvsError('ServiceUnavailable', 'the channel store is not answering; try again')
      : kvsError('InternalFailure', err.message);
  }
}
