/**
 * The contract of AWS Signature Version 4 verification (auth/sigv4/ implements it): what a KVS
 * request or presigned WebSocket URL must prove, and what the verifier answers. Error codes follow
 * AWS's so a refusal can be returned in AWS's JSON shape.
 */

/** A request as it arrived: method, path, query (decoded), headers (lower-case names), body bytes. */
export interface SignedRequest {
  readonly method: string;
  /** As on the wire: still percent-encoded, without the query (SigV4 encodes it once more). */
  readonly path: string;
  /** Decoded names and values. A repeated name cannot be carried, so it cannot be verified. */
  readonly query: Readonly<Record<string, string>>;
  /**
   * A header sent several times is one value joined with ',' (no space), as SigV4 signs it; build
   * it from Node's `req.headersDistinct`, not `req.headers` (which joins with ', ').
   */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

/**
 * AWS's codes. A header-signed request outside the clock-skew window is refused as AWS does, with
 * `InvalidSignatureException` and a "Signature expired: ..." or "Signature not yet current: ..."
 * message (what the AWS SDK and the KVS C SDK key their clock correction on); `SignatureExpired`
 * is kept for compatibility and not returned. A presigned URL past X-Amz-Expires is `RequestExpired`.
 */
export type SigV4Failure =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'SignatureExpired'
  | 'RequestExpired';

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string; readonly region: string; readonly service: string }
  | { readonly ok: false; readonly code: SigV4Failure; readonly message: string };

export interface SigV4Verifier {
  /** Checks an Authorization-header signed request (the control plane, GetIceServerConfig). */
  verifyRequest(req: SignedRequest, now: number): Promise<SigV4Result>;
  /** Checks a presigned URL (X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature). */
  verifyPresigned(req: SignedRequest, now: number): Promise<SigV4Result>;
}
