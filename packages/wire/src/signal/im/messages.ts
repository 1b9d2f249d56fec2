/**
 * The IM call protocol's messages (seed 003, docs/im-calls.md): JSON text frames
 * `{type, payload, timestamp}` with `call.offer`, `call.answer`, `call.ice`, `call.end`,
 * `call.status` and `call.error`, every payload field the seed shows, plus our `auth` (a first message
 * carrying the JWT) and `auth.ok`. User ids are numbers or strings (`1` and `"1"` name one user).
 * Payloads keep fields they do not know, so an app's own metadata travels with the call; the fields
 * the seed defines are checked, SDP by the rules of check-sdp.ts. Pure; parsing never throws.
 */
import { z } from 'zod';
import { checkSdp } from '../../sdp/check-sdp.js';
import type { PeerParseFailure } from '../peer/errors.js';
import { parseJsonText, tagsOf, validate } from '../peer/validate.js';
import { ImConstraints } from './constraints.js';

export const ImUserId = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^[\p{L}\p{N}\p{P}\p{S}]{1,128}$/u, 'a user id is 1-128 visible characters, no spaces'),
]);
export type ImUserId = z.infer<typeof ImUserId>;

export const ImCallId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'a call_id is 1-128 of [A-Za-z0-9_.:-]');

const Time = z.iso.datetime({ offset: true });

const Sdp = z.string().superRefine((sdp, ctx) => {
  const c = checkSdp(sdp);
  if (!c.ok) ctx.addIssue({ code: 'custom', message: `SDP ${c.field}: ${c.reason}` });
});
const description = <T extends string>(type: T) => z.object({ type: z.literal(type), sdp: Sdp });

const CANDIDATE =
  /^(a=)?candidate:\S{1,32} \d{1,3} \S{1,16} \d{1,10} \S{1,255} \d{1,5} typ (host|srflx|prflx|relay)( .*)?$/i;

export const ImIceCandidate = z.looseObject({
  /** Empty: the end of candidates. */
  candidate: z
    .string()
    .max(1024)
    .refine((c) => c === '' || CANDIDATE.test(c), 'not an ICE candidate line (RFC 8839)'),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  sdpMid: z.string().max(64).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type ImIceCandidate = z.infer<typeof ImIceCandidate>;

/** `call.end` reasons: the seed's, and our `answered_elsewhere` (another device of the callee answered). */
export const IM_END_REASONS = [
  'user_hangup',
  'user_busy',
  'user_rejected',
  'network_error',
  'timeout',
  'server_error',
  'answered_elsewhere',
] as const;
export type ImEndReason = (typeof IM_END_REASONS)[number];

export const IM_CALL_STATUSES = ['ringing', 'answered', 'connected', 'disconnected', 'failed'] as const;
export type ImCallStatus = (typeof IM_CALL_STATUSES)[number];

/** `error_code`s: the seed's three, and ours for a denied call and a refused token. */
export const IM_ERROR_CODES = [
  'SIGNALING_ERROR',
  'MEDIA_ERROR',
  'NETWORK_ERROR',
  'PERMISSION_DENIED',
  'UNAUTHORIZED',
] as const;
export type ImErrorCode = (typeof IM_ERROR_CODES)[number];

const party = { call_id: ImCallId, from_user: ImUserId, to_user: ImUserId };
const candidates = z.array(ImIceCandidate).max(64).optional();

export const ImOfferPayload = z.looseObject({
  ...party,
  call_type: z.enum(['audio', 'video']),
  sdp: description('offer'),
  ice_candidates: candidates,
  constraints: ImConstraints.optional(),
  created_at: Time.optional(),
});

export const ImAnswerPayload = z.looseObject({
  ...party,
  sdp: description('answer'),
  ice_candidates: candidates,
  answered_at: Time.optional(),
});

export const ImIcePayload = z.looseObject({ ...party, ice_candidate: ImIceCandidate });

export const ImEndPayload = z.looseObject({
  ...party,
  reason: z.enum(IM_END_REASONS),
  duration: z.number().min(0).max(1e9).optional(),
  ended_at: Time.optional(),
});

export const ImNetworkStats = z.looseObject({
  packet_loss: z.number().min(0).max(1).optional(),
  jitter: z.number().min(0).max(1e6).optional(),
  rtt: z.number().min(0).max(1e6).optional(),
});
export type ImNetworkStats = z.infer<typeof ImNetworkStats>;

const Quality = z.string().regex(/^[a-z_]{1,32}$/, 'a quality is a lower-case word such as good');

export const ImStatusPayload = z.looseObject({
  call_id: ImCallId,
  status: z.enum(IM_CALL_STATUSES),
  duration: z.number().min(0).max(1e9).optional(),
  audio_quality: Quality.optional(),
  video_quality: Quality.optional(),
  network_stats: ImNetworkStats.optional(),
});

export const ImErrorPayload = z.looseObject({
  /** Absent when the error is about no call (a message whose call_id could not be read). */
  call_id: ImCallId.optional(),
  error_code: z.string().regex(/^[A-Z_]{1,64}$/, 'an error_code is UPPER_SNAKE_CASE'),
  error_message: z.string().max(1024),
  details: z.record(z.string().max(64), z.unknown()).optional(),
});

const message = <T extends string, P extends z.ZodType>(type: T, payload: P) =>
  z.object({ type: z.literal(type), payload, timestamp: Time.optional() });

export const ImMessage = z.discriminatedUnion('type', [
  message('call.offer', ImOfferPayload),
  message('call.answer', ImAnswerPayload),
  message('call.ice', ImIcePayload),
  message('call.end', ImEndPayload),
  message('call.status', ImStatusPayload),
  message('call.error', ImErrorPayload),
  message('auth', z.object({ token: z.string().min(1).max(8192) })),
  message('auth.ok', z.object({ user_id: ImUserId })),
]);
export type ImMessage = z.infer<typeof ImMessage>;
export type ImMessageType = ImMessage['type'];
export type ImMessageOf<T extends ImMessageType> = Extract<ImMessage, { type: T }>;
export type ImCallMessage = Exclude<ImMessage, { type: 'auth' | 'auth.ok' }>;

export const IM_MESSAGE_TYPES = tagsOf('type', ImMessage.options);

/** A refused frame, with the call it was about when that much could be read (for the call.error). */
export type ImParseFailure = PeerParseFailure & { readonly callId?: string };

/** Parses and validates one text frame (either direction). Never throws. */
export function parseImMessage(text: string): { ok: true; message: ImMessage } | ImParseFailure {
  const json = parseJsonText(text);
  if (!json.ok) return json;
  const r = validate(ImMessage, json.value, 'type', IM_MESSAGE_TYPES);
  if (r.ok) return { ok: true, message: r.value };
  const callId = ImCallId.safeParse(
    (json.value as { payload?: { call_id?: unknown } } | null)?.payload?.call_id,
  );
  return callId.success ? { ...r, callId: callId.data } : r;
}

/** A message as the seed frames it, stamped with `now` (ms since the epoch). */
export function encodeImMessage<T extends ImMessageType>(
  type: T,
  payload: ImMessageOf<T>['payload'],
  now: number,
): string {
  return JSON.stringify({ type, payload, timestamp: new Date(now).toISOString() });
}

/** Ids compare as text: the token's `sub` "1" is the payload's `1`. */
export const sameUser = (a: ImUserId, b: ImUserId): boolean => String(a) === String(b);
