/**
 * KVS join tokens: HS256 JWTs that let one client join one KVS signaling channel in one role without
 * an access key (the QUIC carrier's JOIN, docs/quic-signaling.md). Minted by `peerlink token
 * --channel C --role R [--client-id ID]` (or an application's backend) with the server's auth secret.
 * The audience `peerlink-kvs` keeps them apart from peer tokens: a peer token has no such audience,
 * and a KVS token has no `sub`, so neither passes for the other.
 */
import { SignJWT, jwtVerify, errors } from 'jose';
import { CHANNEL_NAME } from '../protocols/kvs/arn.js';
import { KVS_ID } from '../protocols/kvs/frames.js';

export const KVS_TOKEN_AUDIENCE = 'peerlink-kvs';

export type KvsRole = 'master' | 'viewer';

export interface KvsTokenClaims {
  readonly channel: string;
  readonly role: KvsRole;
  /** The viewer's client id; '' for a master. */
  readonly clientId: string;
}

export interface MintKvsTokenOptions extends KvsTokenClaims {
  readonly secret: string;
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  /** Unix seconds; defaults to the current time. */
  readonly now?: number;
}

export type KvsTokenCheck = ({ ok: true } & KvsTokenClaims) | { ok: false; reason: string };

const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);

/** Why these claims cannot make a token (bad channel name, viewer without id), or undefined. */
export function kvsClaimsProblem(c: KvsTokenClaims): string | undefined {
  if (!CHANNEL_NAME.test(c.channel)) return 'the channel name must match [a-zA-Z0-9_.-]{1,256}';
  if (c.role !== 'master' && c.role !== 'viewer') return 'the role must be master or viewer';
  if (c.role === 'viewer' && !KVS_ID.test(c.clientId))
    return 'a viewer needs a client id matching [a-zA-Z0-9_.-]{1,256}';
  if (c.role === 'master' && c.clientId !== '') return 'a master token names no client id';
  return undefined;
}

export async function mintKvsToken(o: MintKvsTokenOptions): Promise<string> {
  const problem = kvsClaimsProblem(o);
  if (problem) throw new RangeError(problem);
  const iat = o.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({
    channel: o.channel,
    role: o.role,
    ...(o.role === 'viewer' ? { client_id: o.clientId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(KVS_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttlSeconds)
    .sign(key(o.secret));
}

/** Verifies signature (HS256 only), audience, expiry and the claims' shape. Never throws. */
export async function verifyKvsToken(
  secret: string,
  token: string,
  nowSeconds?: number,
): Promise<KvsTokenCheck> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      audience: KVS_TOKEN_AUDIENCE,
      requiredClaims: ['exp'],
      ...(nowSeconds !== undefined ? { currentDate: new Date(nowSeconds * 1000) } : {}),
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: 'token expired' };
    if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad signature' };
    if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: 'algorithm not allowed' };
    if (err instanceof errors.JWTClaimValidationFailed)
      return {
        ok: false,
        reason: err.claim === 'aud' ? `not a ${KVS_TOKEN_AUDIENCE} token` : `claim ${err.claim} invalid`,
      };
    return { ok: false, reason: 'malformed token' };
  }
  const { channel, role, client_id: clientId = '' } = payload;
  const claims = { channel, role, clientId } as KvsTokenClaims;
  if (typeof channel !== 'string' || typeof role !== 'string' || typeof clientId !== 'string')
    return { ok: false, reason: 'token lacks channel or role claims' };
  const problem = kvsClaimsProblem(claims);
  return problem ? { ok: false, reason: `token claims: ${problem}` } : { ok: true, ...claims };
}
