/**
 * The SDK's `signal` data and connect/answer payloads (docs/hole-punching.md, docs/client.md): what
 * one peer sends round-trips, what older peers send still reads, and what a hostile peer sends is
 * dropped field by field (or whole, for a wrong kind, password or candidate list), never a throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PEER_MAX_OPENER_RUNGS,
  PEER_MAX_SIGNAL_CANDIDATES,
  PEER_UNKNOWN_NAT,
  parsePeerConnectPayload,
  parsePeerSignalData,
  type PeerDirectCandidates,
} from '../src/index.js';

const ipv4 = fc.ipV4();
const candidate = fc.record(
  {
    type: fc.constantFrom('host', 'srflx', 'prflx', 'mapped', 'relay'),
    address: fc.oneof(
      ipv4,
      fc.ipV6().filter((a) => !/^::ffff:\d/i.test(a) && /^[0-9a-fA-F:.]+$/.test(a)),
    ),
    port: fc.integer({ min: 1, max: 65_535 }),
  },
  { noNullPrototype: true },
);
const nat = fc.record(
  {
    udp: fc.boolean(),
    mappingVaries: fc.option(fc.boolean(), { nil: null }),
    portAllocation: fc.option(fc.constantFrom('preserving', 'sequential', 'random'), { nil: null }),
    publicIp: fc.option(ipv4, { nil: null }),
    ports: fc.array(fc.integer({ min: 1, max: 65_535 }), { maxLength: 8 }),
  },
  { noNullPrototype: true },
);
/** What the SDK's DirectAgent sends. */
const directCandidates = fc.record(
  {
    kind: fc.constant('direct-candidates' as const),
    password: fc.base64String({ maxLength: 64 }),
    generation: fc.nat(),
    candidates: fc.array(candidate, { maxLength: PEER_MAX_SIGNAL_CANDIDATES }),
    nat,
  },
  { noNullPrototype: true },
);
const wellFormed = (r: ReturnType<typeof parsePeerSignalData>): void => {
  if (!r.ok) assert.ok(['UNKNOWN_TYPE', 'INVALID'].includes(r.code));
};

describe('signal data: direct-candidates', () => {
  it('round-trips what the SDK sends, through JSON, ignoring unknown fields', () => {
    fc.assert(
      fc.property(directCandidates, fc.jsonValue(), (d, extra) => {
        const sent = JSON.parse(JSON.stringify({ ...d, punchAt: extra })) as unknown;
        assert.deepEqual(parsePeerSignalData(sent), { ok: true, data: d });
      }),
    );
  });

  it('reads an older peer that sends neither generation nor nat', () => {
    const r = parsePeerSignalData({
      kind: 'direct-candidates',
      password: 'cGFzcw',
      candidates: [{ type: 'host', address: '192.0.2.1', port: 4000 }],
    });
    assert.deepEqual(r, {
      ok: true,
      data: {
        kind: 'direct-candidates',
        password: 'cGFzcw',
        generation: 0,
        candidates: [{ type: 'host', address: '192.0.2.1', port: 4000 }],
        nat: PEER_UNKNOWN_NAT,
      },
    });
  });

  it('reports an unknown kind (a newer peer) as UNKNOWN_TYPE, and refuses a bad password or list', () => {
    const unknown = parsePeerSignalData({ kind: 'punch-timing', at: 5 });
    assert.ok(!unknown.ok && unknown.code === 'UNKNOWN_TYPE' && unknown.type === 'punch-timing');
    const noKind = [null, undefined, true, -1, '', ['direct-candidates'], {}, { kind: 7 }];
    const candidatesOf = (password: unknown, candidates: unknown) => ({
      kind: 'direct-candidates',
      password,
      candidates,
    });
    const badFields = [
      { kind: 'direct-candidates', candidates: [] },
      candidatesOf('p', undefined),
      candidatesOf('p', { 0: { type: 'host', address: '10.0.0.1', port: 1 } }),
      candidatesOf(['p'], []),
      candidatesOf('p'.repeat(65), []),
    ];
    for (const d of [...noKind, ...badFields]) {
      const r = parsePeerSignalData(d);
      assert.ok(!r.ok && r.code === 'INVALID', JSON.stringify(d));
    }
  });

  it('skips malformed candidates, counting them against the cap of 24, and unmaps IPv4', () => {
    // Names to resolve, ports outside 1-65535, unknown types, overlong text, inherited fields.
    const bad: unknown[] = [
      { type: 'relay', address: 'turn.example', port: 3478 },
      { type: 'mapped', address: '10.0.0.1', port: -1 },
      { type: 'prflx', address: '10.0.0.1', port: 65_536 },
      { type: 'HOST', address: '10.0.0.1', port: 7 },
      { type: 'host', address: '1'.repeat(65), port: 7 },
      { type: 'host', address: '10.0.0.1', port: '7' },
      JSON.parse('{"__proto__":{"type":"host","address":"10.0.0.1","port":6}}'),
      null,
    ];
    const good = Array.from({ length: 30 }, (_, i) => ({
      type: 'prflx',
      address: `10.0.1.${i}`,
      port: 30_000 + i,
    }));
    const r = parsePeerSignalData({
      kind: 'direct-candidates',
      password: 'cA',
      candidates: [{ type: 'host', address: '::FFFF:192.0.2.7', port: 9, extra: 1 }, ...bad, ...good],
    });
    assert.ok(r.ok);
    const { candidates } = r.data as PeerDirectCandidates;
    assert.equal(candidates.length, PEER_MAX_SIGNAL_CANDIDATES - bad.length);
    assert.deepEqual(candidates[0], { type: 'host', address: '192.0.2.7', port: 9 });
    assert.ok(candidates.slice(1).every((c) => c.type === 'prflx' && c.port >= 30_000));
  });

  it('reads each malformed NAT hint field as unknown on its own', () => {
    const r = parsePeerSignalData({
      kind: 'direct-candidates',
      password: '',
      candidates: [],
      generation: 1.5,
      nat: {
        udp: 'yes',
        mappingVaries: true,
        portAllocation: 'chaotic',
        publicIp: 'x'.repeat(65),
        ports: [1, 0, 65_536, 2.5, '3', 4, 5, 6, 7, 8, 9, 10, 11],
      },
    });
    assert.ok(r.ok);
    assert.equal(r.data.generation, 0);
    assert.deepEqual((r.data as PeerDirectCandidates).nat, {
      udp: false,
      mappingVaries: true,
      portAllocation: null,
      publicIp: null,
      ports: [1, 4, 5, 6, 7, 8, 9, 10],
    });
    const scalar = parsePeerSignalData({ kind: 'direct-candidates', password: '', candidates: [], nat: 7 });
    assert.ok(scalar.ok);
    assert.deepEqual((scalar.data as PeerDirectCandidates).nat, PEER_UNKNOWN_NAT);
    assert.notEqual(
      (scalar.data as PeerDirectCandidates).nat.ports,
      PEER_UNKNOWN_NAT.ports,
      'a fresh hint, not the shared constant',
    );
  });

  it('never throws on random JSON, at the top or inside a direct-candidates message', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        wellFormed(parsePeerSignalData(x));
        wellFormed(
          parsePeerSignalData({
            kind: 'direct-candidates',
            password: 'cA',
            candidates: [x, y],
            nat: y,
            generation: x,
          }),
        );
      }),
      { numRuns: 1000 },
    );
    const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown;
    wellFormed(
      parsePeerSignalData({ kind: 'direct-candidates', password: '', candidates: [deep], nat: deep }),
    );
  });
});

