/**
 * NAT-PMP (RFC 6886) and PCP (RFC 6887) codecs: hand-computed vectors byte for byte, round trips
 * and claimed sizes by fast-check, and hostile input (truncated, bit-flipped, random) that must
 * decode to a typed error or a value, never a throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PCP_MAP_SIZE,
  PortMapError,
  decodeNatPmpExternalResponse,
  decodeNatPmpMapResponse,
  decodeNatPmpRequest,
  decodePcpMapRequest,
  decodePcpMapResponse,
  encodeNatPmpExternalRequest,
  encodeNatPmpExternalResponse,
  encodeNatPmpMapRequest,
  encodeNatPmpMapResponse,
  encodePcpMapRequest,
  encodePcpMapResponse,
  pcpResultError,
  type PortMapResult,
} from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const NONCE = hex('0102030405060708090a0b0c');

describe('NAT-PMP vectors (RFC 6886 §3.2, §3.3)', () => {
  it('encodes the external address request as version 0, opcode 0', () => {
    assert.deepEqual(encodeNatPmpExternalRequest(), hex('00 00'));
  });

  it('encodes a UDP map request: op 1, reserved, internal 5000, suggested 5000, lifetime 7200', () => {
    const b = encodeNatPmpMapRequest({
      protocol: 'udp',
      internalPort: 5000,
      suggestedExternalPort: 5000,
      lifetimeSec: 7200,
    });
    assert.deepEqual(b, hex('00 01 0000 1388 1388 00001c20'));
    assert.deepEqual(decodeNatPmpRequest(b), {
      ok: true,
      value: {
        op: 'map',
        protocol: 'udp',
        internalPort: 5000,
        suggestedExternalPort: 5000,
        lifetimeSec: 7200,
      },
    });
  });

  it('decodes the responses: op 128 with 203.0.113.20, op 129 with port 40000 for 3600 s, epoch 1234', () => {
    const ext = hex('00 80 0000 000004d2 cb007114');
    assert.deepEqual(decodeNatPmpExternalResponse(ext), {
      ok: true,
      value: { resultCode: 0, epochSec: 1234, externalAddress: '203.0.113.20' },
    });
    assert.deepEqual(
      encodeNatPmpExternalResponse({ resultCode: 0, epochSec: 1234, externalAddress: '203.0.113.20' }),
      ext,
    );
    const map = hex('00 81 0000 000004d2 1388 9c40 00000e10');
    const value = {
      protocol: 'udp',
      resultCode: 0,
      epochSec: 1234,
      internalPort: 5000,
      externalPort: 40000,
      lifetimeSec: 3600,
    } as const;
    assert.deepEqual(decodeNatPmpMapResponse(map), { ok: true, value });
    assert.deepEqual(encodeNatPmpMapResponse(value), map);
  });

  it('turns result codes into PORTMAP_REFUSED and a PCP answer into PORTMAP_UNSUPPORTED_VERSION', () => {
    const refused = decodeNatPmpMapResponse(hex('00 81 0002 000004d2 1388 0000 00000000'));
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.error.code === 'PORTMAP_REFUSED' && refused.error.resultCode === 2);
    const v = decodeNatPmpExternalResponse(hex('02 80 0000 000004d2 cb007114'));
    assert.ok(!v.ok && v.error.code === 'PORTMAP_UNSUPPORTED_VERSION');
  });
});

/*
 * PCP MAP request (RFC 6887 §7.1 header + §11.1 payload), computed by hand:
 *   02 01 0000          version 2, R=0 opcode MAP, reserved
 *   00001c20            requested lifetime 7200
 *   0000..ffff c0000221 client 192.0.2.33 as ::ffff:192.0.2.33
 *   0102..0c            nonce
 *   11 000000           protocol 17 (UDP), reserved
 *   1388 0000           internal port 5000, suggested external port 0 (no preference)
 *   0000..ffff 00000000 suggested external address ::ffff:0.0.0.0 (IPv4, no preference)
 * and its response (§7.2 header): 02 81 00 00 (R=1, reserved, result 0), lifetime 3600,
 * epoch 1234, 96 reserved bits, then the payload with external port 40000 and 203.0.113.20.
 */
const PCP_REQUEST = hex(
  '02010000 00001c20 00000000000000000000ffffc0000221 0102030405060708090a0b0c 11000000 13880000 00000000000000000000ffff00000000',
);
const PCP_RESPONSE = hex(
  '02810000 00000e10 000004d2 000000000000000000000000 0102030405060708090a0b0c 11000000 13889c40 00000000000000000000ffffcb007114',
);

