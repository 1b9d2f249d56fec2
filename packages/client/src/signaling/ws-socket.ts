/** The peer protocol on a WebSocket (`/p2p`): text and binary frames as they are. */
import WebSocket from 'ws';
import type { SignalingSocket, SignalingSocketOptions } from './socket.js';

export function openWsSocket(url: string, o: SignalingSocketOptions): SignalingSocket {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    rejectUnauthorized: !o.insecureTls,
    ...(o.ca !== undefined ? { ca: typeof o.ca === 'string' ? o.ca : [...o.ca] } : {}),
    handshakeTimeout: o.connectTimeoutMs ?? 10_000,
  });
  const s: SignalingSocket = {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    droppedFrames: 0,
    sendText: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    sendBinary: (bytes) => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(bytes);
      return true;
    },
    close: (code, reason) => ws.close(code, reason),
    onOpen: () => {},
    onText: () => {},
    onBinary: () => {},
    onError: () => {},
    onClose: () => {},
  };
  ws.on('open', () => s.onOpen());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) s.onBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else s.onText(data.toString());
  });
  ws.on('error', (err) => s.onError(err));
  ws.on('close', (code, reason) => s.onClose(code, reason.toString()));
  return s;
}
