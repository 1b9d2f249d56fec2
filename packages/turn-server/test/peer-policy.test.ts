import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerPolicy, parseCidr } from '../src/index.js';

describe('peer policy (deny list with canonicalisation)', () => {
  const strict = new PeerPolicy();

  it('refuses every listed range, IPv4 and IPv6', () => {
    const denied = [
      '0.1.2.3',
      '127.0.0.1',
      '127.255.255.254',
      '10.9.8.7',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '100.64.0.1',
      '100.127.255.255',
      '169.254.169.254',
      '192.0.0.8',
      '192.0.2.1',
      '198.18.0.1',
      '198.19.255.255',
      '198.51.100.1',
      '203.0.113.9',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fc00::1',
      'fdff::1',
      'fe80::1',
      'febf::1',
      'ff02::1',
      '2001:db8::1',
    ];
    for (const ip of denied) assert.equal(strict.permits(ip), false, ip);
  });

  it('permits public addresses next to the ranges', () => {
    const open = [
      '1.1.1.1',
      '8.8.8.8',
      '172.15.255.255',
      '172.32.0.0',
      '100.128.0.0',
      '198.20.0.0',
      '11.0.0.0',
      '2606:4700::1111',
      '2001:db9::1',
      'fec0::1',
    ];
    for (const ip of open) assert.equal(strict.permits(ip), true, ip);
  });

  it('canonicalises mapped, compatible, 6to4, Teredo and NAT64 forms', () => {
    const hidden = [
      '::ffff:127.0.0.1', // IPv4-mapped
      '::ffff:a00:1', // IPv4-mapped, hex spelling of 10.0.0.1
      '::ffff:0:c0a8:101', // IPv4-translated 192.168.1.1
      '::127.0.0.1', // IPv4-compatible
      '::a9fe:a9fe', // IPv4-compatible 169.254.169.254
      '2002:7f00:1::', // 6to4 of 127.0.0.1
      '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
      '2001:0:4136:e378:8000:63bf:f5ff:fffe', // Teredo, client 10.0.0.1 (obfuscated)
      '2001:0:a00:1::1', // Teredo, server 10.0.0.1
      '64:ff9b::7f00:1', // NAT64 well-known prefix
      '64:ff9b::10.0.0.1',
      '64:ff9b:1:a00:1:100::', // NAT64 local-use /48: 10.0.0.1 around the u octet
    ];
    for (const ip of hidden) assert.equal(strict.permits(ip), false, ip);
    assert.equal(strict.permits('::ffff:8.8.8.8'), true);
    assert.equal(strict.permits('64:ff9b::8.8.8.8'), true);
    assert.equal(strict.permits('2002:808:808::1'), true);
  });

  it('opens loopback only when asked, including its IPv6 spellings', () => {
    const loop = new PeerPolicy({ allowLoopback: true });
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      assert.equal(loop.permits(ip), true, ip);
    assert.equal(loop.permits('10.0.0.1'), false);
    assert.equal(loop.permits('::ffff:10.0.0.1'), false);
  });

  it('opens --allow-peer ranges and nothing else', () => {
    const lab = new PeerPolicy({ allow: [parseCidr('198.51.100.0/24')!, parseCidr('203.0.113.5')!] });
    assert.equal(lab.permits('198.51.100.77'), true);
    assert.equal(lab.permits('::ffff:198.51.100.77'), true);
    assert.equal(lab.permits('203.0.113.5'), true);
    assert.equal(lab.permits('203.0.113.6'), false);
    assert.equal(lab.permits('192.0.2.1'), false);
  });

  it('parses CIDRs strictly', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8')?.prefix, 8);
    assert.equal(parseCidr('::1')?.prefix, 128);
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fe80::/129', '1.2.3.4/8/9', 'x', '10.0.0.0/']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
    assert.equal(strict.permits('not an ip'), false);
  });
});
