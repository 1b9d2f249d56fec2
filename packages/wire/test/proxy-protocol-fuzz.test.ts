/**
 * PROXY protocol properties: encode then decode is the identity for both versions, the decoder
 * takes exactly the encoded bytes and leaves what follows, every strict prefix of a header asks
 * for more (a streaming receiver never fails on a header split across reads), and random,
 * truncated and bit-flipped input never throws. About 9,000 inputs in total.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeProxyHeader,
  encodeProxyV1,
  encodeProxyV2,
  formatIp,
  PROXY_V2_SIGNATURE,
  type ProxyDecodeResult,
  type ProxyHeader,
  type TransportAddress,
  WireError,
  WireErrorCode,
} from '../src/index.js';

const KNOWN_CODES = new Set<string>(Object.values(WireErrorCode));

function assertWellFormed(r: ProxyDecodeResult, input: Uint8Array): void {
  if (r.ok) {
    assert.ok(r.consumed > 0 && r.consumed <= input.length, `consumed ${r.consumed} of ${input.length}`);
    return;
  }
  if (r.incomplete) return;
  assert.ok(r.error instanceof WireError);
  assert.ok(KNOWN_CODES.has(r.error.code), r.error.code);
  const at = r.error.offset ?? 0;
  assert.ok(at >= 0 && at <= Math.max(input.length, 107), `offset ${at} of ${input.length}`);
}

const address = (family: 4 | 6): fc.Arbitrary<TransportAddress> =>
  fc.record({
    family: fc.constant(family),
    address: fc
      .uint8Array({ minLength: family === 4 ? 4 : 16, maxLength: family === 4 ? 4 : 16 })
      .map(formatIp),
    port: fc.integer({ min: 0, max: 0xffff }),
  });

const ipPair = fc
  .constantFrom<4 | 6>(4, 6)
  .chain((f) =>
    fc.record({ family: fc.constant('ip' as const), source: address(f), destination: address(f) }),
  );

const unixPath = fc
  .string({ unit: 'grapheme', maxLength: 40 })
  .filter((s) => !s.includes('\0') && new TextEncoder().encode(s).length <= 108);

/** A header that says "use the real connection": v2 LOCAL or v1 UNKNOWN. */
const unspec = (version: 1 | 2, command: 'local' | 'proxy'): ProxyHeader => ({
  version,
  command,
  transport: 'unspec',
  addresses: { family: 'unspec' },
  tlvs: [],
});

const v2Header: fc.Arbitrary<ProxyHeader> = fc.oneof(
  fc.constant(unspec(2, 'local')),
  fc.record({
    version: fc.constant(2 as const),
    command: fc.constant('proxy' as const),
    transport: fc.constantFrom('stream' as const, 'dgram' as const),
    addresses: fc.oneof(
      ipPair,
      fc.record({ family: fc.constant('unix' as const), source: unixPath, destination: unixPath }),
    ),
    tlvs: fc.array(
      fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 64 }) }),
      {
        maxLength: 4,
      },
    ),
  }),
  fc.record({
    version: fc.constant(2 as const),
    command: fc.constant('proxy' as const),
    transport: fc.constantFrom('unspec' as const, 'stream' as const, 'dgram' as const),
    addresses: fc.constant({ family: 'unspec' as const }),
    tlvs: fc.constant([]),
  }),
);

const v1Header: fc.Arbitrary<ProxyHeader> = fc.oneof(
  fc.constant(unspec(1, 'proxy')),
  fc.record({
    version: fc.constant(1 as const),
    command: fc.constant('proxy' as const),
    transport: fc.constant('stream' as const),
    addresses: ipPair,
    tlvs: fc.constant([]),
  }),
);

/** Plain data to compare: TLV values as arrays (decoded ones are views), no null prototypes. */
const plain = (h: ProxyHeader): unknown =>
  JSON.parse(
    JSON.stringify({ ...h, tlvs: h.tlvs.map((t) => ({ type: t.type, value: Array.from(t.value) })) }),
  );

function roundTrip(header: ProxyHeader, encode: (h: ProxyHeader) => Uint8Array, tail: Uint8Array): void {
  const bytes = encode(header);
  const r = decodeProxyHeader(new Uint8Array([...bytes, ...tail]));
  assert.ok(r.ok, r.ok ? '' : r.incomplete ? 'incomplete' : r.error.message);
  assert.equal(r.consumed, bytes.length);
  assert.deepEqual(plain(r.header), plain(header));
  for (let n = 0; n < bytes.length; n++) {
    assert.deepEqual(decodeProxyHeader(bytes.subarray(0, n)), { ok: false, incomplete: true }, `prefix ${n}`);
  }
}

describe('PROXY protocol properties', () => {
  it('v2: decode(encode(h)) is h, it takes exactly the header, and every prefix is incomplete', () => {
    fc.assert(
      fc.property(v2Header, fc.uint8Array({ maxLength: 32 }), (h, tail) => roundTrip(h, encodeProxyV2, tail)),
      { numRuns: 500 },
    );
  });

  it('v1: decode(encode(h)) is h, it takes exactly the line, and every prefix is incomplete', () => {
    fc.assert(
      fc.property(v1Header, fc.uint8Array({ maxLength: 32 }), (h, tail) => roundTrip(h, encodeProxyV1, tail)),
      { numRuns: 500 },
    );
  });

  it('random bytes, and random bytes behind each signature, never throw', () => {
    const prefixes = [new Uint8Array(0), PROXY_V2_SIGNATURE, new TextEncoder().encode('PROXY ')];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 300 }), (prefix, rest) => {
        const input = new Uint8Array([...prefix, ...rest]);
        assertWellFormed(decodeProxyHeader(input), input);
        assertWellFormed(decodeProxyHeader(input, { maxLength: 64 }), input);
      }),
      { numRuns: 3000 },
    );
  });

  it('v2 headers with a random version, family and length byte never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ maxLength: 260 }),
        (fixed, rest) => {
          const input = new Uint8Array([...PROXY_V2_SIGNATURE, ...fixed, ...rest]);
          assertWellFormed(decodeProxyHeader(input), input);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('truncated and bit-flipped headers never throw', () => {
    const encoded = fc.oneof(v2Header.map(encodeProxyV2), v1Header.map(encodeProxyV1));
    fc.assert(
      fc.property(encoded, fc.nat(), fc.nat(), (bytes, at, bit) => {
        const flipped = bytes.slice();
        const i = at % flipped.length;
        flipped[i] = (flipped[i] as number) ^ (1 << (bit % 8));
        assertWellFormed(decodeProxyHeader(flipped), flipped);
        const cut = bytes.subarray(0, at % bytes.length);
        assertWellFormed(decodeProxyHeader(cut), cut);
      }),
      { numRuns: 2000 },
    );
  });
});
