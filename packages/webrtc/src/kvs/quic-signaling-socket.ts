/**
 * KVS signaling over peerlink's QUIC carrier (docs/quic-signaling.md), the adapter beside the
 * WebSocket one: the SDK's QUIC socket (@peerlink/client's openQuicSocket: TLS, framing, the one
 * stream) opened with a KVS JOIN; after JOINED every text frame is a KVS event exactly as on the
 * WebSocket, decoded with decodeKvsEvent and handed to `onEvent`. Anything else (a frame that is no
 * KVS event, a binary frame) is a counted drop reported to `onRefused`, never a throw.
 */
import { openQuicSocket, type QuicSignalingSocket } from '@peerlink/client';
import { WebRtcError, WebRtcErrorCode } from '../errors.js';
import { decodeKvsEvent, encodeKvsAction, type KvsAction } from './events.js';
import { readJoinAnswer, type KvsJoined } from './quic-join.js';
import type { KvsSocket, KvsSocketHandlers } from './signaling-socket.js';

export class KvsQuicSocket implements KvsSocket {
  readonly #s: QuicSignalingSocket;
  #dropped = 0;

  private constructor(s: QuicSignalingSocket) {
    this.#s = s;
  }

  /**
   * Connects to `host:port`, sends `join` and waits for the answer: JOINED resolves (with its
   * channel ARN, ICE servers and keepalive), JOIN_ERROR rejects with WEBRTC_JOIN_REFUSED, a failed
   * connection (untrusted certificate, no answer) with WEBRTC_CONNECT_FAILED.
   */
  static open(
    at: { readonly host: string; readonly port: number },
    join: Readonly<Record<string, unknown>>,
    h: KvsSocketHandlers,
    ca?: string | Buffer,
  ): Promise<{ socket: KvsQuicSocket; joined: KvsJoined }> {
    return new Promise((resolve, reject) => {
      const s = openQuicSocket(at.host, at.port, {
        join,
        ...(ca !== undefined ? { ca: ca.toString() } : {}),
      });
      const socket = new KvsQuicSocket(s);
      let settled = false;
      let joined = false;
      const refuse = (e: WebRtcError): void => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      s.onOpen = () => {
        const r = readJoinAnswer(s.joinAnswer);
        if (!r.ok) {
          s.close(1002, r.error.message);
          return refuse(r.error);
        }
        settled = joined = true;
        resolve({ socket, joined: r.value });
      };
      s.onError = (err) => {
        const r = readJoinAnswer(s.joinAnswer);
        refuse(
          !r.ok && r.error.code === WebRtcErrorCode.JoinRefused
            ? r.error
            : new WebRtcError(
                WebRtcErrorCode.ConnectFailed,
                `KVS QUIC signaling ${at.host}:${at.port}: ${err.message}`,
              ),
        );
      };
      s.onText = (text) => {
        const d = decodeKvsEvent(text);
        if (d.ok) return h.onEvent(d.value);
        socket.#dropped++;
        h.onRefused(d.error);
      };
      s.onBinary = () => {
        socket.#dropped++;
        h.onRefused(new WebRtcError(WebRtcErrorCode.FrameInvalid, 'KVS event: a binary frame', 'frame'));
      };
      s.onClose = (code, reason) => {
        if (joined) return h.onClose(code, reason);
        refuse(
          new WebRtcError(
            WebRtcErrorCode.ConnectFailed,
            `KVS QUIC signaling ${at.host}:${at.port}: closed before JOINED (${code} ${reason})`,
          ),
        );
      };
    });
  }

  get dropped(): number {
    return this.#dropped;
  }

  send(action: KvsAction, payload: unknown, recipientClientId?: string): void {
    this.#s.sendText(encodeKvsAction(action, payload, recipientClientId));
  }

  close(): void {
    this.#s.close(1000, 'closed');
  }
}
