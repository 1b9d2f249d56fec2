/**
 * The KVS WebRTC signaling frames on the WebSocket (AWS's "WebSocket endpoint APIs" and
 * "Asynchronous message reception"). Clients send `action`, `RecipientClientId`, `MessagePayload`
 * (base64 of JSON), `CorrelationId`: the C SDK in PascalCase (its template in LwsApiCalls.h, an
 * SDP_OFFER possibly followed by `IceServerList`), the JS SDK in camelCase. The server sends
 * `senderClientId`, `messageType`, `messagePayload`, and `statusResponse` when a message that carried
 * a CorrelationId fails. Frames without a payload (GO_AWAY, RECONNECT_ICE_SERVER, STATUS_RESPONSE)
 * leave `messagePayload` out: the C SDK base64-decodes any it finds, and an empty one makes its
 * decoder read on past the value and drop the whole frame. Pure; parsing never throws.
 */
export const KVS_CLIENT_ACTIONS = ['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'] as const;
export type KvsAction = (typeof KVS_CLIENT_ACTIONS)[number];
export type KvsMessageType = KvsAction | 'GO_AWAY' | 'RECONNECT_ICE_SERVER' | 'STATUS_RESPONSE';

export interface KvsClientFrame {
  readonly action: KvsAction;
  /** Empty when a viewer sends (its messages go to the master whatever it names). */
  readonly recipientClientId: string;
  /** Base64, as sent (forwarded unchanged). */
  readonly messagePayload: string;
  readonly correlationId: string | undefined;
}

/** Why a frame was refused, in AWS's terms: the errorType and HTTP-like status of a STATUS_RESPONSE. */
export interface KvsFrameError {
  readonly errorType:
    'InvalidArgumentException' | 'ClientLimitExceededException' | 'ResourceNotFoundException';
  readonly statusCode: '400' | '404' | '429';
  readonly description: string;
  /** The CorrelationId, when the frame carried one that could be read. */
  readonly correlationId: string | undefined;
  /** A stable, finer reason for metrics (`peerlink_kvs_refused_total{reason}`), e.g. `bad-base64`. */
  readonly reason: string;
}

/** Ids and correlation ids: AWS's pattern. */
export const KVS_ID = /^[a-zA-Z0-9_.-]{1,256}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function field(o: Record<string, unknown>, pascal: string, camel: string): unknown {
  return o[pascal] ?? o[camel];
}

export function parseKvsFrame(
  text: string,
  maxPayloadBytes: number,
): { ok: true; frame: KvsClientFrame } | { ok: false; error: KvsFrameError } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('not-json', 'the frame is not JSON', undefined);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return bad('not-object', 'the frame is not a JSON object', undefined);
  const o = json as Record<string, unknown>;
  const cid = field(o, 'CorrelationId', 'correlationId');
  const correlationId = typeof cid === 'string' && KVS_ID.test(cid) ? cid : undefined;
  if (cid !== undefined && correlationId === undefined)
    return bad('bad-correlation-id', 'CorrelationId must match [a-zA-Z0-9_.-]{1,256}', undefined);
  const action = o['action'];
  if (typeof action !== 'string' || !(KVS_CLIENT_ACTIONS as readonly string[]).includes(action))
    return bad(
      'unknown-action',
      `unknown action ${JSON.stringify(action)}: SDP_OFFER, SDP_ANSWER or ICE_CANDIDATE`,
      correlationId,
    );
  const rid = field(o, 'RecipientClientId', 'recipientClientId') ?? '';
  if (typeof rid !== 'string' || (rid !== '' && !KVS_ID.test(rid)))
    return bad('bad-recipient', 'RecipientClientId must match [a-zA-Z0-9_.-]{1,256}', correlationId);
  const payload = field(o, 'MessagePayload', 'messagePayload');
  if (typeof payload !== 'string' || payload.length === 0)
    return bad('no-payload', 'MessagePayload is required', correlationId);
  if (payload.length > maxPayloadBytes)
    return bad('payload-too-large', `MessagePayload over ${maxPayloadBytes} bytes`, correlationId);
  if (payload.length % 4 !== 0 || !BASE64.test(payload))
    return bad('bad-base64', 'MessagePayload is not base64', correlationId);
  return {
    ok: true,
    frame: { action: action as KvsAction, recipientClientId: rid, messagePayload: payload, correlationId },
  };
}

function bad(
  reason: string,
  description: string,
  correlationId: string | undefined,
): { ok: false; error: KvsFrameError } {
  return {
    ok: false,
    error: { errorType: 'InvalidArgumentException', statusCode: '400', description, correlationId, reason },
  };
}

/** A message to a client: what the other side sent (`senderClientId` omitted for the master). */
export function kvsEvent(messageType: KvsAction, messagePayload: string, senderClientId?: string): string {
  return JSON.stringify(
    senderClientId === undefined
      ? { messageType, messagePayload }
      : { senderClientId, messageType, messagePayload },
  );
}

/** A message from the service itself, which has no payload: GO_AWAY, RECONNECT_ICE_SERVER. */
export function kvsControl(messageType: 'GO_AWAY' | 'RECONNECT_ICE_SERVER'): string {
  return JSON.stringify({ messageType });
}

export function kvsStatusResponse(e: Omit<KvsFrameError, 'reason'> & { correlationId: string }): string {
  return JSON.stringify({
    senderClientId: '',
    messageType: 'STATUS_RESPONSE',
    statusResponse: {
      correlationId: e.correlationId,
      errorType: e.errorType,
      statusCode: e.statusCode,
      description: e.description,
    },
  });
}
