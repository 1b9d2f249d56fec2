/**
 * Which address a request's client has, without sockets: the PROXY header's, X-Forwarded-For's
 * rightmost untrusted entry behind a trusted proxy, or the TCP peer's; and the trusted ranges.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import {
  canonicalIp,
  ClientAddresses,
  loadServeConfig,
  resolveClientAddress,
  TrustedProxies,
  type ClientAddressInput,
} from '../src/index.js';

const trust = (...cidrs: string[]): TrustedProxies => TrustedProxies.parse(cidrs).trusted;
const LB = trust('10.0.0.0/8', 'fd00::/8');

function resolve(input: Partial<ClientAddressInput>, trusted = LB): string {
  const a = resolveClientAddress(
    { peer: { address: '10.0.0.5', port: 40000 }, proxied: undefined, forwardedFor: undefined, ...input },
    trusted,
  );
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

describe('TrustedProxies', () => {
  it('matches CIDRs and bare addresses, IPv4-mapped IPv6 unwrapped on both sides', () => {
    const t = trust('127.0.0.1', '192.168.0.0/16', '::ffff:172.16.0.0/108', '2001:db8::/32');
    for (const ip of ['127.0.0.1', '::ffff:127.0.0.1', '192.168.3.4', '172.16.9.9', '2001:db8::7']) {
      assert.ok(t.has(ip), ip);
    }
    for (const ip of ['127.0.0.2', '192.169.0.1', '172.32.0.1', '2001:db9::1', 'nonsense', undefined]) {
      assert.ok(!t.has(ip), String(ip));
    }
    assert.ok(trust().none);
    assert.deepEqual(TrustedProxies.parse(['10.0.0.0/8', '10.0.0.0/33', 'x']).invalid, ['10.0.0.0/33', 'x']);
  });

  it('canonicalIp unwraps IPv4-mapped IPv6 and prints RFC 5952 text', () => {
    assert.equal(canonicalIp('::ffff:192.0.2.1')?.address, '192.0.2.1');
    assert.equal(canonicalIp('2001:0DB8::0001')?.address, '2001:db8::1');
    assert.equal(canonicalIp('[::1]'), undefined);
  });
});

describe('resolveClientAddress', () => {
  it('uses the socket address when nothing else is believed', () => {
    assert.equal(resolve({ peer: { address: '203.0.113.9', port: 5 } }), '203.0.113.9:5');
    assert.equal(resolve({ peer: { address: '::ffff:203.0.113.9', port: 5 } }), '203.0.113.9:5');
    assert.equal(resolve({ peer: { address: '2001:db8::9', port: 5 } }), '[2001:db8::9]:5');
    assert.equal(resolve({ peer: { address: undefined, port: undefined } }), '0.0.0.0:0');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const peer = { address: '203.0.113.9', port: 5 };
    assert.equal(resolve({ peer, forwardedFor: '198.51.100.1' }), '203.0.113.9:5');
    assert.equal(resolve({ forwardedFor: '198.51.100.1' }, trust()), '10.0.0.5:40000');
  });

  it('takes the rightmost X-Forwarded-For entry that is not a trusted proxy, port 0 unless given', () => {
    assert.equal(resolve({ forwardedFor: '198.51.100.1' }), '198.51.100.1:0');
    // The client wrote 6.6.6.6 itself; 198.51.100.1 is what our own proxies saw.
    assert.equal(resolve({ forwardedFor: '6.6.6.6, 198.51.100.1, 10.1.1.1' }), '198.51.100.1:0');
    assert.equal(resolve({ forwardedFor: ['6.6.6.6', '198.51.100.1, fd00::1'] }), '198.51.100.1:0');
    assert.equal(resolve({ forwardedFor: '[2001:db8::1]:4711' }), '[2001:db8::1]:4711');
    assert.equal(resolve({ forwardedFor: '[2001:db8::1]' }), '[2001:db8::1]:0');
    assert.equal(resolve({ forwardedFor: '198.51.100.1:4711' }), '198.51.100.1:4711');
    assert.equal(resolve({ forwardedFor: '::ffff:198.51.100.1' }), '198.51.100.1:0');
  });

  it('stops at a malformed entry, and takes the first hop when every hop is trusted', () => {
    assert.equal(resolve({ forwardedFor: '198.51.100.1, unknown' }), '10.0.0.5:40000');
    assert.equal(resolve({ forwardedFor: '198.51.100.1,' }), '10.0.0.5:40000');
    assert.equal(resolve({ forwardedFor: '10.2.2.2, 10.1.1.1' }), '10.2.2.2:0');
    assert.equal(resolve({ forwardedFor: '' }), '10.0.0.5:40000');
  });

  it('believes a PROXY header over everything, and X-Forwarded-For only behind a trusted client', () => {
    const proxied = { family: 4 as const, address: '203.0.113.7', port: 4242 };
    assert.equal(resolve({ proxied }), '203.0.113.7:4242');
    // The header's client is not a proxy: what it wrote in X-Forwarded-For proves nothing.
    assert.equal(resolve({ proxied, forwardedFor: '6.6.6.6' }), '203.0.113.7:4242');
    // An L7 proxy of ours behind the L4 balancer: its X-Forwarded-For is believed.
    const inner = { family: 4 as const, address: '10.9.9.9', port: 80 };
    assert.equal(resolve({ proxied: inner, forwardedFor: '198.51.100.1' }), '198.51.100.1:0');
    const mapped = { family: 6 as const, address: '::ffff:203.0.113.7', port: 1 };
    assert.equal(resolve({ proxied: mapped }), '203.0.113.7:1');
  });

  it('uses the socket address after a header that names no client (LOCAL, UNKNOWN)', () => {
    assert.equal(resolve({ proxied: null, forwardedFor: '198.51.100.1' }), '10.0.0.5:40000');
  });
});

describe('ClientAddresses.clientAddressOf', () => {
  const req = (remoteAddress: string, xff?: string): IncomingMessage =>
    ({
      socket: { remoteAddress, remotePort: 1234 },
      headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
    }) as unknown as IncomingMessage;

  it('formats ip:port and [ip]:port, and reads X-Forwarded-For only from trusted peers', () => {
    const c = new ClientAddresses({ trustedProxies: ['127.0.0.1/32'] });
    assert.equal(c.clientAddressOf(req('::ffff:127.0.0.1', '198.51.100.1')), '198.51.100.1:0');
    assert.equal(c.clientAddressOf(req('127.0.0.2', '198.51.100.1')), '127.0.0.2:1234');
    assert.equal(c.clientAddressOf(req('::1')), '[::1]:1234');
    const none = new ClientAddresses();
    assert.equal(none.clientAddressOf(req('127.0.0.1', '198.51.100.1')), '127.0.0.1:1234');
  });

  it('refuses a CIDR it cannot parse', () => {
    assert.throws(
      () => new ClientAddresses({ trustedProxies: ['10.0.0.0/40'] }),
      /not a CIDR: 10\.0\.0\.0\/40/,
    );
  });
});

describe('--trusted-proxy and --proxy-protocol', () => {
  const load = (flags: Record<string, string | string[] | boolean>, env: Record<string, string> = {}) =>
    loadServeConfig({ flags, env });

  it('default to trusting no one and reading no PROXY header', () => {
    const c = load({});
    assert.deepEqual([c.trustedProxies, c.proxyProtocol], [[], false]);
  });

  it('take repeated flags, a comma list in the environment, and bare addresses', () => {
    const c = load({ 'trusted-proxy': ['10.0.0.0/8', 'fd00::/8', '192.0.2.1'], 'proxy-protocol': true });
    assert.deepEqual([c.trustedProxies, c.proxyProtocol], [['10.0.0.0/8', 'fd00::/8', '192.0.2.1'], true]);
    const e = load(
      {},
      { PEERLINK_TRUSTED_PROXY: '10.0.0.0/8, 172.16.0.0/12', PEERLINK_PROXY_PROTOCOL: 'on' },
    );
    assert.deepEqual([e.trustedProxies, e.proxyProtocol], [['10.0.0.0/8', '172.16.0.0/12'], true]);
  });

  it('refuse a CIDR that does not parse, and --proxy-protocol with nobody trusted', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'lb.internal', '::/129']) {
      assert.throws(() => load({ 'trusted-proxy': [bad] }), {
        code: 'CONFIG_INVALID',
        message: new RegExp(`--trusted-proxy: not a CIDR: "${bad.replace(/\./g, '\\.')}"`),
      });
    }
    assert.throws(() => load({ 'proxy-protocol': true }), {
      code: 'CONFIG_INVALID',
      message: /--proxy-protocol needs --trusted-proxy/,
    });
  });
});
