/**
 * One KVS signaling WebSocket (the adapter): opens the presigned URL, decodes every text frame with
 * decodeKvsEvent and hands good events to `onEvent`; anything else is a counted drop reported to
 * `onRefused`, never a throw. Sends actions as the JS SDK does.
 */
import WebSocket from 'ws';
import { WebRtcError, WebRtcErrorCode } from '../errors.js';
import {
  decodeKvsEvent,
  encodeKvsAction,
  MAX_EVENT_LENGTH,
  type KvsAction,
  type KvsEvent,
} from './events.js';

export interface KvsSocketHandlers {
  onEvent(e: KvsEvent): void;
  onRefused(e: WebRtcError): void;
  onClose(code: number, reason: string): void;
}

/** A KVS signaling connection, whatever carries it (this WebSocket, or QUIC: quic-signaling-socket.ts). */
export interface KvsSocket {
  /** Frames refused so far (not JSON, not a KVS event, binary). */
  readonly dropped: number;
  send(action: KvsAction, payload: unknown, recipientClientId?: string): void;
  close(): void;
}

export class KvsSignalingSocket implements KvsSocket {
  readonly #ws: WebSocket;
  #dropped = 0;

  private constructor(ws: WebSocket, h: KvsSocketHandlers) {
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const d = isBinary ? undefined : decodeKvsEvent(data.toString('utf8'));
      if (d?.ok === true) return h.onEvent(d.value);
      this.#dropped++;
      h.onRefused(
        d?.error ?? new WebRtcError(WebRtcErrorCode.FrameInvalid, 'KVS event: a binary frame', 'frame'),
      );
    });
    ws.on('close', (code, reason) => h.onClose(code, reason.toString()));
    ws.on('error', () => {}); // 'close' follows every error
  }

  /** Opens `url` (presigned); rejects with WEBRTC_CONNECT_FAILED and the HTTP status on a refusal. */
  static open(url: string, h: KvsSocketHandlers, ca?: string | Buffer): Promise<KvsSignalingSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: MAX_EVENT_LENGTH, ...(ca !== undefined ? { ca } : {}) });
      const refused = (why: string): void =>
        reject(new WebRtcError(WebRtcErrorCode.ConnectFailed, `KVS WebSocket ${new URL(url).host}: ${why}`));
      ws.once('unexpected-response', (_req, res) => {
        refused(`HTTP ${res.statusCode ?? 0}`);
        res.resume();
        ws.terminate();
      });
      ws.once('error', (e) => refused(e.message));
      ws.once('open', () => {
        ws.removeAllListeners('error');
        resolve(new KvsSignalingSocket(ws, h));
      });
    });
  }

  /** Frames refused so far (not JSON, not a KVS event, binary). */
  get dropped(): number {
    return this.#dropped;
  }

  send(action: KvsAction, payload: unknown, recipientClientId?: string): void {
    if (this.#ws.readyState === WebSocket.OPEN)
      this.#ws.send(encodeKvsAction(action, payload, recipientClientId));
  }

  close(): void {
    this.#ws.close(1000);
  }
}
