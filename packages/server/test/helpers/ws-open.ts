// Waits for a client WebSocket to open, or for the HTTP refusal the server answered its upgrade with.
import WebSocket from 'ws';

export interface Refusal {
  readonly status: number;
  readonly body: string;
}

export function openedOrRefused(ws: WebSocket): Promise<WebSocket | Refusal> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}
