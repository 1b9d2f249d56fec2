/**
 * The KVS signaling frames as a client sees them (docs/kvs.md, "The WebSocket"): events from the
 * server (`messageType`, base64 `messagePayload` of JSON, `senderClientId` to the master,
 * `statusResponse` for a refused message) and the actions a client sends (`action`,
 * `recipientClientId`, `messagePayload`), in the JS SDK's camelCase. Pure; decoding never throws.
 */
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';

export type KvsAction = 'SDP_OFFER' | 'SDP_ANSWER' | 'ICE_CANDIDATE';

export type KvsEvent =
  | {
      readonly messageType: KvsAction;
      /** The decoded JSON payload: `{type, sdp}` or a candidate object, not yet validated. */
      readonly payload: unknown;
      /** The viewer that sent it (events to the master), undefined for events from the master. */
      readonly senderClientId: string | undefined;
    }
  | { readonly messageType: 'GO_AWAY' | 'RECONNECT_ICE_SERVER' }
  | {
      readonly messageType: 'STATUS_RESPONSE';
      readonly correlationId: string;
      readonly errorType: string;
      readonly statusCode: string;
      readonly description: string;
    };

/** The largest event text taken (the server forwards payloads of at most 10 KiB of base64). */
export const MAX_EVENT_LENGTH = 64 * 1024;
const KVS_ID = /^[a-zA-Z0-9_.-]{1,256}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const bad = <T>(field: string, message: string): Result<T> =>
  fail(WebRtcErrorCode.FrameInvalid, `KVS event ${field}: ${message}`, field);

const str = (o: Record<string, unknown>, k: string): string =>
  typeof o[k] === 'string' ? (o[k] as string) : '';

export function decodeKvsEvent(text: unknown): Result<KvsEvent> {
  if (typeof text !== 'string') return bad('frame', 'not text');
  if (text.length > MAX_EVENT_LENGTH) return bad('frame', `longer than ${MAX_EVENT_LENGTH} characters`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('frame', 'not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return bad('frame', 'not a JSON object');
  const o = json as Record<string, unknown>;
  const type = o['messageType'];
  if (type === 'GO_AWAY' || type === 'RECONNECT_ICE_SERVER') return ok({ messageType: type });
  if (type === 'STATUS_RESPONSE') {
    const s = o['statusResponse'];
    if (typeof s !== 'object' || s === null) return bad('statusResponse', 'missing');
    const r = s as Record<string, unknown>;
    return ok({
      messageType: type,
      correlationId: str(r, 'correlationId'),
      errorType: str(r, 'errorType'),
      statusCode: str(r, 'statusCode'),
      description: str(r, 'description'),
    });
  }
  if (type !== 'SDP_OFFER' && type !== 'SDP_ANSWER' && type !== 'ICE_CANDIDATE')
    return bad('messageType', `unknown ${JSON.stringify(type)}`);
  const sender = o['senderClientId'];
  if (sender !== undefined && sender !== '' && (typeof sender !== 'string' || !KVS_ID.test(sender)))
    return bad('senderClientId', 'must match [a-zA-Z0-9_.-]{1,256}');
  const b64 = o['messagePayload'];
  if (typeof b64 !== 'string' || b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64))
    return bad('messagePayload', 'not base64');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    return bad('messagePayload', 'not base64 of JSON');
  }
  return ok({
    messageType: type,
    payload,
    senderClientId: typeof sender === 'string' && sender !== '' ? sender : undefined,
  });
}

/** A client's action frame: `payload` is JSON-encoded, then base64. */
export function encodeKvsAction(action: KvsAction, payload: unknown, recipientClientId?: string): string {
  const messagePayload = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64');
  return JSON.stringify(
    recipientClientId === undefined
      ? { action, messagePayload }
      : { action, messagePayload, recipientClientId },
  );
}
