/**
 * PROXY protocol v1 and v2 against HAProxy's doc/proxy-protocol.txt: the v1 example line and the
 * maximum line lengths of §2.1, and v2 headers built byte for byte from the structures of §2.2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeProxyHeader,
  decodeProxyV1,
  decodeProxyV2,
  encodeProxyV1,
  encodeProxyV2,
  type ProxyDecodeResult,
  type ProxyHeader,
  proxiedSource,
  type TransportAddress,
  ProxyTlvType,
  WireError,
  WireErrorCode,
} from '../src/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const SIG = '0d0a0d0a 000d0a51 5549540a';

function decoded(r: ProxyDecodeResult): { header: ProxyHeader; consumed: number } {
  assert.ok(r.ok, r.ok ? '' : r.incomplete ? 'incomplete' : r.error.message);
  return r;
}

function refused(r: ProxyDecodeResult, code: string, offset?: number): void {
  assert.ok(!r.ok && !r.incomplete, `expected ${code}, got ${JSON.stringify(r)}`);
  assert.ok(r.error instanceof WireError);
  assert.equal(r.error.code, code, r.error.message);
  if (offset !== undefined) assert.equal(r.error.offset, offset);
}

/** The addresses of the §2.1 example line, as either version decodes them. */
function example(version: 1 | 2): ProxyHeader {
  const addresses = {
    family: 'ip' as const,
    source: { family: 4 as const, address: '192.168.0.1', port: 56324 },
    destination: { family: 4 as const, address: '192.168.0.11', port: 443 },
  };
  return { version, command: 'proxy', transport: 'stream', addresses, tlvs: [] };
}

function incomplete(r: ProxyDecodeResult): void {
  assert.deepEqual(r, { ok: false, incomplete: true });
}

