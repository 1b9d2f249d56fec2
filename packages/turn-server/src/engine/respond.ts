/**
 * Building TURN responses (RFC 8656 §7-§11, RFC 8489 §6.3): success or error for a request, with
 * MESSAGE-INTEGRITY when the request was authenticated, FINGERPRINT when the request carried one,
 * and SOFTWARE only when the operator configured it.
 */
import {
  StunAttr,
  StunClass,
  encodeErrorCode,
  encodeStunMessage,
  encodeText,
  findAttribute,
  stunMethodName,
  type StunAttribute,
  type StunMessage,
} from '@peerlink/wire';
import type { Allocation } from './allocation.js';
import type { EngineContext, RequestIn } from './context.js';
import { REASONS, TurnStatus } from './errors.js';
import type { TurnOutput } from './turn-types.js';

export interface ReplyOptions {
  readonly key?: Uint8Array | undefined;
  readonly software?: string | undefined;
}

export function errorCode(code: number): StunAttribute {
  return { type: StunAttr.ErrorCode, value: encodeErrorCode({ code, reason: REASONS[code] ?? 'Error' }) };
}

export function encodeReply(
  req: StunMessage,
  code: number,
  attributes: StunAttribute[],
  opts: ReplyOptions,
): Uint8Array {
  const attrs = code === 0 ? [...attributes] : [errorCode(code), ...attributes];
  if (opts.software !== undefined) {
    attrs.push({ type: StunAttr.Software, value: encodeText(opts.software, StunAttr.Software) });
  }
  return encodeStunMessage(
    {
      method: req.method,
      cls: code === 0 ? StunClass.SuccessResponse : StunClass.ErrorResponse,
      transactionId: req.transactionId,
      attributes: attrs,
    },
    { integrityKey: opts.key, fingerprint: findAttribute(req, StunAttr.Fingerprint) !== undefined },
  );
}

export const toHex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Answers `req` with success (`code` 0) or an error; counts the response. */
export function answer<C>(
  ctx: EngineContext<C>,
  req: RequestIn<C>,
  code: number,
  attributes: StunAttribute[],
  key?: Uint8Array,
): TurnOutput<C>[] {
  ctx.emit({ type: 'response', method: stunMethodName(req.msg.method), code: code === 0 ? 200 : code });
  const bytes = encodeReply(req.msg, code, attributes, { key, software: ctx.software });
  return [{ type: 'to-client', handle: req.client.handle, bytes }];
}

/**
 * Checks the long-term credentials of `req` (RFC 8489 §9.2.4). A failure becomes a 400, 401 or 438
 * answer carrying REALM and NONCE, unless the source is over its 401 rate: then nothing is sent.
 */
export function authenticate<H>(
  ctx: EngineContext<H>,
  req: RequestIn<H>,
): { ok: true; username: string; key: Uint8Array } | { ok: false; out: TurnOutput<H>[] } {
  const ip = req.client.from.address;
  const res = ctx.auth.check(req.raw, req.msg, ip, req.now);
  if (res.ok) return res;
  ctx.emit({ type: 'auth-failure', why: res.why });
  if (!ctx.auth.allowUnauthorized(ip, req.now)) {
    ctx.emit({ type: 'drop', reason: 'auth-rate-limited' });
    return { ok: false, out: [] };
  }
  const attrs: StunAttribute[] =
    res.code === 400
      ? []
      : [
          { type: StunAttr.Realm, value: encodeText(ctx.auth.realm, StunAttr.Realm) },
          { type: StunAttr.Nonce, value: encodeText(ctx.auth.nonce(ip, req.now), StunAttr.Nonce) },
        ];
  return { ok: false, out: answer(ctx, req, res.code, attrs) };
}

/**
 * Authenticates `req` and finds the open allocation of its 5-tuple, answering 437 when there is
 * none and 441 when another user made it (RFC 8656 §5).
 */
export function ownAllocation<H>(
  ctx: EngineContext<H>,
  req: RequestIn<H>,
): { ok: true; alloc: Allocation<H>; key: Uint8Array } | { ok: false; out: TurnOutput<H>[] } {
  const auth = authenticate(ctx, req);
  if (!auth.ok) return auth;
  const alloc = ctx.byClient.get(req.client.key);
  if (alloc === undefined || alloc.state !== 'open') {
    return { ok: false, out: answer(ctx, req, TurnStatus.AllocationMismatch, [], auth.key) };
  }
  if (alloc.username !== auth.username) {
    return { ok: false, out: answer(ctx, req, TurnStatus.WrongCredentials, [], auth.key) };
  }
  return { ok: true, alloc, key: auth.key };
}
