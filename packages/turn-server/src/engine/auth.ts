/**
 * Long-term credential checks for TURN requests (RFC 8489 §9.2, RFC 8656 §5): static users, and the
 * TURN REST API usernames `<expiry>:<user>` whose password is HMAC-SHA1(secret, username), with
 * several secrets accepted at once so an operator can rotate them.
 *
 * Nonces are stateless: `<expiry seconds, hex><HMAC(server key, expiry | client IP), 16 hex>`. The
 * server remembers nothing per nonce; an expired or forged one gets 438 Stale Nonce and a fresh one.
 * 401s are rate-limited per source IP with a token bucket, so the server cannot be used to make
 * cheap unauthenticated replies at high rate.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import {
  StunAttr,
  decodeText,
  findAttribute,
  longTermKey,
  turnRestExpiry,
  turnRestPassword,
  verifyMessageIntegrity,
  type StunMessage,
} from '@peerlink/wire';
import { toHex as hex } from './respond.js';

export interface AuthOptions {
  readonly realm: string;
  /** Static users: name -> password (--turn-user U:P). */
  readonly users?: ReadonlyMap<string, string>;
  /** TURN REST shared secrets; any of them may have signed a username (--turn-secret, rotation). */
  readonly secrets?: readonly string[];
  /** Key for nonce MACs; random per process unless a test pins it. */
  readonly nonceKey: Uint8Array;
  /** How long a nonce stays valid. Default 600 s, as coturn. */
  readonly nonceLifetimeMs?: number;
  /** 401 answers allowed per source IP: burst and refill rate. Default 400 and 100/s. */
  readonly unauthorizedBurst?: number;
  readonly unauthorizedPerSecond?: number;
}

export type AuthFailure =
  | 'no-credentials'
  | 'bad-request'
  | 'stale-nonce'
  | 'unknown-user'
  | 'expired'
  | 'bad-integrity'
  | 'wrong-realm';

export type AuthResult =
  | { readonly ok: true; readonly username: string; readonly key: Uint8Array }
  | { readonly ok: false; readonly code: 400 | 401 | 438; readonly why: AuthFailure };

const MAX_BUCKETS = 10_000;

/**
 * Every Allocate starts with a 401, and many clients share one address behind a NAT (or, in a load
 * test, 127.0.0.1): `turnutils_uclient -m 100` opens 200 allocations at once. The old budget (50,
 * then 10/s) dropped most of those 401s, and the clients' retransmissions (0.5, 1, 2, 4 s) made
 * connecting 2.5x slower than coturn, which has no such limit. A 401 is about the size of the
 * request, so the bucket only has to bound reflection from spoofed sources: 100/s does.
 */
export const DEFAULT_UNAUTHORIZED_BURST = 400;
export const DEFAULT_UNAUTHORIZED_PER_SECOND = 100;

export class Authenticator {
  readonly realm: string;
  readonly #opts: AuthOptions;
  readonly #staticKeys = new Map<string, Uint8Array>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  #secrets: readonly string[];

  constructor(opts: AuthOptions) {
    this.realm = opts.realm;
    this.#opts = opts;
    this.#secrets = opts.secrets ?? [];
    for (const [user, password] of opts.users ?? []) {
      this.#staticKeys.set(user, longTermKey(user, opts.realm, password));
    }
  }

  /** Replaces the TURN REST secrets (a reload rotating them); allocations already made keep their key. */
  setSecrets(secrets: readonly string[]): void {
    this.#secrets = [...secrets];
  }

  /** A nonce for a client at `ip`, valid for the configured lifetime. */
  nonce(ip: string, now: number): string {
    const expiry = Math.floor((now + (this.#opts.nonceLifetimeMs ?? 600_000)) / 1000).toString(16);
    return expiry + this.#mac(expiry, ip);
  }

  #mac(expiry: string, ip: string): string {
    return hex(hmac(sha1, this.#opts.nonceKey, new TextEncoder().encode(`${expiry}|${ip}`))).slice(0, 16);
  }

  #nonceValid(nonce: string, ip: string, now: number): boolean {
    const m = /^([0-9a-f]{1,12})([0-9a-f]{16})$/.exec(nonce);
    if (m === null) return false;
    const [, expiry = '', mac = ''] = m;
    return mac === this.#mac(expiry, ip) && parseInt(expiry, 16) * 1000 > now;
  }

  /** Checks a request's USERNAME, REALM, NONCE and MESSAGE-INTEGRITY (RFC 8489 §9.2.4). */
  check(raw: Uint8Array, msg: StunMessage, ip: string, now: number): AuthResult {
    if (findAttribute(msg, StunAttr.MessageIntegrity) === undefined) {
      return { ok: false, code: 401, why: 'no-credentials' };
    }
    const text = (type: number): string | undefined => {
      const a = findAttribute(msg, type);
      if (a === undefined) return undefined;
      const t = decodeText(a.value, type);
      return t.ok ? t.value : undefined;
    };
    const username = text(StunAttr.Username);
    const realm = text(StunAttr.Realm);
    const nonce = text(StunAttr.Nonce);
    if (username === undefined || realm === undefined || nonce === undefined) {
      return { ok: false, code: 400, why: 'bad-request' };
    }
    if (!this.#nonceValid(nonce, ip, now)) return { ok: false, code: 438, why: 'stale-nonce' };
    if (realm !== this.realm) return { ok: false, code: 401, why: 'wrong-realm' };
    const candidates = this.#keysFor(username, now);
    if (candidates === 'expired') return { ok: false, code: 401, why: 'expired' };
    if (candidates.length === 0) return { ok: false, code: 401, why: 'unknown-user' };
    for (const key of candidates) {
      if (verifyMessageIntegrity(raw, key)) return { ok: true, username, key };
    }
    return { ok: false, code: 401, why: 'bad-integrity' };
  }

  #keysFor(username: string, now: number): Uint8Array[] | 'expired' {
    const fixed = this.#staticKeys.get(username);
    if (fixed !== undefined) return [fixed];
    const secrets = this.#secrets;
    const expiry = turnRestExpiry(username);
    if (secrets.length === 0 || expiry === undefined) return [];
    if (expiry * 1000 <= now) return 'expired';
    return secrets.map((s) => longTermKey(username, this.realm, turnRestPassword(s, username)));
  }

  /** Spends one 401 token for `ip`; false means answer nothing (the source is over its rate). */
  allowUnauthorized(ip: string, now: number): boolean {
    const burst = this.#opts.unauthorizedBurst ?? DEFAULT_UNAUTHORIZED_BURST;
    const rate = this.#opts.unauthorizedPerSecond ?? DEFAULT_UNAUTHORIZED_PER_SECOND;
    let b = this.#buckets.get(ip);
    if (b === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      b = { tokens: burst, at: now };
      this.#buckets.set(ip, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
