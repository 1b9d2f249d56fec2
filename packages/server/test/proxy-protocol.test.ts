/**
 * PROXY protocol on real sockets, HTTP and HTTPS: a trusted peer's header names the client (and
 * comes before the TLS handshake), an untrusted peer's is never parsed, hostile headers from a
 * trusted peer close the connection and are counted, and the server keeps serving.
 * Clients bind 127.0.0.2 to play an untrusted host next to the trusted 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeProxyV1, encodeProxyV2, PROXY_V2_SIGNATURE, type ProxyHeader } from '@peerlink/wire';
import { ClientAddresses, type ProxyHeaderEvent, type RunningServer } from '../src/index.js';
import {
  echoServers,
  portOf,
  startLoopbackServer,
  welcomeOver,
  type EchoServers,
} from './helpers/proxied-servers.js';
import { rawRequest, type RawRequest } from './helpers/raw-http.js';

const CLIENT = { family: 4 as const, address: '203.0.113.7', port: 4242 };
const DEST = { family: 4 as const, address: '192.0.2.1', port: 443 };

function proxied(source: ProxyHeader['addresses'] = { family: 'ip', source: CLIENT, destination: DEST }) {
  return { version: 2, command: 'proxy', transport: 'stream', addresses: source, tlvs: [] } as const;
}
const V2 = encodeProxyV2(proxied());
const V1 = encodeProxyV1({ ...proxied(), version: 1 });
const V6 = encodeProxyV2(
  proxied({
    family: 'ip',
    source: { family: 6, address: '2001:db8::7', port: 4242 },
    destination: { family: 6, address: '2001:db8::1', port: 443 },
  }),
);
const LOCAL = encodeProxyV2({ ...proxied({ family: 'unspec' }), command: 'local', transport: 'unspec' });

describe('PROXY protocol from a trusted proxy (127.0.0.1/32), real sockets', () => {
  const events: ProxyHeaderEvent[] = [];
  const addresses = new ClientAddresses({
    trustedProxies: ['127.0.0.1/32'],
    proxyProtocol: true,
    headerTimeoutMs: 300,
    onProxyHeader: (e) => events.push(e),
  });
  let ports: EchoServers;
  before(async () => (ports = await echoServers(addresses)));
  after(() => ports.close());
  const outcomes = (): string[] => events.splice(0).map((e) => e.outcome);

  const get = async (r: Omit<RawRequest, 'port'>, tls = false): Promise<string> => {
    const res = await rawRequest({ ...r, tls, port: tls ? ports.https : ports.http });
    return res.status === 200 ? res.body : `status ${res.status}`;
  };

  for (const tls of [false, true]) {
    const scheme = tls ? 'https' : 'http';

    it(`${scheme}: a v2 or v1 header names the client, IPv6 as [ip]:port`, async () => {
      assert.equal(await get({ prefix: V2 }, tls), '203.0.113.7:4242');
      assert.equal(await get({ prefix: V1 }, tls), '203.0.113.7:4242');
      assert.equal(await get({ prefix: V6 }, tls), '[2001:db8::7]:4242');
      assert.deepEqual(outcomes(), ['proxied', 'proxied', 'proxied']);
    });

    it(`${scheme}: a LOCAL header (health check) leaves the socket's own address`, async () => {
      const res = await rawRequest({ port: tls ? ports.https : ports.http, prefix: LOCAL, tls });
      assert.equal(res.body, `127.0.0.1:${res.localPort}`);
      assert.deepEqual(outcomes(), ['local']);
    });

    it(`${scheme}: an untrusted peer (127.0.0.2) is not believed and its bytes are not parsed`, async () => {
      const untrusted = { localAddress: '127.0.0.2' };
      const res = await rawRequest({ port: tls ? ports.https : ports.http, ...untrusted, tls });
      assert.equal(res.body, `127.0.0.2:${res.localPort}`);
      // Its PROXY header reaches the HTTP parser (400) or the TLS handshake (fails) as garbage.
      const spoofed = await rawRequest({
        port: tls ? ports.https : ports.http,
        ...untrusted,
        prefix: V2,
        tls,
      });
      assert.ok(spoofed.status === 400 || spoofed.status === 0, `status ${spoofed.status}`);
      assert.ok(!spoofed.body.includes('203.0.113.7'));
      assert.deepEqual(outcomes(), []);
    });
  }

  it('reads a header sent in one segment with the request after it', async () => {
    assert.equal(await get({ prefix: V2, together: true }), '203.0.113.7:4242');
    assert.equal(await get({ prefix: V1, together: true }), '203.0.113.7:4242');
    assert.deepEqual(outcomes(), ['proxied', 'proxied']);
  });

  it('ignores X-Forwarded-For from a client named by a PROXY header', async () => {
    assert.equal(await get({ prefix: V2, headers: { 'x-forwarded-for': '6.6.6.6' } }), '203.0.113.7:4242');
    outcomes();
  });

  it('closes and counts hostile or missing headers from a trusted peer, and keeps serving', async () => {
    const tooLong = Uint8Array.from([...PROXY_V2_SIGNATURE, 0x21, 0x11, 0xff, 0xff]);
    const cases: [Uint8Array, string, boolean?][] = [
      [new TextEncoder().encode('GET / HTTP/1.1\r\nhost: x\r\n\r\n'), 'invalid'], // no header at all
      [Uint8Array.from([...PROXY_V2_SIGNATURE, 0x31, 0x11, 0, 12]), 'invalid'], // version 3
      [new TextEncoder().encode('PROXY TCP4 203.0.113.007 192.0.2.1 1 2\r\n'), 'invalid'],
      [tooLong, 'too-long'],
      [new TextEncoder().encode(`PROXY UNKNOWN ${'x'.repeat(200)}`), 'too-long'],
      [V2.subarray(0, 20), 'timeout', true], // a header that never ends
    ];
    for (const [prefix, outcome, stall] of cases) {
      for (const tls of [false, true]) {
        const res = await rawRequest({
          port: tls ? ports.https : ports.http,
          prefix,
          tls,
          stall: stall === true,
        });
        assert.equal(res.status, 0, `${outcome}: answered ${res.status}`);
        assert.deepEqual(outcomes(), [outcome], outcome);
      }
    }
    assert.equal(await get({ prefix: V2 }), '203.0.113.7:4242');
    assert.equal(await get({ prefix: V2 }, true), '203.0.113.7:4242');
    outcomes();
  });

  it('counts a trusted peer that hangs up mid-header as closed', async () => {
    const socket = connect({ port: ports.http, host: '127.0.0.1' });
    await once(socket, 'connect');
    socket.end(V2.subarray(0, 10));
    await once(socket, 'close');
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(outcomes(), ['closed']);
  });

  it('survives random bytes and random bytes behind a v2 signature', async () => {
    let seed = 7;
    const random = (n: number): Uint8Array =>
      Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (let i = 0; i < 40; i++) {
      const body = random(1 + (i % 60));
      const prefix = i % 2 === 0 ? body : Uint8Array.from([...PROXY_V2_SIGNATURE, 0x21, ...body]);
      const res = await rawRequest({ port: ports.http, prefix });
      assert.ok(res.status === 0 || res.status === 200, `status ${res.status}`);
    }
    const seen = outcomes();
    assert.equal(seen.length, 40, 'one outcome per connection');
    for (const o of seen) assert.ok(['proxied', 'local', 'invalid', 'too-long'].includes(o), o);
    assert.equal(await get({ prefix: V2 }), '203.0.113.7:4242');
    outcomes();
  });
});

describe('peerlink serve --trusted-proxy 127.0.0.1/32 --proxy-protocol', () => {
  let server: RunningServer;
  before(async () => {
    server = await startLoopbackServer({ 'trusted-proxy': ['127.0.0.1/32'], 'proxy-protocol': true });
  });
  after(() => server.close());
  const port = (tls: boolean): number => portOf(server, tls);

  it('reads the header before HTTP and TLS on both ports, and refuses a trusted peer without one', async () => {
    for (const tls of [false, true]) {
      assert.equal((await rawRequest({ port: port(tls), prefix: V2, tls, path: '/status' })).status, 200);
      assert.equal((await rawRequest({ port: port(tls), tls, path: '/status' })).status, 0);
      const untrusted = await rawRequest({
        port: port(tls),
        tls,
        path: '/status',
        localAddress: '127.0.0.2',
      });
      assert.equal(untrusted.status, 200);
    }
    const metrics = await rawRequest({ port: port(false), prefix: V2, path: '/metrics' });
    assert.match(metrics.body, /peerlink_proxy_headers_total\{outcome="proxied"\} 3/);
    assert.match(metrics.body, /peerlink_proxy_headers_total\{outcome="invalid"\} 2/);
  });

  it("reports the header's client as the welcome's observedAddress, over ws and wss", async () => {
    const secret = server.dataDir.secrets.authSecret;
    for (const tls of [false, true]) {
      const { observedAddress } = await welcomeOver({ port: port(tls), tls, prefix: V2, secret });
      assert.equal(observedAddress, '203.0.113.7:4242');
    }
  });
});
