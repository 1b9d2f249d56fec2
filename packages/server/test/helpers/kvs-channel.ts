// A KVS signaling channel written straight into a running server's durable records, as the control
// plane would (tests that are about signaling, not about CreateSignalingChannel).
import { formatChannelArn, type VersionedRecord } from '@peerlink/signaling';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/index.js';
import { openKvsSocket, type Refusal } from './kvs-socket.js';

export const KVS_REGION = 'us-west-2';

/** Creates channel `name` with `tags` (created at `created`) and returns its ARN. */
export async function putKvsChannel(
  server: RunningServer,
  name: string,
  tags: Record<string, string> = {},
  created = 1700000000000,
): Promise<string> {
  const arn = formatChannelArn({ region: KVS_REGION, account: '123456789012', name, created });
  await server.backend.durable.put(`kvs/channel/${name}`, {
    v: 1,
    name,
    arn,
    type: 'SINGLE_MASTER',
    status: 'ACTIVE',
    created,
    version: '1',
    messageTtlSeconds: 60,
    tags,
  } as VersionedRecord);
  return arn;
}

/** Opens a socket (the development certificate accepted); resolves with it once open, or with the refusal. */
export const openOrRefused = (url: string): Promise<WebSocket | Refusal> =>
  openKvsSocket(url, { rejectUnauthorized: false });
