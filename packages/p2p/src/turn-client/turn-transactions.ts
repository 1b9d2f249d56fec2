/**
 * The TURN client's requests in flight, sans-IO: retransmission on the RFC 8489 §6.2.1 timer, the
 * long-term credential mechanism (§9.2: the first request goes out bare, a 401 brings REALM and
 * NONCE, the retry carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; a 438 brings a fresh
 * nonce), and the integrity check on answers (§9.2.5). Each retry is a new transaction (§9.2.4).
 */
import {
  StunAttr,
  StunClass,
  StunErrorCode,
  decodeErrorCode,
  decodeText,
  encodeStunMessage,
  encodeText,
  findAttribute,
  longTermKey,
  newTransactionId,
  verifyMessageIntegrity,
  type StunMessage,
} from '@peerlink/wire';
import type { TransactionTiming } from '../nat/stun-transaction.js';
import { TurnClientErrorCode } from './turn-client-errors.js';
import type { RequestBody } from './turn-messages.js';

/** RFC 8489 §6.2.1 defaults: RTO 500 ms, Rc 7 sends, then Rm 16 x RTO: 39.5 s before giving up. */
export const TURN_TIMING: TransactionTiming = { rtoMs: 500, tries: 7, lastWaitMs: 8000 };

/** How many 438 Stale Nonce answers in a row one request may get before it counts as an error. */
const STALE_NONCE_RETRIES = 3;

export interface RequestSpec<P> extends RequestBody {
  /** What the request is for; handed back when it settles. */
  readonly purpose: P;
}

export type Settled<P> =
  | { readonly kind: 'success'; readonly purpose: P; readonly message: StunMessage }
  | {
      readonly kind: 'error' | 'auth-failed';
      readonly purpose: P;
      readonly status: number;
      readonly reason: string;
    }
  | { readonly kind: 'timeout'; readonly purpose: P };

/** Why an answer was not taken. */
export type AnswerDrop = 'unknown-transaction' | 'wrong-method' | 'bad-integrity';

interface Pending<P> {
  readonly spec: RequestSpec<P>;
  readonly bytes: Uint8Array;
  /** The key the request was signed with; undefined when it went out without credentials. */
  readonly key: Uint8Array | undefined;
  readonly stale: number;
  sends: number;
  rtoMs: number;
  nextAt: number;
}

interface Auth {
  readonly realm: string;
  readonly nonce: string;
  readonly key: Uint8Array;
}

export interface TransactionsOptions {
  readonly username: string;
  readonly password: string;
  readonly timing: TransactionTiming;
  readonly random: ((n: number) => Uint8Array) | undefined;
  readonly send: (bytes: Uint8Array) => void;
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function textOf(msg: StunMessage, type: number): string | undefined {
  const a = findAttribute(msg, type);
  const t = a === undefined ? undefined : decodeText(a.value, type);
  return t?.ok === true ? t.value : undefined;
}

/** The ERROR-CODE of an error response; a missing or malformed one reads as 400 (RFC 8489 §14.8). */
export function errorOf(msg: StunMessage): { status: number; reason: string } {
  const a = findAttribute(msg, StunAttr.ErrorCode);
  const d = a === undefined ? undefined : decodeErrorCode(a.value);
  return d?.ok === true
    ? { status: d.value.code, reason: d.value.reason }
    : { status: StunErrorCode.BadRequest, reason: 'error response without a readable ERROR-CODE' };
}

/** Why a request failed, as the client reports it. */
export interface Failure {
  readonly code: TurnClientErrorCode;
  readonly status: number | undefined;
  readonly reason: string;
}

export function failureOf(s: Exclude<Settled<unknown>, { kind: 'success' }>): Failure {
  if (s.kind === 'timeout') {
    return { code: TurnClientErrorCode.Timeout, status: undefined, reason: 'no answer from the TURN server' };
  }
  const code =
    s.kind === 'auth-failed'
      ? TurnClientErrorCode.AuthFailed
      : s.status === 437
        ? TurnClientErrorCode.AllocationLost
        : TurnClientErrorCode.Rejected;
  return { code, status: s.status, reason: `${s.status} ${s.reason}` };
}

export class TurnTransactions<P> {
  readonly #opts: TransactionsOptions;
  readonly #pending = new Map<string, Pending<P>>();
  #auth: Auth | undefined;
  #retransmits = 0;

  constructor(opts: TransactionsOptions) {
    this.#opts = opts;
  }

  /** Datagrams sent again because no answer came in time. */
  get retransmits(): number {
    return this.#retransmits;
  }

  /** The realm learnt from the server's 401, once there was one. */
  get realm(): string | undefined {
    return this.#auth?.realm;
  }

