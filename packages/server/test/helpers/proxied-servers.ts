/**
 * Servers for the client-address tests: a bare HTTP + HTTPS pair that answers every request with
 * `clientAddressOf(req)`, and a whole peerlink server on loopback with ephemeral ports.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
  const ephemeral = { 'http-port': 0, 'https-port': 0, 'stun-port': 0 };
  const config = loadServeConfig({
    flags: { 'data-dir': dataDir, host: '127.0.0.1', ...ephemeral, ...flags },
    env: {},
  });
  return startServer(config, { logger: pino({ level: 'silent' }) });
}

/** The HTTP or HTTPS port of a running server. */
export const portOf = (server: RunningServer, tls: boolean): number =>
  Number(new URL(tls ? server.httpsUrl : server.httpUrl).port);
