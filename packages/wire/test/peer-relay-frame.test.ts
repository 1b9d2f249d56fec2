/**
 * Peer relay frames `[session: u32 big-endian][payload]` (docs/peer-protocol.md): byte vectors,
 * round trips, truncated and random input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodePeerRelayFrame,
  encodePeerRelayFrame,
  PEER_RELAY_HEADER_BYTES,
  readPeerRelaySession,
  WireError,
  WireErrorCode,
} from '../src/index.js';

describe('peer relay frames', () => {
  it('encodes the session big-endian before the payload, byte for byte', () => {
    const vectors: [number, number[], number[]][] = [
      [0x01020304, [0xaa, 0xbb], [0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]],
      [1, [], [0, 0, 0, 1]],
      [0xffffffff, [0], [0xff, 0xff, 0xff, 0xff, 0]],
      [0x80000000, [7, 8, 9], [0x80, 0, 0, 0, 7, 8, 9]],
    ];
    for (const [session, payload, bytes] of vectors) {
      assert.deepEqual([...encodePeerRelayFrame(session, new Uint8Array(payload))], bytes);
      const d = decodePeerRelayFrame(new Uint8Array(bytes));
      assert.ok(d.ok);
      assert.equal(d.value.session, session, 'unsigned, also with the top bit set');
      assert.deepEqual([...d.value.payload], payload);
      assert.equal(readPeerRelaySession(new Uint8Array(bytes)), session);
    }
  });

  it('round-trips any u32 session and payload; the frame is 4 bytes longer than the payload', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 2000 }), (s, p) => {
        const frame = encodePeerRelayFrame(s, p);
        assert.equal(frame.length, PEER_RELAY_HEADER_BYTES + p.length);
        const d = decodePeerRelayFrame(frame);
        assert.ok(d.ok);
        assert.equal(d.value.session, s);
        assert.deepEqual(d.value.payload, p);
      }),
    );
  });

  it('refuses a frame shorter than its header with PEER_RELAY_TRUNCATED', () => {
    for (let n = 0; n < PEER_RELAY_HEADER_BYTES; n++) {
      const d = decodePeerRelayFrame(new Uint8Array(n).fill(0xff));
      assert.ok(!d.ok);
      assert.equal(d.error.code, WireErrorCode.PeerRelayTruncated);
      assert.equal(d.error.offset, 0);
      assert.equal(readPeerRelaySession(new Uint8Array(n)), undefined);
    }
  });

  it('decodes a view of a Node Buffer at an offset as a plain Uint8Array over the same bytes', () => {
    const pool = Buffer.from([9, 9, 9, 0, 0, 0, 5, 1, 2, 3, 9]);
    const frame = pool.subarray(3, 10);
    const d = decodePeerRelayFrame(frame);
    assert.ok(d.ok);
    assert.equal(d.value.session, 5);
    assert.equal(Object.getPrototypeOf(d.value.payload), Uint8Array.prototype);
    assert.deepEqual([...d.value.payload], [1, 2, 3]);
    assert.equal(d.value.payload.buffer, pool.buffer, 'a view, not a copy');
  });

  it('never throws on random bytes, and agrees with readPeerRelaySession', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const d = decodePeerRelayFrame(bytes);
        assert.equal(d.ok, bytes.length >= PEER_RELAY_HEADER_BYTES);
        assert.equal(readPeerRelaySession(bytes), d.ok ? d.value.session : undefined);
      }),
      { numRuns: 1000 },
    );
  });

  it('throws a WireError for a session that is not a u32', () => {
    for (const s of [-1, 0x100000000, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => encodePeerRelayFrame(s, new Uint8Array(1)),
        (e: unknown) => e instanceof WireError && e.code === WireErrorCode.InvalidArgument,
        String(s),
      );
    }
  });
});