describe('signal data: direct-opened', () => {
  it('round-trips the TTLs of the openers sent, and refuses anything that is not a short TTL list', () => {
    const sent = { kind: 'direct-opened', generation: 2, rungs: [2, 3, 4] };
    assert.deepEqual(parsePeerSignalData(JSON.parse(JSON.stringify({ ...sent, extra: 1 }))), {
      ok: true,
      data: sent,
    });
    const old = parsePeerSignalData({ kind: 'direct-opened', rungs: [2] });
    assert.ok(old.ok && old.data.kind === 'direct-opened' && old.data.generation === 0);
    for (const rungs of [
      [0],
      [256],
      [2.5],
      ['2'],
      Array.from({ length: PEER_MAX_OPENER_RUNGS + 1 }, () => 2),
      3,
    ]) {
      const r = parsePeerSignalData({ kind: 'direct-opened', generation: 0, rungs });
      assert.ok(!r.ok && r.code === 'INVALID', JSON.stringify(rungs));
    }
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) =>
        wellFormed(parsePeerSignalData({ kind: 'direct-opened', generation: x, rungs: y })),
      ),
      { numRuns: 500 },
    );
  });
});

describe('connect and answer payloads', () => {
  it('round-trips what the SDK sends', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            connection: fc.base64String({ minLength: 4, maxLength: 64 }),
            hs: fc.array(fc.base64String({ minLength: 4, maxLength: 200 }), { maxLength: 2 }),
            resumed: fc.boolean(),
          },
          { requiredKeys: ['connection', 'hs'], noNullPrototype: true },
        ),
        (p) => assert.deepEqual(parsePeerConnectPayload(JSON.parse(JSON.stringify(p))), p),
      ),
    );
  });

  it('reads anything malformed as absent: no connection id, no handshake', () => {
    for (const p of [undefined, null, 7, 'x', [], {}]) assert.deepEqual(parsePeerConnectPayload(p).hs, []);
    const r = parsePeerConnectPayload({
      connection: 'c'.repeat(65),
      hs: ['ok', '', 7, null, 'h'.repeat(4097), 'fine'],
      resumed: 'yes',
    });
    assert.equal(r.connection, undefined);
    assert.equal(r.resumed, undefined);
    assert.deepEqual(r.hs, ['ok', 'fine']);
    assert.deepEqual(parsePeerConnectPayload({ connection: 'abc', hs: 'not-a-list' }), {
      connection: 'abc',
      hs: [],
    });
  });

  it('never throws on random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        assert.ok(Array.isArray(parsePeerConnectPayload(x).hs));
        assert.ok(Array.isArray(parsePeerConnectPayload({ connection: x, hs: [x], resumed: x }).hs));
      }),
      { numRuns: 500 },
    );
  });
});
