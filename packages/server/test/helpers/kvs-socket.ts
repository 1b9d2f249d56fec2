// A KVS client socket for the server's tests: opened on a presigned /kvs URL, it resolves with the
// socket once upgraded, or with the HTTP refusal the server gave instead (status and AWS-shaped body).
import WebSocket, { type ClientOptions } from 'ws';
import { openedOrRefused, type Refusal } from './ws-open.js';

export type { Refusal };

export const openKvsSocket = (url: string, options: ClientOptions = {}): Promise<WebSocket | Refusal> =>
  openedOrRefused(new WebSocket(url, options));

/** The next frame the socket receives, parsed. */
export const nextFrame = (ws: WebSocket): Promise<Record<string, unknown>> =>
  new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))));
