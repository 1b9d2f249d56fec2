/**
 * The QUIC signaling stream's own frames around the protocols' (docs/quic-signaling.md, "Join"): the
 * client's JOIN, the server's JOINED / JOIN_ERROR answer, and GET_ICE_CONFIG / ICE_CONFIG. Pure;
 * parsing never throws. A JOIN names its `protocol` (`kvs` by default, `peer`, `im`) and becomes the
 * ConnMeta of that protocol's WebSocket upgrade, so the protocol admits it exactly as it admits a
 * WebSocket. KVS: a presigned URL is that URL, a token is an `Authorization: Bearer` header with what
 * the client asks for in the query (token-admission.ts). Peer: `/p2p`, authenticated by its
 * `register` message as over ws. IM: `/im`, with the JOIN's optional `token` as `?token=`, or by
 * the `auth` message.
 */
import type { ConnMeta } from '../../core/types.js';
import { CHANNEL_NAME, parseChannelArn } from '../../protocols/kvs/arn.js';
import { KVS_ID } from '../../protocols/kvs/frames.js';

/** The protocols a JOIN may ask for, and the path each is mounted at on the core. */
export const QUIC_PROTOCOL_PATHS = { kvs: '/kvs', peer: '/p2p', im: '/im' } as const;
export type QuicProtocol = keyof typeof QUIC_PROTOCOL_PATHS;

export type QuicJoin = KvsJoin | PeerJoin | ImJoin;

/** The peer protocol: the first frame after JOINED is its `register`, as on `/p2p`. */
export interface PeerJoin {
  readonly protocol: 'peer';
}

/** IM calls: a JWT now (as `?token=`), or later by an `auth` message, as on `/im`. */
export interface ImJoin {
  readonly protocol: 'im';
  readonly token?: string;
}

export interface KvsJoin {
  readonly protocol: 'kvs';
  readonly channelName?: string;
  readonly channelArn?: string;
  readonly role: 'master' | 'viewer';
  /** Required of a viewer; a master's is only logged. */
  readonly clientId: string | undefined;
  readonly auth: { readonly token: string } | { readonly presignedUrl: string };
}

/** An answer refusing a join, in the shape of the KVS refusals (AWS error type and HTTP status). */
export interface JoinRefusal {
  readonly statusCode: number;
  readonly errorType: string;
  readonly reason: string;
}

const invalid = (reason: string): { ok: false; refusal: JoinRefusal } => ({
  ok: false,
  refusal: { statusCode: 400, errorType: 'InvalidArgumentException', reason },
});

const str = (o: Record<string, unknown>, k: string): string | undefined =>
  typeof o[k] === 'string' ? (o[k] as string) : undefined;

/** The first frame of a connection. */
export function parseJoin(text: string): { ok: true; join: QuicJoin } | { ok: false; refusal: JoinRefusal } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return invalid('the first frame is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return invalid('the first frame is not a JSON object');
  const o = json as Record<string, unknown>;
  if (o['action'] !== 'JOIN') return invalid('the first frame must be a JOIN');
  const protocol = o['protocol'] ?? 'kvs';
  if (typeof protocol !== 'string' || !Object.hasOwn(QUIC_PROTOCOL_PATHS, protocol))
    return invalid(`protocol ${JSON.stringify(protocol)} is not offered over QUIC (kvs, peer or im)`);
  if (protocol === 'peer') return { ok: true, join: { protocol } };
  if (protocol === 'im') {
    if (o['token'] !== undefined && typeof o['token'] !== 'string') return invalid('token must be a string');
    const token = str(o, 'token');
    return { ok: true, join: token !== undefined ? { protocol, token } : { protocol } };
  }
  const role = o['role'];
  if (role !== 'master' && role !== 'viewer') return invalid('role must be master or viewer');
  const channelName = str(o, 'channel_name');
  const channelArn = str(o, 'channel_arn');
  if ((channelName === undefined) === (channelArn === undefined))
    return invalid('give channel_name or channel_arn');
  if (channelName !== undefined && !CHANNEL_NAME.test(channelName))
    return invalid('channel_name must match [a-zA-Z0-9_.-]{1,256}');
  if (channelArn !== undefined && !parseChannelArn(channelArn))
    return invalid(`not a signaling channel ARN: ${channelArn}`);
  const clientId = str(o, 'client_id');
  if (o['client_id'] !== undefined && (clientId === undefined || !KVS_ID.test(clientId)))
    return invalid('client_id must match [a-zA-Z0-9_.-]{1,256}');
  if (role === 'viewer' && clientId === undefined) return invalid('a viewer needs a client_id');
  const token = str(o, 'token');
  const presignedUrl = str(o, 'presigned_url');
  if ((token === undefined) === (presignedUrl === undefined)) return invalid('give token or presigned_url');
  return {
    ok: true,
    join: {
      protocol: 'kvs',
      ...(channelName !== undefined ? { channelName } : {}),
      ...(channelArn !== undefined ? { channelArn } : {}),
      role,
      clientId,
      auth: token !== undefined ? { token } : { presignedUrl: presignedUrl as string },
    },
  };
}

