/**
 * AWS Signature Version 4 verification for the KVS-compatible endpoints: the Authorization-header
 * form (control plane, GetIceServerConfig) and the presigned-URL form (the signaling WebSocket,
 * which the KVS JS and C SDKs presign with `host` as the only signed header and the SHA-256 of an
 * empty payload). Verification is signing: rebuild the canonical request from what the client
 * says it signed, sign it with the access key's secret, compare in constant time.
 *
 * @example
 * ```ts
 * const verifier = createSigV4Verifier({ secretOf: async (akid) => keys.get(akid) });
 * const result = await verifier.verifyPresigned(
 *   { method: 'GET', path: '/', query, headers: { host: 'kvs.example.com' }, body: new Uint8Array() },
 *   Date.now(),
 * );
 * if (!result.ok) reply(SIGV4_HTTP_STATUS[result.code], { message: result.message }, result.code);
 * ```
 */
import type { SignedRequest, SigV4Result, SigV4Verifier } from '../sigv4-types.js';
import { ALGORITHM, canonicalRequest, credentialScope, sameSignature } from './canonical.js';
import { sha256Hex, signature, stringToSign } from './canonical.js';
import { echo, incomplete, invalid, isoBasic, missingAuth, mismatch, requestExpired } from './failures.js';
import { signatureExpired, signatureNotYetCurrent, unknownKey, type Failure } from './failures.js';
import { isFailure, parseAmzDate, parseAuthorization, parseCredential, parseHttpDate } from './parse.js';
import { parseSignedHeaders, type Credential } from './parse.js';

export interface SigV4VerifierOptions {
  /** The secret of an access key, or undefined when the key is unknown. A rejection propagates. */
  readonly secretOf: (accessKeyId: string) => Promise<string | undefined>;
  /** The service the credential scope must name. Default `kinesisvideo`. */
  readonly service?: string;
  /** Regions the credential scope may name. Default: any well-formed region (a self-hosted KVS). */
  readonly regions?: readonly string[];
  /** How far the request date may be from `now`, either way. Default 5 minutes. */
  readonly maxSkewMs?: number;
  /**
   * Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD`. Default false: AWS documents it for S3, not
   * for KVS's JSON API, and the KVS SDKs never send it.
   */
  readonly allowUnsignedPayload?: boolean;
  /** Longest Authorization header or X-Amz-* query value looked at. Default 8 KiB. */
  readonly maxFieldBytes?: number;
}

/** AWS's ceiling for X-Amz-Expires: seven days. */
export const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 3600;

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const Q = {
  algorithm: 'X-Amz-Algorithm',
  credential: 'X-Amz-Credential',
  date: 'X-Amz-Date',
  expires: 'X-Amz-Expires',
  signedHeaders: 'X-Amz-SignedHeaders',
  signature: 'X-Amz-Signature',
} as const;

export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  const cfg = {
    secretOf: options.secretOf,
    service: options.service ?? 'kinesisvideo',
    regions: options.regions ? new Set(options.regions) : undefined,
    maxSkewMs: options.maxSkewMs ?? 5 * 60_000,
    allowUnsignedPayload: options.allowUnsignedPayload ?? false,
    maxFieldBytes: options.maxFieldBytes ?? 8192,
  };
  return {
    verifyRequest: (req, now) => verifyRequest(cfg, req, now),
    verifyPresigned: (req, now) => verifyPresigned(cfg, req, now),
  };
}

type Config = {
  readonly secretOf: SigV4VerifierOptions['secretOf'];
  readonly service: string;
  readonly regions: ReadonlySet<string> | undefined;
  readonly maxSkewMs: number;
  readonly allowUnsignedPayload: boolean;
  readonly maxFieldBytes: number;
};

/** What both forms resolve before the secret is needed. */
interface Claim {
  readonly credential: Credential;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly payloadHash: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
}

async function verifyRequest(cfg: Config, req: SignedRequest, now: number): Promise<SigV4Result> {
  const claim = claimFromHeader(cfg, req, now);
  return isFailure(claim) ? claim : check(cfg, req, claim);
}

async function verifyPresigned(cfg: Config, req: SignedRequest, now: number): Promise<SigV4Result> {
  const claim = claimFromQuery(cfg, req, now);
  return isFailure(claim) ? claim : check(cfg, req, claim);
}