  start(spec: RequestSpec<P>, now: number, stale = 0): void {
    const transactionId = newTransactionId(this.#opts.random);
    const attributes = spec.attributes(transactionId);
    const auth = this.#auth;
    if (auth !== undefined) {
      attributes.push(
        { type: StunAttr.Username, value: encodeText(this.#opts.username, StunAttr.Username) },
        { type: StunAttr.Realm, value: encodeText(auth.realm, StunAttr.Realm) },
        { type: StunAttr.Nonce, value: encodeText(auth.nonce, StunAttr.Nonce) },
      );
    }
    const bytes = encodeStunMessage(
      { method: spec.method, cls: StunClass.Request, transactionId, attributes },
      { integrityKey: auth?.key, fingerprint: true },
    );
    const { rtoMs } = this.#opts.timing;
    this.#pending.set(hex(transactionId), {
      spec,
      bytes,
      key: auth?.key,
      stale,
      sends: 1,
      rtoMs,
      nextAt: now + (this.#opts.timing.tries === 1 ? this.#opts.timing.lastWaitMs : rtoMs),
    });
    this.#opts.send(bytes);
  }

  /**
   * Takes a response (success or error) to one of our requests. Returns what settled, `retried`
   * when the answer asked for credentials or a fresh nonce and the request went out again, or why
   * the answer was dropped.
   */
  handleAnswer(msg: StunMessage, bytes: Uint8Array, now: number): Settled<P> | 'retried' | AnswerDrop {
    const id = hex(msg.transactionId);
    const p = this.#pending.get(id);
    if (p === undefined) return 'unknown-transaction';
    if (p.spec.method !== msg.method) return 'wrong-method';
    // An answer to a signed request is signed with the same key (RFC 8489 §9.2.5); 401 and 438
    // cannot be, as the server may not know the key they are about.
    const error = msg.cls === StunClass.ErrorResponse ? errorOf(msg) : undefined;
    const unsignable = error?.status === 401 || error?.status === 438;
    if (p.key !== undefined && !unsignable) {
      const signed = findAttribute(msg, StunAttr.MessageIntegrity) !== undefined;
      if ((signed || error === undefined) && !verifyMessageIntegrity(bytes, p.key)) return 'bad-integrity';
    }
    this.#pending.delete(id);
    const { spec } = p;
    if (error === undefined) return { kind: 'success', purpose: spec.purpose, message: msg };
    const realm = textOf(msg, StunAttr.Realm);
    const nonce = textOf(msg, StunAttr.Nonce);
    if (error.status === 401 && realm !== undefined && nonce !== undefined) {
      // A 401 to a bare request is the challenge; one to a signed request is a refusal. Another
      // request may have learnt the nonce meanwhile: then this one just goes out signed.
      if (p.key !== undefined) return { kind: 'auth-failed', purpose: spec.purpose, ...error };
      if (this.#auth === undefined) this.#learn(realm, nonce);
      this.start(spec, now);
      return 'retried';
    }
    if (error.status === 438 && nonce !== undefined && p.stale < STALE_NONCE_RETRIES) {
      this.#learn(realm ?? this.#auth?.realm ?? '', nonce);
      this.start(spec, now, p.stale + 1);
      return 'retried';
    }
    const kind = error.status === 401 || error.status === 441 ? 'auth-failed' : 'error';
    return { kind, purpose: spec.purpose, ...error };
  }

  #learn(realm: string, nonce: string): void {
    const key =
      this.#auth?.realm === realm
        ? this.#auth.key
        : longTermKey(this.#opts.username, realm, this.#opts.password);
    this.#auth = { realm, nonce, key };
  }

  /** Retransmits what is due; returns the requests that ran out of tries. */
  handleTimer(now: number): Settled<P>[] {
    const out: Settled<P>[] = [];
    const { tries, lastWaitMs } = this.#opts.timing;
    for (const [id, p] of this.#pending) {
      if (p.nextAt > now) continue;
      if (p.sends >= tries) {
        this.#pending.delete(id);
        out.push({ kind: 'timeout', purpose: p.spec.purpose });
        continue;
      }
      p.sends++;
      p.rtoMs *= 2;
      p.nextAt = now + (p.sends === tries ? lastWaitMs : p.rtoMs);
      this.#retransmits++;
      this.#opts.send(p.bytes);
    }
    return out;
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const p of this.#pending.values()) if (next === undefined || p.nextAt < next) next = p.nextAt;
    return next;
  }

  /** Forgets every request in flight (close, failure): their answers will be dropped. */
  clear(): void {
    this.#pending.clear();
  }
}
