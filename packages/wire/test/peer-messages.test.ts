/**
 * The peer protocol's JSON messages (docs/peer-protocol.md): every client and server message
 * survives a JSON round trip through its parser, unknown fields are dropped, and hostile text
 * (random strings, random JSON, deep nesting, huge numbers, prototype-pollution keys) comes back as
 * a failure with a stable code, never a throw. About 9,000 inputs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PEER_CLIENT_MESSAGE_TYPES,
  PEER_SERVER_MESSAGE_TYPES,
  parsePeerClientMessage,
  parsePeerServerMessage,
  type PeerParseFailure,
} from '../src/index.js';
import { clientMessages, opaque, serverMessages } from './helpers/peer-arbitraries.js';

const parsers = [
  ['client', parsePeerClientMessage, clientMessages, PEER_CLIENT_MESSAGE_TYPES],
  ['server', parsePeerServerMessage, serverMessages, PEER_SERVER_MESSAGE_TYPES],
] as const;

/** A parse result that is either a message or a well-formed failure. */
function assertWellFormed(r: { ok: true; message: unknown } | PeerParseFailure): void {
  if (r.ok) return assert.equal(typeof r.message, 'object');
  assert.ok(['NOT_JSON', 'UNKNOWN_TYPE', 'INVALID'].includes(r.code), r.code);
  assert.equal(typeof r.message, 'string');
}

for (const [side, parse, arbitraries, types] of parsers) {
  describe(`${side} -> ${side === 'client' ? 'server' : 'client'} messages`, () => {
    it('has an arbitrary for every type the schema knows', () => {
      assert.deepEqual(Object.keys(arbitraries).sort(), [...types].sort());
    });

    for (const [type, arbitrary] of Object.entries(arbitraries) as [string, fc.Arbitrary<object>][]) {
      it(`round-trips ${type}, ignoring unknown fields`, () => {
        fc.assert(
          fc.property(arbitrary, opaque, (generated, extra) => {
            const m: unknown = JSON.parse(JSON.stringify(generated)); // a plain object, as parsed
            assert.deepEqual(parse(JSON.stringify(m)), { ok: true, message: m });
            const r = parse(JSON.stringify({ ...generated, extraField: extra, v2: { nested: true } }));
            assert.deepEqual(r, { ok: true, message: m });
          }),
          { numRuns: 200 },
        );
      });
    }

    it('reports an unknown type as UNKNOWN_TYPE, a bad field as INVALID naming it, bad JSON as NOT_JSON', () => {
      assert.deepEqual(parse('{"type":"hello","session":1}'), {
        ok: false,
        code: 'UNKNOWN_TYPE',
        message: 'type: unknown type "hello"',
        type: 'hello',
      });
      for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const r = parse(JSON.stringify({ type: t }));
        assert.ok(!r.ok && r.code === 'UNKNOWN_TYPE', t);
      }
      const bad = parse(
        JSON.stringify({ type: side === 'client' ? 'close' : 'closed', session: 0, reason: 'x' }),
      );
      assert.ok(!bad.ok && bad.code === 'INVALID');
      assert.match(bad.message, /^session: /);
      assert.equal(bad.type, side === 'client' ? 'close' : 'closed');
      for (const text of ['', 'nope', '{"type":', '\u0000', '{"type":"ping"}garbage']) {
        assert.deepEqual(parse(text), { ok: false, code: 'NOT_JSON', message: 'not JSON' });
      }
      for (const json of ['null', '7', '"ping"', '[]', '[{"type":"ping"}]', '{}', '{"type":7}']) {
        const r = parse(json);
        assert.ok(!r.ok && r.code === 'INVALID', json);
      }
    });

    it('never throws on random text or random JSON', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (s) => assertWellFormed(parse(s))),
        { numRuns: 1000 },
      );
      fc.assert(
        fc.property(fc.jsonValue(), (v) => assertWellFormed(parse(JSON.stringify(v)))),
        { numRuns: 1000 },
      );
      // Random values under a known type: the schema, not luck, decides.
      const known = fc.constantFrom(...types);
      fc.assert(
        fc.property(known, fc.dictionary(fc.string(), fc.jsonValue()), (type, rest) =>
          assertWellFormed(parse(JSON.stringify({ ...rest, type }))),
        ),
        { numRuns: 1000 },
      );
    });

    it('survives deep nesting and huge numbers', () => {
      const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
      for (const n of [1_000, 100_000]) {
        assertWellFormed(parse(deep(n)));
        const nested = `{"type":"${side === 'client' ? 'signal' : 'pong'}","session":1,"from":"a","data":${deep(n)}}`;
        assertWellFormed(parse(nested));
      }
      for (const n of ['1e400', '-1e400', '4294967296', '1.5', '9007199254740993', '-0']) {
        const r = parse(`{"type":"${side === 'client' ? 'close' : 'closed'}","session":${n},"reason":"x"}`);
        assert.ok(!r.ok && r.code === 'INVALID', n);
      }
      assert.deepEqual(parse('{"type":"pong","ts":1e308}'), {
        ok: true,
        message: { type: 'pong', ts: 1e308 },
      });
      assert.ok(!parse('{"type":"pong","ts":1e400}').ok, 'Infinity is not a timestamp');
    });

    it('copies no prototype-pollution keys and reads none through the prototype', () => {
      const r = parse(
        '{"type":"pong","ts":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      );
      assert.ok(r.ok);
      assert.deepEqual(r.message, { type: 'pong', ts: 1 });
      assert.equal(Object.getPrototypeOf(r.message), Object.prototype);
      assert.equal(Object.hasOwn(r.message, '__proto__'), false);
      assert.equal(({} as { polluted?: boolean }).polluted, undefined);
      // A `type` hidden behind `__proto__` is no type at all.
      const hidden = parse('{"__proto__":{"type":"pong"}}');
      assert.ok(!hidden.ok && hidden.code === 'INVALID');
    });
  });
}
