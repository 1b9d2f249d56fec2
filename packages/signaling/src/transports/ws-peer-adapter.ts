/**
 * WebSocket adapter for the peer protocol: upgrades `path` on the given HTTP(S) servers, feeds frames
 * to the sans-IO PeerEngine with the current time, and executes the actions it returns (send, close,
 * pause, resume, authenticate). The only place in signaling that touches sockets and timers.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { TokenCheck } from '../auth/peer-token.js';
import type { PeerEngine } from '../protocols/peer/engine.js';
import type { ConnId } from '../protocols/peer/state.js';

export interface PeerWsOptions {
  readonly engine: PeerEngine;
  readonly servers: readonly { server: Server; secure: boolean }[];
  readonly path?: string;
  readonly verifyToken: (token: string) => Promise<TokenCheck>;
  readonly now?: () => number;
  /** Called with the seconds each inbound message took to handle (for a histogram). */
  readonly onHandled?: (seconds: number, kind: 'text' | 'binary') => void;
  /** Largest frame ws accepts before closing with 1009; the engine's own limit is smaller. */
  readonly maxPayload?: number;
  readonly tickMs?: number;
}

export interface PeerWsAdapter {
  /** GO_AWAY to everyone, refuse new upgrades, resolve when all are closed or the grace ends. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

function remoteOf(req: IncomingMessage): string {
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const port = req.socket.remotePort ?? 0;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

export function attachPeerWebSocket(opts: PeerWsOptions): PeerWsAdapter {
  const { engine } = opts;
  const now = opts.now ?? Date.now;
  const path = opts.path ?? '/p2p';
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? 1024 * 1024,
    perMessageDeflate: false,
  });
  const sockets = new Map<ConnId, WebSocket>();
  let accepting = true;
  let allClosed: (() => void) | undefined;

  const pump = (): void => {
    for (const a of engine.takeActions()) {
      const ws = sockets.get(a.conn);
      switch (a.type) {
        case 'send': {
          if (!ws || ws.readyState !== ws.OPEN) {
            engine.flushed(a.conn, a.data.length);
            break;
          }
          const len = a.data.length;
          ws.send(a.data, { binary: typeof a.data !== 'string' }, () => {
            engine.flushed(a.conn, len);
            pump();
          });
          break;
        }
        case 'close':
          if (ws) {
            ws.close(a.code, a.reason);
            // A peer that never answers the close handshake is cut off.
            setTimeout(() => ws.terminate(), 5000).unref();
          }
          break;
        case 'pause':
          ws?.pause();
          break;
        case 'resume':
          ws?.resume();
          break;
        case 'authenticate':
          void opts.verifyToken(a.token).then((r) => {
            engine.authResult(a.conn, r, now());
            pump();
          });
          break;
      }
    }
  };

  const onUpgrade = (secure: boolean) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!accepting) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = engine.open({ remote: remoteOf(req), host: req.headers.host, secure }, now());
      sockets.set(id, ws);
      ws.on('message', (data, isBinary) => {
        const t0 = performance.now();
        if (isBinary) engine.receiveBinary(id, toBytes(data), now());
        else engine.receiveText(id, data.toString(), now());
        opts.onHandled?.((performance.now() - t0) / 1000, isBinary ? 'binary' : 'text');
        pump();
      });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        sockets.delete(id);
        engine.closed(id, now());
        pump();
        if (sockets.size === 0) allClosed?.();
      });
      pump();
    });
  };

  const listeners = opts.servers.map(({ server, secure }) => {
    const l = onUpgrade(secure);
    server.on('upgrade', l);
    return { server, l };
  });
  const timer = setInterval(() => {
    engine.tick(now());
    pump();
  }, opts.tickMs ?? 1000);
  timer.unref();

  const close = async (): Promise<void> => {
    accepting = false;
    clearInterval(timer);
    for (const { server, l } of listeners) server.off('upgrade', l);
    for (const ws of sockets.values()) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  };

  return {
    async drain(graceMs) {
      accepting = false;
      engine.drain(now(), graceMs);
      pump();
      if (sockets.size > 0) {
        await new Promise<void>((resolve) => {
          allClosed = resolve;
          setTimeout(resolve, graceMs + 1000).unref();
        });
      }
      await close();
    },
    close,
  };
}
