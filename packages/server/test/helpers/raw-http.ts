/**
 * A one-request HTTP(S) client over a raw TCP socket, for tests that speak before HTTP does:
 * it can bind a source address and write bytes (a PROXY header, garbage) before the request
 * or the TLS handshake. It never throws: a connection the server drops answers `status: 0`.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawRequest {
  readonly port: number;
  readonly host?: string;
  /** Source address to bind, e.g. 127.0.0.2 to play an untrusted client. */
  readonly localAddress?: string;
  /** Bytes written first, on the TCP connection. */
  readonly prefix?: Uint8Array;
  /** Write the prefix and the request (plain HTTP only) in one segment. */
  readonly together?: boolean;
  readonly tls?: boolean;
  /** Send nothing after the prefix, and wait for the server to close (default false). */
  readonly stall?: boolean;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RawResponse {
  /** 0 when the server closed or reset the connection without an answer. */
  readonly status: number;
  readonly body: string;
  /** The source port the client used (what a PROXY-less server sees). */
  readonly localPort: number;
}

export async function rawRequest(r: RawRequest): Promise<RawResponse> {
  const tcp = connect({
    port: r.port,
    host: r.host ?? '127.0.0.1',
    ...(r.localAddress !== undefined ? { localAddress: r.localAddress } : {}),
  });
  tcp.on('error', () => {});
  await once(tcp, 'connect');
  const localPort = tcp.localPort ?? 0;
  const headers = Object.entries({ host: 'test', connection: 'close', ...r.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const request = Buffer.from(`GET ${r.path ?? '/'} HTTP/1.1\r\n${headers}\r\n`);
  const prefix = Buffer.from(r.prefix ?? new Uint8Array(0));
  let stream: Socket = tcp;
  if (r.stall === true) {
    tcp.write(prefix);
    await closed(tcp);
    return { status: 0, body: '', localPort };
  }
  if (r.together === true && r.tls !== true) {
    tcp.write(Buffer.concat([prefix, request]));
  } else {
    if (prefix.length > 0) tcp.write(prefix);
    if (r.tls === true) {
      stream = tlsConnect({ socket: tcp, rejectUnauthorized: false, servername: 'localhost' });
      stream.on('error', () => {});
      const secure = new Promise<true>((resolve) => stream.once('secureConnect', () => resolve(true)));
      const ok = await Promise.race([secure, closed(stream)]);
      if (!ok) return { status: 0, body: '', localPort };
    }
    stream.write(request);
  }
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await closed(stream);
  const text = Buffer.concat(chunks).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  const split = text.indexOf('\r\n\r\n');
  return { status: m ? Number(m[1]) : 0, body: split < 0 ? '' : text.slice(split + 4), localPort };
}

/** Resolves false once the socket has closed, however it ended. */
function closed(s: Socket): Promise<false> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve(false);
    else s.once('close', () => resolve(false));
  });
}
