/**
 * The contract of AWS Signature Version 4 verification (auth/sigv4/ implements it): what a KVS
 * request or presigned WebSocket URL must prove, and what the verifier answers. Error codes follow
 * AWS's so a refusal can be returned in AWS's JSON shape.
 */

/** A request as it arrived: method, path, query (decoded), headers (lower-case names), body bytes. */
export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

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
