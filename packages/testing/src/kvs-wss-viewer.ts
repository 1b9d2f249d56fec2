// A KVS viewer over WSS for tests that pair it with a QUIC master (the C client, a Node client):
// opens the /kvs WebSocket with a presigned URL, and plays one viewer's side of an exchange (an
// offer and a candidate out, the master's answer and candidate back).
import WebSocket from 'ws';
import { kvsPresign } from './kvs-presign.js';

export interface KvsWssViewerOptions {
  /** The server's https URL (https://host:port). */
  readonly httpsUrl: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly region: string;
  readonly channelArn: string;
  readonly clientId: string;
}

export function openKvsWssViewer(o: KvsWssViewerOptions): Promise<WebSocket> {
  const url = kvsPresign({
    endpoint: `${o.httpsUrl.replace(/^https/, 'wss')}/kvs`,
    accessKeyId: o.accessKeyId,
    secret: o.secret,
    region: o.region,
    query: { 'X-Amz-ChannelARN': o.channelArn, 'X-Amz-ClientId': o.clientId },
  });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

/** The viewer offers and sends a candidate; resolves with the master's answer and candidate. */
export async function kvsExchange(viewer: WebSocket): Promise<Record<string, unknown>[]> {
  const got: Record<string, unknown>[] = [];
  const two = new Promise<void>((resolve) =>
    viewer.on('message', (d: Buffer) => {
      got.push(JSON.parse(d.toString()) as Record<string, unknown>);
      if (got.length === 2) resolve();
    }),
  );
  viewer.send(
    JSON.stringify({ action: 'SDP_OFFER', messagePayload: b64({ type: 'offer', sdp: 'v=0\r\n' }) }),
  );
  const candidate = {
    candidate: 'candidate:1 1 udp 1 192.0.2.30 4000 typ host',
    sdpMid: '0',
    sdpMLineIndex: 0,
  };
  viewer.send(JSON.stringify({ action: 'ICE_CANDIDATE', messagePayload: b64(candidate) }));
  await two;
  return got;
}
