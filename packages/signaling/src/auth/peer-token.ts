/**
 * Peer tokens: HS256 JWTs whose `sub` is the peer id, minted by `peerlink token` (or the
 * application's backend) and checked by the server with `--auth-secret`. jose does the JWT work.
 */
import { SignJWT, jwtVerify, errors } from 'jose';

const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);

export interface MintOptions {
  readonly secret: string;
  readonly id: string;
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  /** Unix seconds; defaults to the current time. */
  readonly now?: number;
}

export async function mintPeerToken(opts: MintOptions): Promise<string> {
  const iat = opts.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + opts.ttlSeconds)
    .sign(key(opts.secret));
}

export type TokenCheck = { ok: true; sub: string } | { ok: false; reason: string };

/** Verifies signature (HS256 only), expiry and not-before. Never throws. */
export async function verifyPeerToken(
  secret: string,
  token: string,
  nowSeconds?: number,
): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      ...(nowSeconds !== undefined ? { currentDate: new Date(nowSeconds * 1000) } : {}),
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      return { ok: false, reason: 'no sub claim' };
    return { ok: true, sub: payload.sub };
  } catch (err) {
    return tokenFailure(err);
  }
}

/** Why jose refused a token, in a few stable words. */
export function tokenFailure(err: unknown): { ok: false; reason: string } {
  if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad signature' };
  if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: 'algorithm not allowed' };
  if (err instanceof errors.JWTClaimValidationFailed)
    return { ok: false, reason: `claim ${err.claim} invalid` };
  if (err instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: 'no JWKS key matches' };
  if (err instanceof errors.JOSEError && err.code === 'ERR_JWKS_TIMEOUT')
    return { ok: false, reason: 'JWKS timeout' };
  return { ok: false, reason: 'malformed token' };
}
