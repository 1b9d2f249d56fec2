/**
 * Node adapter for the STUN Binding engine: UDP sockets and TCP listeners. One UDP socket per
 * (address, port) the server answers from, because Node cannot read a datagram's destination address
 * (RFC 5780 needs to know which of the four endpoints a request reached). Thin by design: all protocol
 * decisions are in ../engine/binding.ts.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { isChannelData, type TransportAddress } from '@peerlink/wire';
import {
  BindingServer,
  type BindingOutcome,
  type SocketRole,
  type StunTransport,
} from '../engine/binding.js';
import { StreamFramer } from './stream-framer.js';
import { UdpClient, type UdpPort } from './udp-client.js';
import { createUdpSocket } from './udp-socket.js';

export type StunEvent =
  | { type: 'request'; transport: StunTransport }
  | { type: 'response'; transport: StunTransport; cls: 'success' | 'error' }
  | { type: 'drop'; transport: StunTransport; reason: string }
  | { type: 'socket-error'; error: Error };

export interface StunListenerOptions {
  /** Address for the primary sockets; may be a wildcard when there is no alternate. */
  readonly address: string;
  readonly port: number;
  /** RFC 5780: the second address and port. Both are needed for full behaviour discovery. */
  readonly alternate?: { readonly address: string; readonly port: number } | undefined;
  readonly software?: string | undefined;
  readonly onEvent?: (e: StunEvent) => void;
  /** Most TCP connections at once; more are refused. */
  readonly maxTcpConnections?: number;
  /** Takes what is not STUN Binding (TURN requests, indications, ChannelData): see turn-relays.ts. */
  readonly turn?: TurnHook | undefined;
  /** TURN over TLS (RFC 8656 §3.1): a listener on this port with this certificate. */
  readonly tls?: { readonly port: number; readonly cert: string; readonly key: string } | undefined;
  /**
   * SO_RCVBUF and SO_SNDBUF of the UDP sockets, in bytes. Default 4 MiB: every TURN client shares
   * the one UDP socket, and a burst from many clients overflows Linux's 208 KiB default while the
   * event loop is busy (docs/turn.md, "Under load"). The kernel caps it at net.core.rmem_max.
   */
  readonly udpBufferBytes?: number;
  /**
   * Most UDP TURN clients with a socket of their own (udp-client.ts); beyond, they share the port's.
   * Default 4096 (each costs a file descriptor, on top of its relay's).
   */
  readonly maxClientSockets?: number;
}

/** See {@link StunListenerOptions.udpBufferBytes}. */
export const DEFAULT_UDP_BUFFER_BYTES = 4 << 20;

/** How the TURN adapter answers a client, and takes over its connection for RFC 6062 data. */
export interface ClientHandle {
  send(bytes: Uint8Array): void;
  /**
   * TCP/TLS only: stop framing STUN and hand over the socket. Bytes that arrived after the frame
   * being handled are put back into the socket's stream, so the new owner reads them first.
   */
  detach?(): Socket;
  /** UDP only: the client holds an allocation now; give it a socket of its own if possible. */
  dedicate?(): void;
  /** UDP only: its allocation ended; close that socket. */
  release?(): void;
  /**
   * UDP only, native data path (native-data-path.ts): give the client its own socket through
   * `attach`, which binds and connects it in the addon and returns 0 or an errno.
   */
  dedicateNative?(attach: (local: UdpEndpoint, client: UdpEndpoint) => number): void;
  /** UDP only, native data path: a datagram of its own socket that the addon did not relay. */
  receiveNative?(msg: Buffer, address: string, port: number): void;
}

/** An address and port as a socket names them. */
export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** One client as the TURN engine sees it: its 5-tuple key and a way to answer it. */
export interface HookClient {
  readonly key: string;
  readonly from: TransportAddress;
  readonly transport: StunTransport;
  readonly handle: ClientHandle;
}

export interface TurnHook {
  handle(bytes: Uint8Array, client: HookClient): void;
  /** ChannelData from a client object the listener keeps (its own socket's): the data path. */
  channelData?(bytes: Uint8Array, client: HookClient): void;
  /** A TCP or TLS client went away. */
  closed(key: string): void;
}

export interface StunListeners {
  /** The endpoints actually bound (ports resolved when 0 was asked). */
  readonly primary: TransportAddress;
  readonly alternate: TransportAddress | undefined;
  readonly engine: BindingServer;
  /** The TLS listener's endpoint, when `tls` was given. */
  readonly tls: TransportAddress | undefined;
  /** UDP TURN clients with a socket of their own now (udp-client.ts). */
  clientSockets(): number;
  close(): Promise<void>;
}

