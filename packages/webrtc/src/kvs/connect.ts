/**
 * Joining a KVS channel as a master or a viewer, shared by createKvsMaster and createKvsViewer.
 * WSS: the control plane (resolveChannel), then the presigned WebSocket. QUIC
 * (docs/quic-signaling.md): the control plane for the channel's ARN and QUIC endpoint (skipped for a
 * `quic://` endpoint), then a QUIC stream opened with a JOIN carrying a token or the presigned URL;
 * the ICE servers come in JOINED.
 */
import { WebRtcError, WebRtcErrorCode } from '../errors.js';
import type { ResolvedChannel, KvsTarget } from './control.js';
import { resolveChannel } from './control.js';
import { presignKvsUrl } from './presign.js';
import { kvsJoin, quicAddress } from './quic-join.js';
import { KvsQuicSocket } from './quic-signaling-socket.js';
import { KvsSignalingSocket, type KvsSocket, type KvsSocketHandlers } from './signaling-socket.js';

export const DEFAULT_REGION = 'us-west-2';

type Role = 'MASTER' | 'VIEWER';

export interface JoinedChannel extends ResolvedChannel {
  readonly signaling: 'wss' | 'quic';
  /** The server's keepalive interval (QUIC: from JOINED); undefined over WSS. */
  readonly keepaliveMs?: number;
}

/** The carrier a target asks for: `signaling`, else QUIC for a `quic://` endpoint. */
export const signalingOf = (t: KvsTarget): 'wss' | 'quic' =>
  t.signaling ?? (t.endpoint.startsWith('quic:') ? 'quic' : 'wss');

export async function joinChannel(
  t: KvsTarget,
  role: Role,
  clientId: string,
  handlers: KvsSocketHandlers,
): Promise<{ channel: JoinedChannel; socket: KvsSocket }> {
  if (signalingOf(t) === 'quic') return joinOverQuic(t, role, clientId, handlers);
  const channel = await resolveChannel(t, role, clientId);
  const url = await presign(t, channel.wss, channel.arn, role, clientId);
  const socket = await KvsSignalingSocket.open(url, handlers, t.ca);
  return { channel: { ...channel, signaling: 'wss' }, socket };
}

function presign(t: KvsTarget, wss: string, arn: string, role: Role, clientId: string): Promise<string> {
  if (t.credentials === undefined)
    throw new WebRtcError(WebRtcErrorCode.InvalidOption, 'a presigned join needs credentials');
  return presignKvsUrl({
    wss,
    channelArn: arn,
    ...(role === 'VIEWER' ? { clientId } : {}),
    region: t.region ?? DEFAULT_REGION,
    credentials: t.credentials,
  });
}

async function joinOverQuic(
  t: KvsTarget,
  role: Role,
  clientId: string,
  handlers: KvsSocketHandlers,
): Promise<{ channel: JoinedChannel; socket: KvsSocket }> {
  const direct = t.endpoint.startsWith('quic:');
  // A quic:// endpoint has no control plane: the presigned URL is signed for its host, and needs the ARN.
  const resolved = direct
    ? { arn: t.channel, wss: t.endpoint.replace(/^quic:/, 'wss:').replace(/\/?$/, '/kvs'), quic: t.endpoint }
    : await resolveChannel(t, role, clientId, { quic: true });
  const at = quicAddress(resolved.quic ?? '');
  if (!at.ok) throw at.error;
  if (t.token === undefined && !resolved.arn.startsWith('arn:'))
    throw new WebRtcError(
      WebRtcErrorCode.InvalidOption,
      'a quic:// endpoint needs a token, or credentials and the channel ARN',
    );
  // A token names the channel it grants; a presigned URL names the ARN, and the JOIN must name it too.
  const join = kvsJoin(
    t.token !== undefined
      ? { channel: t.channel, role, clientId, auth: { token: t.token } }
      : {
          channel: resolved.arn,
          role,
          clientId,
          auth: { presignedUrl: await presign(t, resolved.wss, resolved.arn, role, clientId) },
        },
  );
  const { socket, joined } = await KvsQuicSocket.open(at.value, join, handlers, t.ca);
  return {
    channel: {
      arn: joined.channelArn,
      wss: resolved.wss,
      quic: resolved.quic ?? '',
      iceServers: joined.iceServers,
      keepaliveMs: joined.keepaliveMs,
      signaling: 'quic',
    },
    socket,
  };
}
