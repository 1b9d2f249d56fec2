// The KVS WebRTC C SDK's side of the signaling WebSocket, written from what the SDK does (its
// LwsApiCalls and the SigV4 signer of its common library), not from its code, so a test can speak to
// peerlink the way a camera running it would:
// - cSdkPresign: the wss URL as connectSignalingChannelLws builds it and signAwsRequestInfoQueryParam
//   presigns it. Where the C SDK differs from the JS SDK (kvsPresign), it follows the C SDK: the X-Amz-*
//   parameters appended to the raw URL, every value URI-encoded once (the ARN's ':' and '/' too),
//   the whole `name=value` strings sorted, X-Amz-Expires from the credentials' expiry (a week, capped,
//   for static credentials), and the host signed without its port (the SDK stops the host at ':',
//   connects to 443 and sends that host as its Host header).
// - cSdkFrame: a message exactly as SIGNALING_SEND_MESSAGE_TEMPLATE(_WITH_CORRELATION_ID) writes it,
//   with the IceServerList an SDP_OFFER may carry.
// - cSdkReadProblems: why the SDK's receive path (lwsWssCallbackRoutine, parseSignalingMessage,
//   receiveLwsMessage) would drop a frame the server sent; [] when it would take it.
import { createHash, createHmac } from 'node:crypto';

/** The C SDK's MAX_SIGNALING_MESSAGE_LEN: its receive buffer and its parser's limit. */
export const C_SDK_MAX_MESSAGE_LEN = 10 * 1024;
/** The signer's bounds on X-Amz-Expires (seconds). */
const MAX_EXPIRES_S = 604_800n;
const MIN_EXPIRES_S = 1n;
/** The C SDK's time unit: 100 ns. Static credentials expire at MAX_UINT64 of them. */
const HUNDRED_NS_PER_MS = 10_000n;
const HUNDRED_NS_PER_S = 10_000_000n;
const MAX_UINT64 = (1n << 64n) - 1n;

export interface CSdkPresignOptions {
  /** The WSS endpoint as GetSignalingChannelEndpoint gave it: `wss://host` or `wss://host/path`, no port. */
  readonly endpoint: string;
  readonly channelArn: string;
  /** The viewer's client id; absent for the master. */
  readonly clientId?: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly region: string;
  readonly sessionToken?: string;
  /** When it signs (ms since the epoch); default now. */
  readonly at?: number;
  /** When the credentials expire (ms since the epoch); absent: static credentials (MAX_UINT64). */
  readonly credentialsExpireAt?: number;
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string): Buffer =>
  createHmac('sha256', key).update(s, 'utf8').digest();