const key = (r: SocketRole): string => `${r.ip}/${r.port}`;
const fam = (a: string): 4 | 6 => (a.includes(':') ? 6 : 4);

function bindUdpSocket(address: string, port: number, bufferBytes: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    // SO_REUSEPORT so that TURN clients' own sockets can share the port (udp-client.ts). Only
    // sockets of the same user may join; the TCP listener on the same port stays exclusive, so a
    // second server on this port still fails to start.
    const s = createUdpSocket(fam(address), bufferBytes, { reusePort: true });
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

function listenTcp(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Binds the STUN/TURN listeners. With an ephemeral port (0, as tests ask) UDP picks the number first
 * and TCP/TLS then take the same one, which another process may hold by chance: that race is retried
 * with a fresh number rather than failed.
 */
export async function startStunListeners(opts: StunListenerOptions): Promise<StunListeners> {
  for (let tries = 1; ; tries++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (opts.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries >= 8) throw err;
    }
  }
}

async function startOnce(opts: StunListenerOptions): Promise<StunListeners> {
  const emit = opts.onEvent ?? (() => {});
  const udp = new Map<string, UdpSocket>();
  const tcpServers: Server[] = [];
  const connections = new Set<Socket>();
  const bufferBytes = opts.udpBufferBytes ?? DEFAULT_UDP_BUFFER_BYTES;
  const bindUdp = (address: string, port: number): Promise<UdpSocket> =>
    bindUdpSocket(address, port, bufferBytes);
  try {
    const pp = await bindUdp(opts.address, opts.port);
    udp.set(key({ ip: 'primary', port: 'primary' }), pp);
    const primaryPort = pp.address().port;
    let alternate: { address: string; port: number } | undefined;
    if (opts.alternate) {
      const pa = await bindUdp(opts.address, opts.alternate.port);
      const altPort = pa.address().port;
      udp.set(key({ ip: 'primary', port: 'alternate' }), pa);
      udp.set(key({ ip: 'alternate', port: 'primary' }), await bindUdp(opts.alternate.address, primaryPort));
      udp.set(key({ ip: 'alternate', port: 'alternate' }), await bindUdp(opts.alternate.address, altPort));
      alternate = { address: opts.alternate.address, port: altPort };
    }
    const engine = new BindingServer({
      primary: { address: opts.address, port: primaryPort },
      alternate,
      software: opts.software,
    });

    const deliver = (
      out: BindingOutcome,
      transport: StunTransport,
      send: (o: BindingOutcome & { kind: 'reply' }) => void,
    ): void => {
      if (out.kind === 'drop') emit({ type: 'drop', transport, reason: out.reason });
      else if (out.kind === 'not-binding') emit({ type: 'drop', transport, reason: 'unsupported-method' });
      else {
        emit({ type: 'request', transport });
        const cls = ((out.bytes[0] as number) & 0x01) !== 0 ? 'error' : 'success';
        emit({ type: 'response', transport, cls });
        send(out);
      }
    };

    const owned = new Set<UdpSocket>();
    const ownedNative = new Set<UdpClient>();
    for (const [k, sock] of udp) {
      const [ip, port] = k.split('/') as ['primary' | 'alternate', 'primary' | 'alternate'];
      const via: SocketRole = { ip, port };
      sock.on('error', (error) => emit({ type: 'socket-error', error }));
      const udpPort: UdpPort = {
        sock,
        key: k,
        // One callback for every send on this socket, rather than a closure per datagram.
        onSent: (err) => {
          if (err) emit({ type: 'drop', transport: 'udp', reason: 'send-failed' });
        },
        onMessage: (msg, rinfo) => {
          const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
          // The data path: no Binding decode, and a handle without closures (udp-client.ts).
          if (opts.turn && isChannelData(bytes))
            return opts.turn.handle(bytes, new UdpClient(udpPort, rinfo));
          const from: TransportAddress = {
            family: rinfo.family === 'IPv6' ? 6 : 4,
            address: rinfo.address,
            port: rinfo.port,
          };
          const out = engine.handle(bytes, { from, via, transport: 'udp' });
          if (opts.turn && out.kind === 'not-binding') {
            return opts.turn.handle(bytes, new UdpClient(udpPort, rinfo));
          }
          deliver(out, 'udp', (out) => {
            udp.get(key(out.via))?.send(out.bytes, out.to.port, out.to.address, udpPort.onSent);
          });
        },
        onChannelData: opts.turn?.channelData?.bind(opts.turn),
        owned,
        ownedNative,
        maxOwned: opts.maxClientSockets ?? 4096,
        bufferBytes: 1 << 20,
      };
      sock.on('message', udpPort.onMessage);
    }

    const onConnection = (conn: Socket, transport: 'tcp' | 'tls'): void => {
      if (connections.size >= (opts.maxTcpConnections ?? 10_000)) {
        emit({ type: 'drop', transport, reason: 'too-many-connections' });
        conn.destroy();
        return;
      }
      if (conn.remoteAddress === undefined || conn.remotePort === undefined) {
        conn.destroy(); // already gone: nothing to answer
        return;
      }
      connections.add(conn);
      const from: TransportAddress = {
        family: conn.remoteFamily === 'IPv6' ? 6 : 4,
        address: conn.remoteAddress,
        port: conn.remotePort,
      };
      const framer = new StreamFramer();
      let detached = false;
      const onData = (chunk: Buffer): void => {
        const { frames, error } = framer.push(
          new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
        for (const [i, f] of frames.entries()) {
          if (opts.turn && isChannelData(f)) {
            opts.turn.handle(f, turnClient);
            continue;
          }
          const out = engine.handle(f, { from, via: { ip: 'primary', port: 'primary' }, transport });
          if (opts.turn && out.kind === 'not-binding') opts.turn.handle(f, turnClient);
          else deliver(out, transport, (o) => turnClient.handle.send(o.bytes));
          if (detached) {
            const rest = [...frames.slice(i + 1), framer.takeRest()].filter((b) => b.length > 0);
            if (rest.length > 0) conn.unshift(Buffer.concat(rest));
            return;
          }
        }
        if (error) {
          emit({ type: 'drop', transport, reason: `stream-${error}` });
          conn.destroy();
        }
      };
      const turnClient: HookClient = {
        key: `${transport}|${from.address}|${from.port}`,
        from,
        transport,
        handle: {
          send: (out) => {
            if (!conn.destroyed) conn.write(out);
          },
          detach: () => {
            detached = true;
            conn.off('data', onData);
            conn.setTimeout(0);
            return conn;
          },
        },
      };
      conn.setTimeout(10 * 60_000, () => conn.destroy());
      conn.on('close', () => {
        connections.delete(conn);
        opts.turn?.closed(turnClient.key);
      });
      conn.on('error', () => conn.destroy());
      conn.on('data', onData);
    };
    const tcp = createServer({ noDelay: true }, (conn) => onConnection(conn, 'tcp'));
    tcp.on('error', (error) => emit({ type: 'socket-error', error }));
    await listenTcp(tcp, opts.address, primaryPort);
    tcpServers.push(tcp);
    let tlsEndpoint: TransportAddress | undefined;
    if (opts.tls) {
      const tls = createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, (conn) => {
        conn.setNoDelay(true);
        oneRecordPerMessage(conn);
        onConnection(conn, 'tls');
      });
      tls.on('error', (error) => emit({ type: 'socket-error', error }));
      tls.on('tlsClientError', () => emit({ type: 'drop', transport: 'tls', reason: 'tls-handshake' }));
      await listenTcp(tls, opts.address, opts.tls.port);
      tcpServers.push(tls);
      const addr = tls.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.tls.port;
      tlsEndpoint = { family: fam(opts.address), address: opts.address, port };
    }

    return {
      primary: { family: fam(opts.address), address: opts.address, port: primaryPort },
      alternate: alternate && {
        family: fam(alternate.address),
        address: alternate.address,
        port: alternate.port,
      },
      engine,
      tls: tlsEndpoint,
      clientSockets: () => owned.size + ownedNative.size,
      close: async () => {
        for (const c of connections) c.destroy();
        await Promise.all([
          ...[...owned].map((s) => new Promise<void>((r) => s.close(() => r()))),
          ...[...udp.values()].map((s) => new Promise<void>((r) => s.close(() => r()))),
          ...tcpServers.map((s) => new Promise<void>((r) => s.close(() => r()))),
        ]);
      },
    };
  } catch (err) {
    for (const s of udp.values()) s.close();
    for (const s of tcpServers) s.close();
    throw err;
  }
}

/**
 * Each message the server writes on a TLS connection goes in a TLS record of its own, as coturn
 * writes them (one SSL_write each). Some clients take one record for one message: turnutils_uclient
 * reads a TLS connection with one SSL_read per message, so a second message in the same record is
 * lost to it. Node's stream hands the writes queued behind a pending one to `_writev`, and TLS seals
 * that batch as one record; without `_writev` the stream writes, and TLS seals, each on its own.
 * Over TCP, which has no records, batching stays (every TCP client frames the stream itself).
 */
export function oneRecordPerMessage(conn: TLSSocket): void {
  (conn as unknown as { _writev: unknown })._writev = null;
}
