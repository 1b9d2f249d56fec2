/**
 * Servers for the client-address tests: a bare HTTP + HTTPS pair that answers every request with
 * `clientAddressOf(req)`, a whole peerlink server on loopback with ephemeral ports, and a peer that
 * registers on it over a raw socket to read the welcome's `observedAddress`.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import { mintPeerToken } from '@peerlink/signaling';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  loadServeConfig,
  openDataDir,
  startServer,
  type ClientAddresses,
  type RawValue,
  type RunningServer,
} from '../../src/index.js';

export interface EchoServers {
  readonly http: number;
  readonly https: number;
  close(): void;
}

/** An HTTP and an HTTPS server on 127.0.0.1 that answer each request with its client's address. */
export async function echoServers(addresses: ClientAddresses): Promise<EchoServers> {
  const tls = await openDataDir(mkdtempSync(join(tmpdir(), 'peerlink-echo-'))).tls({});
  const servers: Server[] = [createHttpServer(), createHttpsServer({ cert: tls.cert, key: tls.key })];
  const ports: number[] = [];
  for (const s of servers) {
    s.on('request', (req, res) => res.end(addresses.clientAddressOf(req)));
    addresses.install(s);
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    ports.push((s.address() as AddressInfo).port);
  }
  return {
    http: ports[0] as number,
    https: ports[1] as number,
    close: () => servers.forEach((s) => (s.close(), s.closeAllConnections())),
  };
}

/** `peerlink serve` on 127.0.0.1 with ephemeral ports, a fresh data dir and `flags` on top. */
export function startLoopbackServer(flags: Record<string, RawValue>): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-lb-'));
  const ephemeral = { 'http-port': 0, 'https-port': 0, 'stun-port': 0, 'admin-listen': '127.0.0.1:0' };
  const config = loadServeConfig({
    flags: { 'data-dir': dataDir, host: '127.0.0.1', ...ephemeral, ...flags },
    env: {},
  });
  return startServer(config, { logger: pino({ level: 'silent' }) });
}

/** The HTTP or HTTPS port of a running server. */
export const portOf = (server: RunningServer, tls: boolean): number =>
  Number(new URL(tls ? server.httpsUrl : server.httpUrl).port);

export interface WelcomeOptions {
  readonly port: number;
  readonly tls: boolean;
  /** Bytes written on the TCP connection before the WebSocket handshake (a PROXY header). */
  readonly prefix?: Uint8Array;
  readonly localAddress?: string;
  /** The server's auth secret, to mint the token. */
  readonly secret: string;
}

let registered = 0;

/** Registers a peer on /p2p and answers the welcome's `observedAddress` and the client's source port. */
export async function welcomeOver(
  o: WelcomeOptions,
): Promise<{ observedAddress: unknown; localPort: number }> {
  let raw: Socket | undefined;
  const ws = new WebSocket(`${o.tls ? 'wss' : 'ws'}://127.0.0.1:${o.port}/p2p`, {
    createConnection: () => {
      raw = connect({
        port: o.port,
        host: '127.0.0.1',
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
      });
      if (o.prefix !== undefined) raw.write(o.prefix);
      return o.tls ? tlsConnect({ socket: raw, rejectUnauthorized: false }) : raw;
    },
  });
  try {
    await once(ws, 'open');
    const id = `peer-${++registered}`;
    const token = await mintPeerToken({ secret: o.secret, id, ttlSeconds: 60 });
    ws.send(JSON.stringify({ type: 'register', id, token }));
    const [data] = (await once(ws, 'message')) as [Buffer];
    const welcome = JSON.parse(data.toString()) as { observedAddress?: unknown };
    return { observedAddress: welcome.observedAddress, localPort: raw?.localPort ?? 0 };
  } finally {
    ws.close();
  }
}