describe('PCP MAP vectors (RFC 6887 §7, §11.1)', () => {
  const request = {
    lifetimeSec: 7200,
    clientAddress: '192.0.2.33',
    nonce: NONCE,
    protocol: 17,
    internalPort: 5000,
    suggestedExternalPort: 0,
    suggestedExternalAddress: '0.0.0.0',
  };
  const response = {
    resultCode: 0,
    lifetimeSec: 3600,
    epochSec: 1234,
    nonce: NONCE,
    protocol: 17,
    internalPort: 5000,
    externalPort: 40000,
    externalAddress: '203.0.113.20',
  };

  it('encodes the request and the response byte for byte', () => {
    assert.equal(PCP_REQUEST.length, PCP_MAP_SIZE);
    assert.deepEqual(encodePcpMapRequest(request), PCP_REQUEST);
    assert.deepEqual(encodePcpMapResponse(response), PCP_RESPONSE);
  });

  it('decodes both back, IPv4-mapped addresses as dotted IPv4', () => {
    assert.deepEqual(decodePcpMapRequest(PCP_REQUEST), {
      ok: true,
      value: { ...request, hasOptions: false },
    });
    assert.deepEqual(decodePcpMapResponse(PCP_RESPONSE), { ok: true, value: response });
  });

  it('carries IPv6 addresses as they are', () => {
    const r = decodePcpMapRequest(
      encodePcpMapRequest({ ...request, clientAddress: '2001:db8::2', suggestedExternalAddress: '::' }),
    );
    assert.ok(r.ok);
    assert.equal(r.value.clientAddress, '2001:db8::2');
    assert.equal(r.value.suggestedExternalAddress, '::');
  });

  it('names failure result codes (ADDRESS_MISMATCH = 12) and reads a NAT-PMP answer as another version', () => {
    const e = pcpResultError(12);
    assert.ok(e && !e.ok && e.error.code === 'PORTMAP_REFUSED' && /AddressMismatch/.test(e.error.message));
    assert.equal(pcpResultError(0), undefined);
    const v = decodePcpMapResponse(hex('00 81 0001 00000000 0000 0000 00000000'));
    assert.ok(!v.ok && v.error.code === 'PORTMAP_UNSUPPORTED_VERSION');
  });
});

const port = fc.integer({ min: 0, max: 65535 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const nonce = fc.uint8Array({ minLength: 12, maxLength: 12 });

describe('round trips (fast-check)', () => {
  it('NAT-PMP map request and response, with the claimed sizes', () => {
    fc.assert(
      fc.property(fc.constantFrom('udp' as const, 'tcp' as const), port, port, u32, (protocol, i, s, l) => {
        const q = { protocol, internalPort: i, suggestedExternalPort: s, lifetimeSec: l };
        const b = encodeNatPmpMapRequest(q);
        assert.equal(b.length, 12);
        assert.deepEqual(decodeNatPmpRequest(b), { ok: true, value: { op: 'map', ...q } });
        const r = { protocol, resultCode: 0, epochSec: l, internalPort: i, externalPort: s, lifetimeSec: l };
        const rb = encodeNatPmpMapResponse(r);
        assert.equal(rb.length, 16);
        assert.deepEqual(decodeNatPmpMapResponse(rb, protocol), { ok: true, value: r });
      }),
    );
  });

  it('PCP MAP request and response', () => {
    fc.assert(
      fc.property(u32, ipv4, nonce, fc.nat(255), port, port, ipv4, (l, client, n, proto, i, e, ext) => {
        const q = {
          lifetimeSec: l,
          clientAddress: client,
          nonce: n,
          protocol: proto,
          internalPort: i,
          suggestedExternalPort: e,
          suggestedExternalAddress: ext,
        };
        assert.deepEqual(decodePcpMapRequest(encodePcpMapRequest(q)), {
          ok: true,
          value: { ...q, hasOptions: false },
        });
        const r = {
          resultCode: proto,
          lifetimeSec: l,
          epochSec: l,
          nonce: n,
          protocol: proto,
          internalPort: i,
          externalPort: e,
          externalAddress: ext,
        };
        const b = encodePcpMapResponse(r);
        assert.equal(b.length, PCP_MAP_SIZE);
        assert.deepEqual(decodePcpMapResponse(b), { ok: true, value: r });
      }),
    );
  });
});

/** A decoder's answer to hostile bytes: a value, or a PortMapError with a PORTMAP_ code. */
function sane(r: PortMapResult<unknown>): void {
  if (!r.ok) {
    assert.ok(r.error instanceof PortMapError);
    assert.match(r.error.code, /^PORTMAP_/);
  }
}

const decoders = [
  (b: Uint8Array) => decodeNatPmpRequest(b),
  (b: Uint8Array) => decodeNatPmpExternalResponse(b),
  (b: Uint8Array) => decodeNatPmpMapResponse(b),
  (b: Uint8Array) => decodePcpMapRequest(b),
  (b: Uint8Array) => decodePcpMapResponse(b),
];
const valid = [
  PCP_REQUEST,
  PCP_RESPONSE,
  hex('00 81 0000 000004d2 1388 9c40 00000e10'),
  hex('00 80 0000 000004d2 cb007114'),
  hex('00 01 0000 1388 1388 00001c20'),
];

describe('hostile input never throws', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (b) => decoders.forEach((d) => sane(d(b)))),
      {
        numRuns: 2000,
      },
    );
  });

  it('every truncation of a valid message fails with PORTMAP_TRUNCATED or decodes another opcode', () => {
    for (const v of valid) {
      for (let n = 0; n < v.length; n++) {
        for (const d of decoders) sane(d(v.subarray(0, n)));
        const r = v === PCP_REQUEST ? decodePcpMapRequest(v.subarray(0, n)) : undefined;
        if (r && n >= 4) assert.ok(!r.ok && r.error.code === 'PORTMAP_TRUNCATED', `PCP request cut at ${n}`);
      }
    }
  });

  it('bit-flipped valid messages', () => {
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.nat(7), (v, at, bit) => {
        const b = Uint8Array.from(v);
        b[at % b.length]! ^= 1 << bit;
        decoders.forEach((d) => sane(d(b)));
      }),
      { numRuns: 2000 },
    );
  });
});