describe('PROXY v1 (§2.1)', () => {
  it('decodes the example line and leaves the HTTP request after it', () => {
    const line = 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n';
    const bytes = ascii(`${line}GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n`);
    const { header, consumed } = decoded(decodeProxyHeader(bytes));
    assert.equal(consumed, line.length);
    assert.deepEqual(header, example(1));
    assert.deepEqual(proxiedSource(header), { family: 4, address: '192.168.0.1', port: 56324 });
    assert.deepEqual(encodeProxyV1(header), ascii(line));
  });

  it('accepts the longest lines of §2.1: 56, 104, 15 and 107 bytes', () => {
    const f = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
    const lines = [
      'PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n',
      `PROXY TCP6 ${f} ${f} 65535 65535\r\n`,
      'PROXY UNKNOWN\r\n',
      `PROXY UNKNOWN ${f} ${f} 65535 65535\r\n`,
    ];
    assert.deepEqual(
      lines.map((l) => l.length),
      [56, 104, 15, 107],
    );
    for (const line of lines) assert.equal(decoded(decodeProxyHeader(ascii(line))).consumed, line.length);
    const v6 = decoded(decodeProxyHeader(ascii(lines[1] as string))).header;
    assert.deepEqual(proxiedSource(v6), { family: 6, address: f, port: 65535 });
  });

  it('reads UNKNOWN as "use the real connection", whatever follows it', () => {
    const { header } = decoded(decodeProxyHeader(ascii('PROXY UNKNOWN whatever the sender put\r\n')));
    assert.deepEqual(header.addresses, { family: 'unspec' });
    assert.equal(proxiedSource(header), undefined);
  });

  it('asks for more until the CRLF, and refuses 107 bytes without one', () => {
    for (const partial of ['', 'P', 'PROXY', 'PROXY TCP4 1.2.3.4', 'PROXY UNKNOWN\r']) {
      incomplete(decodeProxyHeader(ascii(partial)));
    }
    refused(decodeProxyHeader(ascii(`PROXY UNKNOWN ${'x'.repeat(93)}`)), WireErrorCode.ProxyTooLong, 107);
    refused(decodeProxyHeader(ascii(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`)), WireErrorCode.ProxyTooLong);
    refused(decodeProxyHeader(ascii('PROXY UNKNOWN\r\n'), { maxLength: 14 }), WireErrorCode.ProxyTooLong);
  });

  it('refuses every line that does not match the grammar exactly', () => {
    const bad = [
      'PROXY TCP4 192.168.000.1 192.168.0.11 56324 443\r\n', // leading zeros (octal?)
      'PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n',
      'PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n',
      'PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n', // two spaces
      'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n',
      'PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n',
      'PROXY TCP4 2001:db8::1 192.168.0.11 56324 443\r\n', // family mismatch
      'PROXY TCP6 192.168.0.1 2001:db8::1 56324 443\r\n',
      'PROXY TCP5 192.168.0.1 192.168.0.11 56324 443\r\n',
      'PROXY tcp4 192.168.0.1 192.168.0.11 56324 443\r\n',
      'PROXY TCP4 192.168.0.1 192.168.0.11 +1 443\r\n',
    ];
    for (const line of bad) refused(decodeProxyHeader(ascii(line)), WireErrorCode.ProxyBadLine, 6);
  });

  it('refuses a lone LF, a CR without LF and control bytes at the byte they sit on', () => {
    refused(decodeProxyHeader(ascii('PROXY UNKNOWN\n')), WireErrorCode.ProxyBadLine, 13);
    refused(decodeProxyHeader(ascii('PROXY UNKNOWN\rX')), WireErrorCode.ProxyBadLine, 13);
    refused(decodeProxyHeader(ascii('PROXY TCP4 1.2\x00')), WireErrorCode.ProxyBadLine, 14);
    refused(decodeProxyV1(ascii('PRXY')), WireErrorCode.ProxyNotProxy, 2);
  });

  it('encodes what v1 can say and refuses the rest', () => {
    const local: ProxyHeader = {
      version: 2,
      command: 'local',
      transport: 'unspec',
      addresses: { family: 'unspec' },
      tlvs: [],
    };
    assert.deepEqual(encodeProxyV1(local), ascii('PROXY UNKNOWN\r\n'));
    const udp: ProxyHeader = {
      ...local,
      command: 'proxy',
      transport: 'dgram',
      addresses: {
        family: 'ip',
        source: { family: 4, address: '1.2.3.4', port: 1 },
        destination: { family: 4, address: '5.6.7.8', port: 2 },
      },
    };
    assert.throws(() => encodeProxyV1(udp), { code: WireErrorCode.InvalidArgument });
  });
});

describe('PROXY v2 (§2.2)', () => {
  const tcp4 = hex(`${SIG} 21 11 000c  c0a80001 c0a8000b  dc04 01bb`);

  it('decodes TCP over IPv4 (\\x21 \\x11, 12 address bytes) and encodes it back byte for byte', () => {
    const { header, consumed } = decoded(decodeProxyHeader(tcp4));
    assert.equal(consumed, 28);
    assert.deepEqual(header, example(2));
    assert.deepEqual(encodeProxyV2(header), tcp4);
  });

  it('decodes TCP and UDP over IPv6 (\\x21 \\x21 / \\x22, 36 bytes)', () => {
    const v6 = hex(`${SIG} 21 21 0024
      20010db8 00000000 00000000 00000001  20010db8 00000000 00000000 00000002  1f90 0050`);
    const { header, consumed } = decoded(decodeProxyHeader(v6));
    assert.equal(consumed, 52);
    assert.deepEqual(proxiedSource(header), { family: 6, address: '2001:db8::1', port: 8080 });
    assert.deepEqual(encodeProxyV2(header), v6);
    const udp = v6.slice();
    udp[13] = 0x22;
    assert.equal(decoded(decodeProxyHeader(udp)).header.transport, 'dgram');
  });

  it('decodes UNIX stream addresses (\\x21 \\x31, 2 x 108 bytes)', () => {
    const block = new Uint8Array(216);
    block.set(ascii('/run/client.sock'));
    block.set(ascii('/run/peerlink.sock'), 108);
    const bytes = new Uint8Array([...hex(`${SIG} 21 31 00d8`), ...block]);
    const { header, consumed } = decoded(decodeProxyHeader(bytes));
    assert.equal(consumed, 232);
    assert.deepEqual(header.addresses, {
      family: 'unix',
      source: '/run/client.sock',
      destination: '/run/peerlink.sock',
    });
    assert.equal(proxiedSource(header), undefined);
    assert.deepEqual(encodeProxyV2(header), bytes);
  });

  it('skips a LOCAL header whole, family and address bytes included (health checks)', () => {
    const bare = hex(`${SIG} 20 00 0000`);
    assert.deepEqual(decodeProxyHeader(bare), {
      ok: true,
      header: {
        version: 2,
        command: 'local',
        transport: 'unspec',
        addresses: { family: 'unspec' },
        tlvs: [],
      },
      consumed: 16,
    });
    // "Receivers MUST always consider this field to skip the appropriate number of bytes."
    const withBlock = hex(`${SIG} 20 ff 000e  c0a80001 c0a8000b dc04 01bb 0000`);
    assert.equal(decoded(decodeProxyHeader(withBlock)).consumed, 30);
    assert.equal(proxiedSource(decoded(decodeProxyHeader(withBlock)).header), undefined);
  });

  it('ignores the address block of AF_UNSPEC (\\x00) and keeps TLVs past a known block', () => {
    const unspec = decoded(decodeProxyHeader(hex(`${SIG} 21 00 0004 deadbeef`)));
    assert.deepEqual(unspec.header.addresses, { family: 'unspec' });
    assert.equal(unspec.consumed, 20);
    const withTlvs = hex(`${SIG} 21 11 001f  c0a80001 c0a8000b dc04 01bb
      04 0003 000000   01 0002 6832   05 0005 0102030405`);
    const { header, consumed } = decoded(decodeProxyHeader(withTlvs));
    assert.equal(consumed, 47);
    assert.deepEqual(
      header.tlvs.map((t) => [t.type, Array.from(t.value)]),
      [
        [ProxyTlvType.Noop, [0, 0, 0]],
        [ProxyTlvType.Alpn, [0x68, 0x32]],
        [ProxyTlvType.UniqueId, [1, 2, 3, 4, 5]],
      ],
    );
    assert.deepEqual(encodeProxyV2(header), withTlvs);
  });

  it('fails as soon as a byte is wrong, before the rest arrives', () => {
    refused(decodeProxyHeader(hex('0d0a0d0a 00 0d 0a 52')), WireErrorCode.ProxyNotProxy, 7);
    refused(decodeProxyHeader(hex(`${SIG} 11`)), WireErrorCode.ProxyBadVersion, 12); // version 1
    refused(decodeProxyHeader(hex(`${SIG} 22`)), WireErrorCode.ProxyBadVersion, 12); // command 2
    refused(decodeProxyHeader(hex(`${SIG} 21 41`)), WireErrorCode.ProxyBadFamily, 13); // family 4
    refused(decodeProxyHeader(hex(`${SIG} 21 13`)), WireErrorCode.ProxyBadFamily, 13); // transport 3
    refused(decodeProxyHeader(hex(`${SIG} 21 11 000b`)), WireErrorCode.ProxyBadLength, 14); // < 12
    refused(decodeProxyHeader(hex(`${SIG} 21 21 0023`)), WireErrorCode.ProxyBadLength, 14); // < 36
    refused(decodeProxyHeader(hex(`${SIG} 21 11 ffff`), { maxLength: 4096 }), WireErrorCode.ProxyTooLong, 14);
    refused(decodeProxyV2(ascii('PROXY')), WireErrorCode.ProxyNotProxy, 0);
    refused(decodeProxyHeader(ascii('GET / HTTP/1.1\r\n')), WireErrorCode.ProxyNotProxy, 0);
  });

  it('refuses a TLV that runs past the header length', () => {
    const cut = hex(`${SIG} 21 11 0011  c0a80001 c0a8000b dc04 01bb  01 0005 6832`);
    refused(decodeProxyHeader(cut), WireErrorCode.ProxyBadTlv, 28);
    const stub = hex(`${SIG} 21 11 000e  c0a80001 c0a8000b dc04 01bb  01 00`);
    refused(decodeProxyHeader(stub), WireErrorCode.ProxyBadTlv, 28);
  });

  it('asks for more until the length field says the header is whole', () => {
    for (let n = 0; n < tcp4.length; n++) incomplete(decodeProxyHeader(tcp4.subarray(0, n)));
    incomplete(decodeProxyHeader(hex(`${SIG} 21 11 ffff`)));
  });

  it('refuses to encode what it cannot carry', () => {
    const base = decoded(decodeProxyHeader(tcp4)).header;
    const between = (source: TransportAddress, destination: TransportAddress): ProxyHeader => ({
      ...base,
      addresses: { family: 'ip', source, destination },
    });
    const bad: ProxyHeader[] = [
      between({ family: 4, address: '1.2.3.4', port: 1 }, { family: 6, address: '::1', port: 2 }),
      between({ family: 4, address: '1.2.3.4', port: 70000 }, { family: 4, address: '1.2.3.4', port: 1 }),
      between({ family: 4, address: '::1', port: 1 }, { family: 4, address: '1.2.3.4', port: 1 }),
      { ...base, tlvs: [{ type: 0xe0, value: new Uint8Array(65530) }] },
    ];
    for (const h of bad) assert.throws(() => encodeProxyV2(h), { code: WireErrorCode.InvalidArgument });
  });
});
