/**
 * Joining a KVS channel as a master or a viewer: the control plane (resolveChannel), then the
 * presigned WebSocket. Shared by createKvsMaster and createKvsViewer.
 */
import type { ResolvedChannel, KvsTarget } from './control.js';
import { resolveChannel } from './control.js';
import { presignKvsUrl } from './presign.js';
import { KvsSignalingSocket, type KvsSocketHandlers } from './signaling-socket.js';

export const DEFAULT_REGION = 'us-west-2';

export async function joinChannel(
  t: KvsTarget,
  role: 'MASTER' | 'VIEWER',
  clientId: string,
  handlers: KvsSocketHandlers,
): Promise<{ channel: ResolvedChannel; socket: KvsSignalingSocket }> {
  const channel = await resolveChannel(t, role, clientId);
  const url = await presignKvsUrl({
    wss: channel.wss,
    channelArn: channel.arn,
    ...(role === 'VIEWER' ? { clientId } : {}),
    region: t.region ?? DEFAULT_REGION,
    credentials: t.credentials,
  });
  const socket = await KvsSignalingSocket.open(url, handlers, t.ca);
  return { channel, socket };
}
