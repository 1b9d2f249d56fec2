/**
 * The WebSocket carrier: upgrades the paths of mounted protocols on the given HTTP(S) servers, feeds
 * frames to the sans-IO signaling core with the current time, and executes the actions it returns
 * (send, close, pause, resume, authenticate). Generic over protocols: what a protocol needs of the
 * request (path, query, headers, the client's address, TLS) travels in ConnMeta. The only place in
 * signaling that touches WebSockets and timers.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { formatTransportAddress, unmapIpv4 } from '@peerlink/wire';
import type { SignalingCore } from '../core/signaling-core.js';
import type { AuthResult, ConnId, ConnMeta } from '../core/types.js';

export interface WsCarrierOptions {
  readonly core: SignalingCore;
  readonly servers: readonly { server: Server; secure: boolean }[];
  /** Checks a token a protocol asked about (the connection's meta says which protocol). */
  readonly verifyToken: (token: string, meta: ConnMeta) => Promise<AuthResult>;
  /** The client's address (`ip:port`); default: the socket's peer. Behind a proxy: its header. */
  readonly remoteOf?: (req: IncomingMessage) => string;
  readonly now?: () => number;
  /** Called with the seconds each inbound message took to handle (for a histogram). */
  readonly onHandled?: (seconds: number, kind: 'text' | 'binary') => void;
  /** Largest frame ws accepts before closing with 1009; the protocols' own limits are smaller. */
  readonly maxPayload?: number;
  /**
   * A frame ws itself refused, which closes the connection (ws's error code: an oversized frame is
   * WS_ERR_UNSUPPORTED_MESSAGE_LENGTH and 1009, invalid UTF-8 in a text frame WS_ERR_INVALID_UTF8 and
   * 1007, ...), by the path of the connection's protocol.
   */
  readonly onSocketError?: (path: string, code: string) => void;
  readonly tickMs?: number;
}

export interface WsCarrier {
  /** GO_AWAY to everyone, refuse new upgrades, resolve when all are closed or the grace ends. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
  /** Executes pending actions (the core's `wake` calls this). */
  pump(): void;
}

/** The socket's peer as `ip:port` (`[v6]:port`), an IPv4-mapped address unwrapped. */
export function socketRemote(req: IncomingMessage): string {
  const address = unmapIpv4(req.socket.remoteAddress ?? '');
  const family = address.includes(':') ? 6 : 4;
  return formatTransportAddress({ family, address, port: req.socket.remotePort ?? 0 });
}

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

/**
 * Write batching. ws writes each frame as a header and a payload under its own cork, one writev per
 * frame; a relay burst or a chunk of pub/sub envelopes sends many frames to one socket in one tick.
 * The first frame a socket gets in a tick corks it, and one nextTick uncorks every corked socket, so
 * all its frames of the tick leave in one writev. Cork nests, so ws's own cork/uncork stays inside
 * ours; send callbacks still fire per frame once the write is done. `PEERLINK_WS_CORK=0` (read once,
 * at load) turns it off: only for the signaling benchmark's before/after comparison.
 */
const corkWrites = process.env.PEERLINK_WS_CORK !== '0';

function createCorker(): (socket: Duplex) => void {
  const corked = new Set<Duplex>();
  const uncorkAll = (): void => {
    for (const s of corked) s.uncork();
    corked.clear();
  };
  return (socket) => {
    if (corked.has(socket)) return;
    if (corked.size === 0) process.nextTick(uncorkAll);
    socket.cork();
    corked.add(socket);
  };
}

function metaOf(req: IncomingMessage, secure: boolean, remote: string): ConnMeta {
  const url = new URL(req.url ?? '/', 'http://x');
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return {
    remote,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    url: req.url ?? '/',
    headers,
    secure,
    host: req.headers.host,
  };
}

export function attachWebSocket(opts: WsCarrierOptions): WsCarrier {
  const { core } = opts;
  const now = opts.now ?? Date.now;
  const remoteOf = opts.remoteOf ?? socketRemote;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? 1024 * 1024,
    perMessageDeflate: false,
  });
  // `socket` is the stream handed to ws.handleUpgrade: ws writes its frames to it.
  const sockets = new Map<ConnId, { ws: WebSocket; socket: Duplex; meta: ConnMeta }>();
  const cork = corkWrites ? createCorker() : undefined;
  let accepting = true;
  let allClosed: (() => void) | undefined;

  const pump = (): void => {
    for (const a of core.takeActions('ws')) {
      const s = sockets.get(a.conn);
      const ws = s?.ws;
      switch (a.type) {
        case 'send': {
          if (!ws || ws.readyState !== ws.OPEN) {
            core.flushed(a.conn, a.data.length);
            break;
          }
          const len = a.data.length;
          cork?.(s.socket);
          ws.send(a.data, { binary: typeof a.data !== 'string' }, () => {
            core.flushed(a.conn, len);
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
          if (s)
            void opts.verifyToken(a.token, s.meta).then(
              (r) => {
                core.authResult(a.conn, r, now());
                pump();
              },
              (err: unknown) => {
                core.authResult(a.conn, { ok: false, reason: (err as Error).message }, now());
                pump();
              },
            );
          break;
      }
    }
  };

  const onUpgrade = (secure: boolean) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const asked = metaOf(req, secure, remoteOf(req));
    if (!core.accepts(asked.path)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!accepting) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy()); // a client gone while we ask the protocol
    void core.admit(asked, now()).then((a) => {
      if (socket.destroyed) return;
      if (!a.ok) {
        const body = Buffer.from(a.body);
        socket.end(
          `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? 'Refused'}\r\nConnection: close\r\n` +
            `Content-Type: ${a.contentType ?? 'text/plain; charset=utf-8'}\r\nContent-Length: ${body.length}\r\n\r\n${a.body}`,
        );
        return;
      }
      const meta = a.identity === undefined ? asked : { ...asked, identity: a.identity };
      upgrade(req, socket, head, meta);
    });
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, meta: ConnMeta): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = core.open(meta, now());
      if (id === undefined) return ws.terminate();
      sockets.set(id, { ws, socket, meta });
      ws.on('message', (data, isBinary) => {
        const t0 = performance.now();
        if (isBinary) core.receiveBinary(id, toBytes(data), now());
        else core.receiveText(id, data.toString(), now());
        opts.onHandled?.((performance.now() - t0) / 1000, isBinary ? 'binary' : 'text');
        pump();
      });
      ws.on('error', (err: Error & { code?: string }) => {
        opts.onSocketError?.(meta.path, err.code ?? 'unknown');
        // ws is already closing with the status that says why (1009, 1007, ...): let that close frame
        // reach the client, then cut off a peer that never answers it.
        if (ws.readyState === ws.CLOSING) setTimeout(() => ws.terminate(), 5000).unref();
        else ws.terminate();
      });
      ws.on('close', () => {
        sockets.delete(id);
        core.closed(id, now());
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
    core.tick(now());
    pump();
  }, opts.tickMs ?? 1000);
  timer.unref();

  const close = async (): Promise<void> => {
    accepting = false;
    clearInterval(timer);
    for (const { server, l } of listeners) server.off('upgrade', l);
    for (const { ws } of sockets.values()) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  };

  return {
    pump,
    async drain(graceMs) {
      accepting = false;
      core.drain(now(), graceMs);
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
