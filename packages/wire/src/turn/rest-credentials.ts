/**
 * TURN REST API credentials, as coturn and draft-uberti-behave-turn-rest-00 §2.2 define them: the
 * username is `<expiry-unix-seconds>:<user>` (or just the expiry), the password is
 * `base64(HMAC-SHA1(secret, username))`. The TURN server recomputes the password from a shared
 * secret, so the service that hands out credentials never talks to it.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { utf8Encode } from '../bytes.js';
import { WireError, WireErrorCode } from '../errors.js';

export interface TurnRestCredentials {
  readonly username: string;
  readonly password: string;
  /** Unix seconds after which the server refuses the username. */
  readonly expiresAt: number;
}

/** base64 without Buffer, so the module stays browser-safe. */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The password for `username` under `secret`. */
export function turnRestPassword(secret: string, username: string): string {
  return base64(hmac(sha1, utf8Encode(secret), utf8Encode(username)));
}

/** Makes a username/password pair valid for `ttlSeconds` from `nowSeconds`. */
export function makeTurnRestCredentials(
  secret: string,
  user: string,
  ttlSeconds: number,
  nowSeconds: number,
): TurnRestCredentials {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new WireError(WireErrorCode.InvalidArgument, `ttl ${ttlSeconds} is not a positive whole number`);
  }
  if (user.includes(':')) {
    throw new WireError(WireErrorCode.InvalidArgument, 'the user part may not contain ":"');
  }
  const expiresAt = Math.floor(nowSeconds) + ttlSeconds;
  const username = user.length > 0 ? `${expiresAt}:${user}` : String(expiresAt);
  return { username, password: turnRestPassword(secret, username), expiresAt };
}

/** The expiry of a REST username, or undefined when it does not start with decimal seconds. */
export function turnRestExpiry(username: string): number | undefined {
  const head = username.split(':', 1)[0] ?? '';
  return /^[0-9]{1,12}$/.test(head) ? Number(head) : undefined;
}
