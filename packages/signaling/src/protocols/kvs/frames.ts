/**
 * The KVS WebRTC signaling frames on the WebSocket (AWS's "WebSocket endpoint APIs" and
 * "Asynchronous message reception"). Clients send `action`, `RecipientClientId`, `MessagePayload`
 * (base64 of JSON), `CorrelationId`: the C SDK in PascalCase (its template in LwsApiCalls.h, an
 * SDP_OFFER possibly followed by `IceServerList`), the JS SDK in camelCase. The server sends
 * `senderClientId`, `messageType`, `messagePayload`, and `statusResponse` when a message that carried
 * a CorrelationId fails. Pure; parsing never throws.
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
    return bad('the frame is not JSON', undefined);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return bad('the frame is not a JSON object', undefined);
  const o = json as Record<string, unknown>;
  const cid = field(o, 'CorrelationId', 'correlationId');
  const correlationId = typeof cid === 'string' && KVS_ID.test(cid) ? cid : undefined;
  if (cid !== undefined && correlationId === undefined)
    return bad('CorrelationId must match [a-zA-Z0-9_.-]{1,256}', undefined);
  const action = o['action'];
  if (typeof action !== 'string' || !(KVS_CLIENT_ACTIONS as readonly string[]).includes(action))
    return bad(
      `unknown action ${JSON.stringify(action)}: SDP_OFFER, SDP_ANSWER or ICE_CANDIDATE`,
      correlationId,
    );
  const rid = field(o, 'RecipientClientId', 'recipientClientId') ?? '';
  if (typeof rid !== 'string' || (rid !== '' && !KVS_ID.test(rid)))
    return bad('RecipientClientId must match [a-zA-Z0-9_.-]{1,256}', correlationId);
  const payload = field(o, 'MessagePayload', 'messagePayload');
  if (typeof payload !== 'string' || payload.length === 0)
    return bad('MessagePayload is required', correlationId);
  if (payload.length > maxPayloadBytes)
    return {
      ok: false,
      error: {
        errorType: 'InvalidArgumentException',
        statusCode: '400',
        description: `MessagePayload over ${maxPayloadBytes} bytes`,
        correlationId,
      },
    };
  if (payload.length % 4 !== 0 || !BASE64.test(payload))
    return bad('MessagePayload is not base64', correlationId);
  return {
    ok: true,
    frame: { action: action as KvsAction, recipientClientId: rid, messagePayload: payload, correlationId },
  };
}

function bad(description: string, correlationId: string | undefined): { ok: false; error: KvsFrameError } {
  return {
    ok: false,
    error: { errorType: 'InvalidArgumentException', statusCode: '400', description, correlationId },
  };
}

/** A message to a client: what the other side sent (`senderClientId` omitted for the master). */
export function kvsEvent(
  messageType: KvsMessageType,
  messagePayload: string,
  senderClientId?: string,
): string {
  return JSON.stringify(
    senderClientId === undefined
      ? { messageType, messagePayload }
      : { senderClientId, messageType, messagePayload },
  );
}

export function kvsStatusResponse(e: KvsFrameError & { correlationId: string }): string {
  return JSON.stringify({
    senderClientId: '',
    messageType: 'STATUS_RESPONSE',
    messagePayload: '',
    statusResponse: {
      correlationId: e.correlationId,
      errorType: e.errorType,
      statusCode: e.statusCode,
      description: e.description,
    },
  });
}
