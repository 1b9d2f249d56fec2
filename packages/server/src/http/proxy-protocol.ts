/**
 * Reads the PROXY protocol header (v1 or v2) that a trusted load balancer sends first on every
 * connection, before the HTTP parser or, for HTTPS, the TLS handshake sees a byte.
 *
 * It takes over the server's `connection` listeners. A socket whose peer is not trusted is handed
 * to them at once, untouched: no byte of it is parsed as PROXY. A socket from a trusted peer must
 * open with a complete, valid header within `timeoutMs` and `maxHeaderBytes` (HAProxy's spec: the
 * receiver must not guess whether a header comes, and aborts on anything else), or it is destroyed
 * and counted. Once the header is read, the bytes after it are put back (`unshift`) and the socket
 * goes on to the original listeners as if freshly accepted.
 *
 * Install it once per server, after the server is built and before it listens: listeners added
 * to `connection` later see sockets from trusted peers before their header is read.
 */
import type { Server, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import {
  decodeProxyHeader,
  proxiedSource,
  type ProxyHeader,
  type WireError,
  WireErrorCode,
} from '@peerlink/wire';

/** What became of a connection from a trusted peer. */
export type ProxyHeaderOutcome = 'proxied' | 'local' | 'invalid' | 'too-long' | 'timeout' | 'closed';

export interface ProxyHeaderEvent {
  readonly outcome: ProxyHeaderOutcome;
  /** The TCP peer (the load balancer), as the socket reports it. */
  readonly peer: string;
  /** Why the header was refused, for `invalid` and `too-long`. */
  readonly error?: WireError;
}

export interface ProxyProtocolOptions {
  /** Whether a socket's remote address may (and must) send a header. */
  readonly isTrusted: (remoteAddress: string) => boolean;
  /** Called with each header read, before the socket reaches the server's listeners. */
  readonly onHeader: (socket: Socket, header: ProxyHeader) => void;
  /** How long a trusted peer has to send the whole header (default 5000 ms; the spec asks >= 3 s). */
  readonly timeoutMs?: number;
  /** The longest header accepted (default 4096 bytes; HAProxy's fit in one 536-byte segment). */
  readonly maxHeaderBytes?: number;
  readonly onEvent?: (event: ProxyHeaderEvent) => void;
}

export const DEFAULT_PROXY_HEADER_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_PROXY_HEADER_BYTES = 4096;

type ConnectionListener = (this: Server, socket: Socket) => void;

export function installProxyProtocol(server: Server, options: ProxyProtocolOptions): void {
  const listeners = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  // A TLS server's listener wraps the socket in a TLSSocket, which drains the unshifted bytes and
  // reads the handle itself: resuming the raw socket would steal its bytes. An HTTP server reads
  // them through 'data' events, which a paused socket never emits.
  const resume = !(server instanceof TlsServer);
  const handOver = (socket: Socket): void => {
    for (const listener of listeners) listener.call(server, socket);
  };
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress;
    if (peer === undefined || !options.isTrusted(peer)) {
      handOver(socket);
      return;
    }
    readHeader(socket, peer, options, (header, rest) => {
      options.onHeader(socket, header);
      socket.pause();
      if (rest.length > 0) socket.unshift(rest);
      handOver(socket);
      if (resume) socket.resume();
    });
  });
}

function readHeader(
  socket: Socket,
  peer: string,
  options: ProxyProtocolOptions,
  done: (header: ProxyHeader, rest: Buffer) => void,
): void {
  const maxLength = options.maxHeaderBytes ?? DEFAULT_MAX_PROXY_HEADER_BYTES;
  let received: Buffer = Buffer.alloc(0);
  const report = (outcome: ProxyHeaderOutcome, error?: WireError): void =>
    options.onEvent?.(error === undefined ? { outcome, peer } : { outcome, peer, error });
  const stop = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.off('end', onEnd);
    socket.off('error', onError);
  };
  const refuse = (outcome: ProxyHeaderOutcome, error?: WireError): void => {
    stop();
    report(outcome, error);
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const r = decodeProxyHeader(received, { maxLength });
    if (!r.ok && r.incomplete) {
      if (received.length >= maxLength) refuse('too-long');
      return;
    }
    if (!r.ok) {
      refuse(r.error.code === WireErrorCode.ProxyTooLong ? 'too-long' : 'invalid', r.error);
      return;
    }
    stop();
    report(proxiedSource(r.header) === undefined ? 'local' : 'proxied');
    done(r.header, received.subarray(r.consumed));
  };
  const onClose = (): void => {
    stop();
    report('closed');
  };
  // HTTP servers allow half-open sockets: a peer that sends FIN mid-header gets no 'close' by itself.
  const onEnd = (): void => refuse('closed');
  // The socket closes right after an error; 'close' reports it. Without a listener it would throw.
  const onError = (): void => {};
  const timer = setTimeout(() => refuse('timeout'), options.timeoutMs ?? DEFAULT_PROXY_HEADER_TIMEOUT_MS);
  timer.unref();
  socket.on('data', onData);
  socket.on('close', onClose);
  socket.on('end', onEnd);
  socket.on('error', onError);
}
