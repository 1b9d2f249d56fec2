/**
 * The refusals, with the codes and message texts AWS's JSON services (KVS among them) return, so
 * that SDK logic keyed on them still works against peerlink:
 * - the AWS SDK v3 treats `InvalidSignatureException` and `RequestExpired` as clock-skew errors
 *   (@smithy's CLOCK_SKEW_ERROR_CODES) and retries with a corrected clock;
 * - the KVS C SDK looks for "Signature expired" and "Signature not yet current" in the body of a
 *   403 to correct its clock (LwsApiCalls.c, isCallResultSignatureExpired).
 * AWS reports a stale header-signed request as InvalidSignatureException with a "Signature
 * expired: ..." message, not with a code of its own, so `SignatureExpired` is never returned.
 */
import type { SigV4Failure, SigV4Result } from '../sigv4-types.js';

/** The HTTP status AWS pairs with each code (API Reference, "Common Errors"). */
export const SIGV4_HTTP_STATUS: Readonly<Record<SigV4Failure, number>> = {
  MissingAuthenticationToken: 403,
  IncompleteSignature: 403,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  SignatureExpired: 403,
  RequestExpired: 400,
};

export type Failure = Extract<SigV4Result, { ok: false }>;

export const fail = (code: SigV4Failure, message: string): Failure => ({ ok: false, code, message });

/** Echoes a client-supplied string in a message, cut short so a hostile header cannot bloat it. */
export const echo = (s: string): string => (s.length > 128 ? `${s.slice(0, 128)}...` : s);

export const missingAuth = (): Failure => fail('MissingAuthenticationToken', 'Missing Authentication Token');

export const mismatch = (): Failure =>
  fail(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS ' +
      'Secret Access Key and signing method. Consult the service documentation for details.',
  );

export const unknownKey = (): Failure =>
  fail('UnrecognizedClientException', 'The security token included in the request is invalid.');

/** `amzDate` is older than now - skew. Times are ISO 8601 basic (20150830T123600Z). */
export const signatureExpired = (amzDate: string, now: number, skewMs: number): Failure =>
  fail(
    'InvalidSignatureException',
    `Signature expired: ${amzDate} is now earlier than ${isoBasic(now - skewMs)} ` +
      `(${isoBasic(now)} - ${skewText(skewMs)})`,
  );

/** `amzDate` is later than now + skew. */
export const signatureNotYetCurrent = (amzDate: string, now: number, skewMs: number): Failure =>
  fail(
    'InvalidSignatureException',
    `Signature not yet current: ${amzDate} is still later than ${isoBasic(now + skewMs)} ` +
      `(${isoBasic(now)} + ${skewText(skewMs)})`,
  );

/** A presigned URL used after X-Amz-Date + X-Amz-Expires. */
export const requestExpired = (expiresAt: number, now: number): Failure =>
  fail('RequestExpired', `Request has expired: ${isoBasic(expiresAt)} is earlier than ${isoBasic(now)}`);

export const incomplete = (message: string): Failure => fail('IncompleteSignature', message);

export const invalid = (message: string): Failure => fail('InvalidSignatureException', message);

/** Milliseconds since the epoch as 20150830T123600Z (whole seconds, UTC). */
export function isoBasic(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return 'invalid-date';
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function skewText(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min.` : `${ms / 1000} sec.`;
}