/**
 * The ConnMeta a JOIN stands for: the upgrade it replaces (`/kvs`, `/p2p` or `/im`). A KVS presigned
 * URL must name what the JOIN names (its ARN, a ClientId exactly when the JOIN is a viewer's, that
 * viewer's).
 */
export function joinMeta(
  join: QuicJoin,
  remote: string,
): { ok: true; meta: ConnMeta } | { ok: false; refusal: JoinRefusal } {
  if (join.protocol !== 'kvs') {
    const path = QUIC_PROTOCOL_PATHS[join.protocol];
    const query: Record<string, string> =
      join.protocol === 'im' && join.token !== undefined ? { token: join.token } : {};
    return { ok: true, meta: { remote, path, url: path, query, headers: {}, secure: true, carrier: 'quic' } };
  }
  const base = { remote, path: '/kvs', secure: true, carrier: 'quic' } as const;
  if ('token' in join.auth) {
    const query: Record<string, string> = { 'X-Peerlink-Role': join.role };
    if (join.channelArn !== undefined) query['X-Amz-ChannelARN'] = join.channelArn;
    if (join.channelName !== undefined) query['X-Amz-ChannelName'] = join.channelName;
    if (join.role === 'viewer' && join.clientId !== undefined) query['X-Amz-ClientId'] = join.clientId;
    return {
      ok: true,
      meta: { ...base, query, url: '/kvs', headers: { authorization: `Bearer ${join.auth.token}` } },
    };
  }
  let url: URL;
  try {
    url = new URL(join.auth.presignedUrl);
  } catch {
    return invalid('presigned_url is not a URL');
  }
  if (url.pathname !== '/kvs') return invalid('presigned_url is not a /kvs URL');
  const query = Object.fromEntries(url.searchParams);
  const arn = query['X-Amz-ChannelARN'];
  const name = arn === undefined ? undefined : parseChannelArn(arn)?.name;
  if (join.channelArn !== undefined ? arn !== join.channelArn : name !== join.channelName)
    return invalid('presigned_url is for another channel');
  const urlClient = query['X-Amz-ClientId'];
  if (
    (join.role === 'viewer') !== (urlClient !== undefined) ||
    (urlClient !== undefined && urlClient !== join.clientId)
  )
    return invalid('presigned_url is for another role or client id');
  return {
    ok: true,
    meta: {
      ...base,
      query,
      url: `${url.pathname}${url.search}`,
      headers: { host: url.host },
      host: url.host,
    },
  };
}

/** One ICE server as the C SDK's IceConfigInfo holds it. */
export interface QuicIceServer {
  readonly uris: readonly string[];
  readonly username?: string;
  readonly password?: string;
  readonly ttl: number;
}

export const joinedFrame = (f: {
  channelArn: string;
  role: 'master' | 'viewer';
  clientId: string;
  iceServers: readonly QuicIceServer[];
  keepaliveMs: number;
}): string =>
  JSON.stringify({
    messageType: 'JOINED',
    channelArn: f.channelArn,
    role: f.role.toUpperCase(),
    clientId: f.clientId,
    iceServers: f.iceServers,
    keepaliveMs: f.keepaliveMs,
  });

/** JOINED for the peer and IM protocols: their own frames follow (a welcome, auth.ok). */
export const protocolJoinedFrame = (protocol: 'peer' | 'im', keepaliveMs: number): string =>
  JSON.stringify({ messageType: 'JOINED', protocol, keepaliveMs });

export const joinErrorFrame = (r: JoinRefusal): string =>
  JSON.stringify({
    messageType: 'JOIN_ERROR',
    statusCode: r.statusCode,
    errorType: r.errorType,
    reason: r.reason,
  });

/** A frame after the join that the carrier answers itself: GET_ICE_CONFIG, with its CorrelationId. */
export function iceConfigRequest(text: string): { correlationId: string | undefined } | undefined {
  // Cheap test first: every other frame goes to the protocol untouched.
  if (!text.includes('GET_ICE_CONFIG')) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || (o as Record<string, unknown>)['action'] !== 'GET_ICE_CONFIG')
    return undefined;
  const r = o as Record<string, unknown>;
  const cid = r['CorrelationId'] ?? r['correlationId'];
  return { correlationId: typeof cid === 'string' && KVS_ID.test(cid) ? cid : undefined };
}

export const iceConfigFrame = (
  correlationId: string | undefined,
  iceServers: readonly QuicIceServer[],
): string =>
  JSON.stringify({
    messageType: 'ICE_CONFIG',
    ...(correlationId !== undefined ? { correlationId } : {}),
    iceServers,
  });

/** Refusal from a KVS admission body (`{"__type","message"}`) and status. */
export function refusalOf(status: number, body: string): JoinRefusal {
  try {
    const o = JSON.parse(body) as { __type?: unknown; message?: unknown };
    if (typeof o.__type === 'string' && typeof o.message === 'string')
      return { statusCode: status, errorType: o.__type, reason: o.message };
  } catch {
    // a plain-text body (503 draining, 500)
  }
  const errorType =
    status === 503
      ? 'ServiceUnavailableException'
      : status >= 500
        ? 'InternalFailure'
        : status === 404
          ? 'ResourceNotFoundException'
          : 'AccessDeniedException';
  return { statusCode: status, errorType, reason: body.trim() };
}
