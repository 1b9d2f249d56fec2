// A KVS client socket for the server's tests: opened on a presigned /kvs URL, it resolves with the
// socket once upgraded, or with the HTTP refusal the server gave instead (status and AWS-shaped body).
import WebSocket, { type ClientOptions } from 'ws';

export type Refusal = { status: number; body: string };

export function openKvsSocket(url: string, options: ClientOptions = {}): Promise<WebSocket | Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

/** The next frame the socket receives, parsed. */
export const nextFrame = (ws: WebSocket): Promise<Record<string, unknown>> =>
  new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))));