/** The SDK's uriEncodeString: A-Z a-z 0-9 _ - ~ . stay, every other byte becomes %XX (upper case). */
function cUriEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_\-~.]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The host as the SDK's getRequestHost cuts it: after `://`, up to the first '/', ':' or '?'. */
function requestHost(url: string): string {
  const rest = url.slice(url.indexOf('://') + 3);
  const end = rest.search(/[/:?]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** X-Amz-Expires: the credentials' remaining life in seconds, truncated to 32 bits, then bounded. */
function expiresSeconds(nowMs: number, expireAtMs: number | undefined): bigint {
  const now = BigInt(Math.floor(nowMs)) * HUNDRED_NS_PER_MS;
  const expiry = expireAtMs === undefined ? MAX_UINT64 : BigInt(Math.floor(expireAtMs)) * HUNDRED_NS_PER_MS;
  const remaining = BigInt.asUintN(32, (expiry - now) / HUNDRED_NS_PER_S);
  const capped = remaining < MAX_EXPIRES_S ? remaining : MAX_EXPIRES_S;
  return capped > MIN_EXPIRES_S ? capped : MIN_EXPIRES_S;
}

/** The presigned wss URL a C SDK master (no clientId) or viewer opens. */
export function cSdkPresign(o: CSdkPresignOptions): string {
  const at = o.at ?? Date.now();
  const dateTime = new Date(Math.floor(at / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[:-]/g, '');
  let url = `${o.endpoint}?X-Amz-ChannelARN=${o.channelArn}`;
  if (o.clientId !== undefined) url += `&X-Amz-ClientId=${o.clientId}`;
  const credential = `${o.accessKeyId}/${dateTime.slice(0, 8)}/${o.region}/kinesisvideo/aws4_request`;
  url +=
    `&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}&X-Amz-Date=${dateTime}` +
    `&X-Amz-Expires=${expiresSeconds(at, o.credentialsExpireAt)}&X-Amz-SignedHeaders=host`;
  if (o.sessionToken) url += `&X-Amz-Security-Token=${o.sessionToken}`;

  // The query rewritten in canonical form: each value encoded once, the `name=value` strings sorted.
  const q = url.indexOf('?');
  const query = url
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq)}=${cUriEncode(p.slice(eq + 1))}`;
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join('&');
  const base = url.slice(0, q);
  const afterScheme = base.slice(base.indexOf('://') + 3);
  const slash = afterScheme.indexOf('/');
  const path = slash < 0 ? '/' : afterScheme.slice(slash);
  const host = requestHost(base);
  const canonical = ['GET', path, query, `host:${host}\n`, 'host', sha256('')].join('\n');
  const scope = `${dateTime.slice(0, 8)}/${o.region}/kinesisvideo/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', dateTime, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${o.secret}`, dateTime.slice(0, 8));
  for (const part of [o.region, 'kinesisvideo', 'aws4_request']) key = hmac(key, part);
  return `${base}?${query}&X-Amz-Signature=${hmac(key, toSign).toString('hex')}`;
}

/**
 * Where the SDK's socket goes for a presigned URL when the server really listens on `address:port`
 * (a test server on an ephemeral port standing in for the 443 the SDK always dials): the URL to dial,
 * and the host the SDK names in its Host header and TLS server name (its host, without a port).
 */
export function cSdkDial(presigned: string, address: string, port: number): { url: string; host: string } {
  const host = requestHost(presigned);
  const rest = presigned.slice(presigned.indexOf('://') + 3 + host.length);
  return { url: `wss://${address}:${port}${rest.startsWith('/') ? '' : '/'}${rest}`, host };
}

export interface CSdkIceServer {
  readonly password: string;
  readonly ttl: number;
  readonly uris: readonly string[];
  readonly username: string;
}

/** A message exactly as the C SDK writes it; a viewer passes '' as the recipient. */
export function cSdkFrame(
  action: string,
  recipientClientId: string,
  messagePayload: string,
  opts: { correlationId?: string; iceServers?: readonly CSdkIceServer[] } = {},
): string {
  const ice =
    opts.iceServers && opts.iceServers.length > 0
      ? `,\n\t"IceServerList": [${opts.iceServers
          .map(
            (s) =>
              `\n\t\t{\n\t\t\t"Password": "${s.password}",\n\t\t\t"Ttl": ${s.ttl},\n\t\t\t"Uris": [${s.uris
                .map((u) => `"${u}"`)
                .join(',')}],\n\t\t\t"Username": "${s.username}"\n\t\t}`,
          )
          .join(',')}\n\t]`
      : '';
  const head = `{\n\t"action": "${action}",\n\t"RecipientClientId": "${recipientClientId}",\n\t"MessagePayload": "${messagePayload}"`;
  return opts.correlationId === undefined
    ? `${head}${ice}\n}`
    : `${head},\n\t"CorrelationId": "${opts.correlationId}"${ice}\n}`;
}

const MESSAGE_TYPES = [
  'SDP_OFFER',
  'SDP_ANSWER',
  'ICE_CANDIDATE',
  'GO_AWAY',
  'RECONNECT_ICE_SERVER',
  'STATUS_RESPONSE',
];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What the C SDK's receive path would refuse in a frame from the server; [] when it takes it. */
export function cSdkReadProblems(data: string | Uint8Array, isBinary = false): string[] {
  if (isBinary || typeof data !== 'string') return ['a binary frame (the SDK takes text frames only)'];
  const problems: string[] = [];
  if (data.length > C_SDK_MAX_MESSAGE_LEN) problems.push(`over ${C_SDK_MAX_MESSAGE_LEN} bytes`);
  let m: unknown;
  try {
    m = JSON.parse(data);
  } catch {
    return [...problems, 'not JSON'];
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return [...problems, 'not a JSON object'];
  const o = m as Record<string, unknown>;
  const type = o['messageType'];
  if (typeof type !== 'string' || !MESSAGE_TYPES.includes(type)) problems.push('no known messageType');
  const sender = o['senderClientId'];
  if (sender !== undefined && (typeof sender !== 'string' || sender.length > 256))
    problems.push('senderClientId over 256 characters');
  let decoded: Buffer | undefined;
  const payload = o['messagePayload'];
  if (payload !== undefined) {
    // The SDK base64-decodes any messagePayload it finds; an empty one makes it decode the rest of
    // the frame instead (a zero length means "up to the NUL"), which fails.
    if (typeof payload !== 'string' || payload.length < 2 || !BASE64.test(payload))
      problems.push('messagePayload is not base64 of at least one byte');
    else decoded = Buffer.from(payload, 'base64');
  }
  const status = o['statusResponse'];
  if (status !== undefined) {
    const s = (typeof status === 'object' && status !== null ? status : {}) as Record<string, unknown>;
    const within = (k: string, max: number): boolean =>
      s[k] === undefined || (typeof s[k] === 'string' && (s[k] as string).length <= max);
    if (!within('correlationId', 256) || !within('errorType', 256) || !within('description', 1024))
      problems.push('a statusResponse field over the SDK limits');
    if (s['statusCode'] !== undefined && !/^\d{1,9}$/.test(String(s['statusCode'])))
      problems.push('statusResponse.statusCode is not a number');
  }
  if (type === 'SDP_OFFER' && (typeof sender !== 'string' || sender === ''))
    problems.push('an SDP_OFFER without senderClientId');
  if (type === 'SDP_OFFER' || type === 'SDP_ANSWER' || type === 'ICE_CANDIDATE') {
    if (!decoded || decoded.length === 0 || decoded[0] === 0) problems.push(`${type} without a payload`);
    else if (decoded.length > C_SDK_MAX_MESSAGE_LEN) problems.push(`${type} payload over the limit`);
  }
  return problems;
}
