/**
 * IM user tokens: JWTs from the IM app's own auth, whose `sub` is the user id. HS256 with a shared
 * secret (`--jwt-secret`), or RS256/ES256 with the keys at a JWKS URL (`--jwks-url`, fetched and
 * cached by jose, refreshed when a token names an unknown `kid`); with both, the token's `alg` picks.
 * `exp` is required: a token that never expires is refused. jose does the JWT work.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { tokenFailure, type TokenCheck } from './peer-token.js';

export interface ImTokenOptions {
  readonly secret?: string | undefined;
  readonly jwksUrl?: string | undefined;
  /** Accepted clock difference in seconds (default 30). */
  readonly clockToleranceSeconds?: number;
}

export type ImTokenVerifier = (token: string, nowSeconds?: number) => Promise<TokenCheck>;

export function createImTokenVerifier(o: ImTokenOptions): ImTokenVerifier {
  if (o.secret === undefined && o.jwksUrl === undefined)
    throw new TypeError('an IM token verifier needs a secret or a JWKS URL');
  const secret = o.secret === undefined ? undefined : new TextEncoder().encode(o.secret);
  const jwks: JWTVerifyGetKey | undefined =
    o.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(o.jwksUrl));
  return async (token, nowSeconds) => {
    try {
      const alg = decodeProtectedHeader(token).alg;
      const opts = {
        requiredClaims: ['sub', 'exp'],
        clockTolerance: o.clockToleranceSeconds ?? 30,
        ...(nowSeconds !== undefined && { currentDate: new Date(nowSeconds * 1000) }),
      };
      const { payload } =
        alg === 'HS256' && secret
          ? await jwtVerify(token, secret, { ...opts, algorithms: ['HS256'] })
          : jwks
            ? await jwtVerify(token, jwks, { ...opts, algorithms: ['RS256', 'ES256'] })
            : await jwtVerify(token, secret as Uint8Array, { ...opts, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0)
        return { ok: false, reason: 'no sub claim' };
      return { ok: true, sub: payload.sub };
    } catch (err) {
      return tokenFailure(err);
    }
  };
}
