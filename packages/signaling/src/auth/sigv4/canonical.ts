/**
 * The SigV4 canonical request, string to sign and signature (AWS General Reference, "Signature
 * Version 4 signing process": create a canonical request, create a string to sign, calculate the
 * signature). Pure functions over strings; the only I/O is node:crypto's hashes.
 *
 * Written here rather than taken from @smithy/signature-v4: its signer cannot replay a client's
 * request (it drops a `date` header, injects its own x-amz-date, rebuilds the presign parameters
 * from its own options), and the helpers that would do the job (getCanonicalHeaders,
 * getCanonicalQuery) are marked @internal. The tests sign with @smithy/signature-v4 and replay
 * AWS's test suite, so two independent implementations are held to the same bytes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SCOPE_TERMINATOR = 'aws4_request';
/** SHA-256 of the empty string: the payload hash of a GET, and of every KVS presigned URL. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The parts of a request that the canonical request covers, as the verifier has resolved them. */
export interface CanonicalInput {
  readonly method: string;
  /** The path as on the wire (percent-encoded, no query). */
  readonly path: string;
  /** Decoded query parameters; the caller leaves out X-Amz-Signature for a presigned URL. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Signed header names, lower-case and sorted, each with the value the request carried. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Hex SHA-256 of the body, or the literal x-amz-content-sha256 value the client signed with. */
  readonly payloadHash: string;
}

const UNRESERVED_EXTRA = /[!'()*]/g;

/**
 * RFC 3986 percent-encoding of the UTF-8 bytes of `text`, leaving only A-Z a-z 0-9 - _ . ~ as
 * they are (SigV4's UriEncode). Undefined for a string with a lone surrogate (no UTF-8 form).
 */
export function uriEncode(text: string): string | undefined {
  try {
    return encodeURIComponent(text).replace(
      UNRESERVED_EXTRA,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  } catch {
    return undefined;
  }
}

/**
 * The canonical URI of every service but S3: dot segments resolved, empty segments dropped, each
 * segment URI-encoded once more. The wire path is already encoded, so this is AWS's "encode twice".
 */
export function canonicalPath(path: string): string | undefined {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const encoded: string[] = [];
  for (const segment of segments) {
    const e = uriEncode(segment);
    if (e === undefined) return undefined;
    encoded.push(e);
  }
  const trailing = encoded.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${encoded.join('/')}${trailing}`;
}

/** Encoded name=value pairs sorted by name, then value (byte order: both are ASCII once encoded). */
export function canonicalQuery(query: ReadonlyArray<readonly [string, string]>): string | undefined {
  const pairs: [string, string][] = [];
  for (const [name, value] of query) {
    const n = uriEncode(name);
    const v = uriEncode(value);
    if (n === undefined || v === undefined) return undefined;
    pairs.push([n, v]);
  }
  pairs.sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** A header value as SigV4 signs it: outer spaces trimmed, inner runs of spaces and tabs folded. */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

export function canonicalRequest(input: CanonicalInput): string | undefined {
  const path = canonicalPath(input.path);
  const query = canonicalQuery(input.query);
  if (path === undefined || query === undefined) return undefined;
  const headers = input.headers.map(([name, value]) => `${name}:${canonicalHeaderValue(value)}\n`).join('');
  const signed = input.headers.map(([name]) => name).join(';');
  return [input.method, path, query, headers, signed, input.payloadHash].join('\n');
}

/** `AKID/20150830/us-east-1/service/aws4_request` without the key id. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SCOPE_TERMINATOR}`;
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** Hex HMAC-SHA256 of the string to sign under the key derived from the secret and the scope. */
export function signature(
  secret: string,
  date: string,
  region: string,
  service: string,
  sts: string,
): string {
  let key: Buffer = Buffer.from(`AWS4${secret}`, 'utf8');
  for (const part of [date, region, service, SCOPE_TERMINATOR]) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  return createHmac('sha256', key).update(sts, 'utf8').digest('hex');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Constant-time comparison of two lower-case hex SHA-256 strings; false for any other shape. */
export function sameSignature(expected: string, given: string): boolean {
  if (!HEX64.test(expected) || !HEX64.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