function claimFromHeader(cfg: Config, req: SignedRequest, now: number): Claim | Failure {
  const authorization = field(req.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') return missingAuth();
  if (authorization.length > cfg.maxFieldBytes) return incomplete('Authorization header is too long.');
  const auth = parseAuthorization(authorization);
  if (isFailure(auth)) return auth;
  const signedHeaders = parseSignedHeaders(auth.signedHeaders);
  if (isFailure(signedHeaders)) return signedHeaders;

  // x-amz-date wins over date, as in AWS's signers; either way the string to sign gets ISO basic.
  const amz = field(req.headers, 'x-amz-date');
  const http = field(req.headers, 'date');
  if (amz === undefined && http === undefined) {
    return incomplete(
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${echo(authorization)}`,
    );
  }
  const time = amz !== undefined ? parseAmzDate(amz) : parseHttpDate(http ?? '');
  if (time === undefined) {
    return incomplete(`Date must be in ISO-8601 'basic format'. Got '${echo(amz ?? http ?? '')}'.`);
  }
  const amzDate = amz ?? isoBasic(time);
  const credential = scopedCredential(cfg, auth.credential, amzDate);
  if (isFailure(credential)) return credential;
  const skew = skewFailure(cfg, amzDate, time, now);
  if (skew) return skew;

  const payloadHash = payloadHashOf(cfg, req);
  if (isFailure(payloadHash)) return payloadHash;
  return {
    credential,
    amzDate,
    signedHeaders,
    signature: auth.signature,
    payloadHash: payloadHash.hash,
    query: queryPairs(req.query),
  };
}

function claimFromQuery(cfg: Config, req: SignedRequest, now: number): Claim | Failure {
  const q = (name: string) => field(req.query, name);
  const present = Object.values(Q).filter((name) => q(name) !== undefined);
  if (present.length === 0) return missingAuth();
  for (const name of [Q.algorithm, Q.credential, Q.date, Q.signedHeaders, Q.signature]) {
    const value = q(name);
    if (value === undefined || value === '') {
      return incomplete(
        `AWS query-string parameters must include '${name}'. Re-examine the query-string parameters.`,
      );
    }
    if (value.length > cfg.maxFieldBytes) return incomplete(`${name} is too long.`);
  }
  if (q(Q.algorithm) !== ALGORITHM) return incomplete(`X-Amz-Algorithm only supports "${ALGORITHM}".`);
  const amzDate = q(Q.date) ?? '';
  const time = parseAmzDate(amzDate);
  if (time === undefined)
    return incomplete(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'".`);
  const credential = scopedCredential(cfg, q(Q.credential) ?? '', amzDate);
  if (isFailure(credential)) return credential;
  const signedHeaders = parseSignedHeaders(q(Q.signedHeaders) ?? '');
  if (isFailure(signedHeaders)) return signedHeaders;

  const expires = q(Q.expires);
  if (expires !== undefined) {
    if (!/^\d{1,7}$/.test(expires)) return incomplete('X-Amz-Expires should be a number.');
    const seconds = Number(expires);
    if (seconds > MAX_PRESIGNED_EXPIRES_S) {
      return incomplete(
        `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_S}.`,
      );
    }
    if (time - now > cfg.maxSkewMs) return signatureNotYetCurrent(amzDate, now, cfg.maxSkewMs);
    if (now > time + seconds * 1000) return requestExpired(time + seconds * 1000, now);
  } else {
    const skew = skewFailure(cfg, amzDate, time, now);
    if (skew) return skew;
  }
  return {
    credential,
    amzDate,
    signedHeaders,
    signature: q(Q.signature) ?? '',
    payloadHash: sha256Hex(req.body),
    query: queryPairs(req.query).filter(([name]) => name !== Q.signature),
  };
}

/** The secret, the headers the client signed, the signature: the part that needs the key. */
async function check(cfg: Config, req: SignedRequest, claim: Claim): Promise<SigV4Result> {
  const { accessKeyId, date, region, service } = claim.credential;
  const secret = await cfg.secretOf(accessKeyId);
  if (secret === undefined) return unknownKey();
  const headers: [string, string][] = [];
  for (const name of claim.signedHeaders) {
    const value = field(req.headers, name);
    if (value === undefined) return mismatch();
    headers.push([name, value]);
  }
  const canonical = canonicalRequest({
    method: req.method,
    path: req.path,
    query: claim.query,
    headers,
    payloadHash: claim.payloadHash,
  });
  if (canonical === undefined) return mismatch();
  const scope = credentialScope(date, region, service);
  const expected = signature(secret, date, region, service, stringToSign(claim.amzDate, scope, canonical));
  return sameSignature(expected, claim.signature) ? { ok: true, accessKeyId, region, service } : mismatch();
}

function scopedCredential(cfg: Config, value: string, amzDate: string): Credential | Failure {
  const credential = parseCredential(value, cfg.service, cfg.regions);
  if (isFailure(credential)) return credential;
  const day = amzDate.slice(0, 8);
  if (credential.date !== day) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${credential.date}' != '${day}', from '${amzDate}'.`,
    );
  }
  return credential;
}

function skewFailure(cfg: Config, amzDate: string, time: number, now: number): Failure | undefined {
  if (now - time > cfg.maxSkewMs) return signatureExpired(amzDate, now, cfg.maxSkewMs);
  if (time - now > cfg.maxSkewMs) return signatureNotYetCurrent(amzDate, now, cfg.maxSkewMs);
  return undefined;
}

/** x-amz-content-sha256, when sent, must be the body's hash (or UNSIGNED-PAYLOAD where allowed). */
function payloadHashOf(cfg: Config, req: SignedRequest): { hash: string } | Failure {
  const bodyHash = sha256Hex(req.body);
  const claimed = field(req.headers, 'x-amz-content-sha256');
  if (claimed === undefined) return { hash: bodyHash };
  if (claimed === UNSIGNED_PAYLOAD && cfg.allowUnsignedPayload) return { hash: claimed };
  if (claimed.toLowerCase() !== bodyHash) {
    return invalid(`The provided 'x-amz-content-sha256' header does not match what was computed.`);
  }
  return { hash: claimed };
}

/** An own string property: a hostile name such as `constructor` or `__proto__` finds nothing. */
function field(record: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(record, name)) return undefined;
  const value = record[name];
  return typeof value === 'string' ? value : undefined;
}

function queryPairs(query: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string');
}
