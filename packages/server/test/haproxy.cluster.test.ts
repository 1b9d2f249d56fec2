/**
 * A real HAProxy in front: clients bound to 127.0.0.2 and 127.0.0.3 connect through it, HAProxy
 * (on 127.0.0.1, the trusted proxy) opens each server connection with a PROXY header
 * (`send-proxy-v2`, `send-proxy`) or adds X-Forwarded-For (`mode http`, `option forwardfor`),
 * and the server must see each client's own address and source port. Covers the echo servers
 * (HTTP, and HTTPS passed through in TCP mode, so the header precedes the TLS handshake) and a
 * whole `peerlink serve --trusted-proxy 127.0.0.1/32 --proxy-protocol`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientAddresses, type RunningServer } from '../src/index.js';
import * as servers from './helpers/proxied-servers.js';
import { rawRequest } from './helpers/raw-http.js';

const HAVE_HAPROXY = spawnSync('haproxy', ['-v']).status === 0;
const CLIENTS = ['127.0.0.2', '127.0.0.3'];

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves once something accepts on the port; polls by connecting while `alive()`, up to `ms`. */
async function accepting(port: number, alive: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (alive()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing accepts on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('haproxy exited');
}

/** One HAProxy frontend -> backend pair; `mode http` ones add X-Forwarded-For instead. */
interface Route {
  readonly name: string;
  readonly to: number;
  readonly server: 'send-proxy-v2' | 'send-proxy' | 'forwardfor';
  port?: number;
}

function haproxyConfig(routes: readonly Route[]): string {
  const lines = [
    'global',
    '  maxconn 200',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
  ];
  for (const r of routes) {
    const http = r.server === 'forwardfor';
    lines.push(`frontend ${r.name}`, `  bind 127.0.0.1:${r.port}`, `  default_backend ${r.name}`);
    if (http) lines.push('  mode http', '  option forwardfor');
    lines.push(`backend ${r.name}`);
    if (http) lines.push('  mode http');
    lines.push(`  server s1 127.0.0.1:${r.to}${http ? '' : ` ${r.server}`}`);
  }
  return `${lines.join('\n')}\n`;
}

describe(
  'behind a real HAProxy (clients 127.0.0.2 and 127.0.0.3)',
  { skip: !HAVE_HAPROXY && 'needs haproxy' },
  () => {
    let proxied: servers.EchoServers;
    let forwarded: servers.EchoServers;
    let server: RunningServer;
    let haproxy: ChildProcess;
    let log = '';
    const routes: Route[] = [];
    const port = (name: string): number => routes.find((r) => r.name === name)?.port as number;

    before(async () => {
      const trusted = ['127.0.0.1/32'];
      proxied = await servers.echoServers(
        new ClientAddresses({ trustedProxies: trusted, proxyProtocol: true }),
      );
      forwarded = await servers.echoServers(new ClientAddresses({ trustedProxies: trusted }));
      server = await servers.startLoopbackServer({ 'trusted-proxy': trusted, 'proxy-protocol': true });
      routes.push(
        { name: 'echo_v2', to: proxied.http, server: 'send-proxy-v2' },
        { name: 'echo_v1', to: proxied.http, server: 'send-proxy' },
        { name: 'echo_tls', to: proxied.https, server: 'send-proxy-v2' },
        { name: 'echo_xff', to: forwarded.http, server: 'forwardfor' },
        { name: 'serve_http', to: servers.portOf(server, false), server: 'send-proxy-v2' },
        { name: 'serve_https', to: servers.portOf(server, true), server: 'send-proxy-v2' },
      );
      for (const r of routes) r.port = await freePort();
      const cfg = join(mkdtempSync(join(tmpdir(), 'peerlink-haproxy-')), 'haproxy.cfg');
      writeFileSync(cfg, haproxyConfig(routes));
      haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
      haproxy.stdout?.on('data', (d: Buffer) => (log += d.toString()));
      haproxy.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<never>((_, reject) =>
        haproxy.once('exit', (code) => reject(new Error(`haproxy exited ${code}: ${log}`))),
      );
      const alive = (): boolean => haproxy.exitCode === null && haproxy.signalCode === null;
      await Promise.race([Promise.all(routes.map((r) => accepting(r.port as number, alive))), exited]);
    });

    after(async () => {
      haproxy?.kill();
      proxied?.close();
      forwarded?.close();
      await server?.close();
    });

    for (const [route, tls, v] of [
      ['echo_v2', false, 'send-proxy-v2'],
      ['echo_v1', false, 'send-proxy'],
      ['echo_tls', true, 'send-proxy-v2, TLS passed through'],
    ] as const) {
      it(`the server sees each client's own address and port (${v})`, async () => {
        for (const localAddress of CLIENTS) {
          const res = await rawRequest({ port: port(route), localAddress, tls });
          assert.equal(res.status, 200, log);
          assert.equal(res.body, `${localAddress}:${res.localPort}`);
        }
      });
    }

    it('X-Forwarded-For from HAProxy in http mode names the client, with port 0; a spoofed one does not', async () => {
      for (const localAddress of CLIENTS) {
        const res = await rawRequest({ port: port('echo_xff'), localAddress });
        assert.equal(res.body, `${localAddress}:0`);
        const spoofed = await rawRequest({
          port: port('echo_xff'),
          localAddress,
          headers: { 'x-forwarded-for': '6.6.6.6' },
        });
        assert.equal(spoofed.body, `${localAddress}:0`);
      }
    });

    it('peerlink serve answers through HAProxy on HTTP and HTTPS and counts every header', async () => {
      // HAProxy may have relayed the readiness probes too: count from here on.
      const proxiedCount = async (): Promise<number> => {
        const m = await rawRequest({ port: port('serve_http'), localAddress: '127.0.0.2', path: '/metrics' });
        assert.doesNotMatch(m.body, /outcome="(invalid|too-long|timeout)"/);
        return Number(/peerlink_proxy_headers_total\{outcome="proxied"\} (\d+)/.exec(m.body)?.[1]);
      };
      const counted = await proxiedCount();
      for (const localAddress of CLIENTS) {
        for (const [route, tls] of [
          ['serve_http', false],
          ['serve_https', true],
        ] as const) {
          const res = await rawRequest({ port: port(route), localAddress, tls, path: '/status' });
          assert.equal(res.status, 200, `${route} from ${localAddress}: ${log}`);
          assert.match(res.body, /"name":"peerlink"/);
        }
      }
      assert.equal((await proxiedCount()) - counted, 5); // four /status and the second /metrics
    });

    it("each client's own address and port is the welcome's observedAddress, over ws and wss", async () => {
      const secret = server.dataDir.secrets.authSecret;
      for (const localAddress of CLIENTS) {
        for (const [route, tls] of [
          ['serve_http', false],
          ['serve_https', true],
        ] as const) {
          const w = await servers.welcomeOver({ port: port(route), tls, localAddress, secret });
          assert.equal(w.observedAddress, `${localAddress}:${w.localPort}`, route);
        }
      }
    });
  },
);
