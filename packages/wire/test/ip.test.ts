/** IP text parsing and RFC 5952 canonical formatting, checked against tables and Node's URL parser. */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatIp,
  formatTransportAddress,
  parseIp,
  parseTransportAddress,
  WireError,
  WireErrorCode,
} from '../src/index.js';

function canonical(text: string): string | undefined {
  const ip = parseIp(text);
  return ip === undefined ? undefined : formatIp(ip.bytes);
}

/** WHATWG URL serializes IPv6 hosts per RFC 5952 §4 (no mixed IPv4 notation). */
function urlCanonical(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function isV4Mapped(b: Uint8Array): boolean {
  return b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

describe('parseIp / formatIp', () => {
  it('formats IPv6 canonically (RFC 5952 §4)', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs (§4.2.3)
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run, not the first (§4.2.3)
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed (§4.2.2)
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'], // '::' for a single group is valid input
      ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
      ['2001:db8:1234:5678:11:2233:4455:6677', '2001:db8:1234:5678:11:2233:4455:6677'],
      ['FE80::0001:00AB', 'fe80::1:ab'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // IPv4-mapped keeps dotted form (§5)
      ['::ffff:c000:0201', '::ffff:192.0.2.1'],
      ['::192.0.2.1', '::c000:201'], // deprecated IPv4-compatible: hex form
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ];
    for (const [input, expected] of cases) {
      assert.equal(parseIp(input)?.family, 6, input);
      assert.equal(canonical(input), expected, input);
    }
  });

  it('parses IPv4 strictly', () => {
    assert.deepEqual(parseIp('192.0.2.1'), { family: 4, bytes: new Uint8Array([192, 0, 2, 1]) });
    assert.equal(canonical('0.0.0.0'), '0.0.0.0');
    assert.equal(canonical('255.255.255.255'), '255.255.255.255');
    for (const bad of [
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.-4',
      '1.2.3.4 ',
      '0x1.2.3.4',
      '1e1.2.3.4',
      '1..3.4',
      '',
    ]) {
      assert.equal(parseIp(bad), undefined, JSON.stringify(bad));
    }
  });

  it('rejects malformed IPv6', () => {
    const bad = [
      ':',
      ':::',
      '1:::2',
      '1::2::3',
      ':1::2',
      '1::2:',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      'g::',
      '::ffff:1.2.3',
      '::ffff:1.2.3.256',
      '::1.2.3.4:5',
      '1.2.3.4::',
      'fe80::1%eth0',
      '[::1]',
      ' ::1',
      '::1 ',
      '1:2:3:4:5:6:7:1.2.3.4',
      '0000:0000:0000:0000:0000:0000:0000:0000:0000',
    ];
    for (const text of bad) assert.equal(parseIp(text), undefined, text);
  });

  it('throws a WireError for byte lengths other than 4 and 16', () => {
    assert.throws(
      () => formatIp(new Uint8Array(5)),
      (e: unknown) => e instanceof WireError && e.code === WireErrorCode.InvalidArgument,
    );
  });

  it('agrees with Node on which random strings are IP addresses', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-fA-F:.]{0,20}$/), (s) => {
        const ours = parseIp(s);
        const node = isIP(s);
        // Node accepts the same forms; it does not know about leading-zero IPv4 octets being refused.
        if (node === 4 && /(^|\.)0\d/.test(s)) return;
        assert.equal(ours?.family ?? 0, node, s);
      }),
      { numRuns: 1000 },
    );
  });

  it('formats random IPv6 bytes like the WHATWG URL serializer, and re-parses them', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          // Sparse addresses, so that zero runs of every length and position occur.
          fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xdb8), { minLength: 8, maxLength: 8 }).map((gs) => {
            const b = new Uint8Array(16);
            gs.forEach((g, i) => b.set([g >> 8, g & 0xff], 2 * i));
            return b;
          }),
        ),
        (bytes) => {
          const text = formatIp(bytes);
          assert.equal(text, text.toLowerCase());
          assert.deepEqual(parseIp(text)?.bytes, bytes);
          if (!isV4Mapped(bytes)) assert.equal(text, urlCanonical(bytes));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('canonicalizes fast-check IPv6 and IPv4 text to a fixed point', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV6(), fc.ipV4()), (s) => {
        const c = canonical(s);
        assert.ok(c !== undefined, s);
        assert.equal(canonical(c), c);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('transport address text', () => {
  it('formats with brackets for IPv6 (RFC 5952 §6)', () => {
    assert.equal(formatTransportAddress({ family: 4, address: '1.2.3.4', port: 5 }), '1.2.3.4:5');
    assert.equal(formatTransportAddress({ family: 6, address: '2001:db8::1', port: 5 }), '[2001:db8::1]:5');
  });

  it('parses and canonicalizes', () => {
    assert.deepEqual(parseTransportAddress('192.0.2.1:3478'), {
      family: 4,
      address: '192.0.2.1',
      port: 3478,
    });
    assert.deepEqual(parseTransportAddress('[2001:DB8:0::1]:65535'), {
      family: 6,
      address: '2001:db8::1',
      port: 65535,
    });
    for (const bad of [
      '2001:db8::1:5',
      '[1.2.3.4]:5',
      '1.2.3.4',
      '1.2.3.4:65536',
      '1.2.3.4:05',
      '[::1]',
      '[::1]:',
      'host:80',
    ]) {
      assert.equal(parseTransportAddress(bad), undefined, bad);
    }
  });
});
