/**
 * The KVS JOIN that opens a QUIC signaling stream, and the server's answer to it
 * (docs/quic-signaling.md, "Join"). Pure: building never fails on good options, reading the answer
 * never throws.
 */
import { quicHostPort } from '@peerlink/client';
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';
import type { IceServer } from './control.js';

/** Where a `quic://HOST:PORT` URL leads (port 4433 when none is given, as the SDK's peer client). */
export function quicAddress(url: string): Result<{ host: string; port: number }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail(WebRtcErrorCode.InvalidOption, `not a URL: ${url}`, 'endpoint');
  }
  if (u.protocol !== 'quic:')
    return fail(WebRtcErrorCode.InvalidOption, `not a quic:// URL: ${url}`, 'endpoint');
  return ok(quicHostPort(u));
}

export function kvsJoin(o: {
  readonly channel: string;
  readonly role: 'MASTER' | 'VIEWER';
  readonly clientId: string;
  readonly auth: { readonly token: string } | { readonly presignedUrl: string };
}): Record<string, unknown> {
  return {
    action: 'JOIN',
    protocol: 'kvs',
    ...(o.channel.startsWith('arn:') ? { channel_arn: o.channel } : { channel_name: o.channel }),
    role: o.role === 'MASTER' ? 'master' : 'viewer',
    client_id: o.clientId,
    ...('token' in o.auth ? { token: o.auth.token } : { presigned_url: o.auth.presignedUrl }),
  };
}

export interface KvsJoined {
  readonly channelArn: string;
  readonly iceServers: readonly IceServer[];
  /** The server's PING interval on this connection. */
  readonly keepaliveMs: number;
}

/** JOINED's `iceServers` (the C SDK's IceConfigInfo shape) as werift's, one entry per URI. */
function iceServersOf(list: unknown): IceServer[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((s: unknown) => {
    if (typeof s !== 'object' || s === null) return [];
    const { uris, username, password } = s as Record<string, unknown>;
    if (!Array.isArray(uris)) return [];
    const auth =
      typeof username === 'string' && typeof password === 'string' ? { username, credential: password } : {};
    return uris.filter((u): u is string => typeof u === 'string').map((urls) => ({ urls, ...auth }));
  });
}

/** JOINED, or the refusal (JOIN_ERROR's status, AWS error type and reason) as an error. */
export function readJoinAnswer(answer: Readonly<Record<string, unknown>> | undefined): Result<KvsJoined> {
  if (answer?.['messageType'] === 'JOINED' && typeof answer['channelArn'] === 'string')
    return ok({
      channelArn: answer['channelArn'],
      iceServers: iceServersOf(answer['iceServers']),
      keepaliveMs: typeof answer['keepaliveMs'] === 'number' ? answer['keepaliveMs'] : 0,
    });
  if (answer?.['messageType'] === 'JOIN_ERROR')
    return fail(
      WebRtcErrorCode.JoinRefused,
      `the server refused the KVS join: ${String(answer['statusCode'])} ${String(answer['errorType'])}: ${String(answer['reason'])}`,
    );
  return fail(WebRtcErrorCode.ConnectFailed, 'the server answered the KVS join with no JOINED');
}
