/**
 * What an attacker on the path (the relay, TURN) can do to a session: flip bits, replay packets,
 * inject garbage. None of it reaches the application; the session keeps working. And rekeying:
 * keys roll over under loss without losing data, and a replay from an old epoch is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReplayWindow } from '../src/crypto/replay-window.js';
import { dataOf, isOpen, sessionPair } from './helpers/session-pair.js';

const msg = (i: number) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0xaa);

describe('session under attack', () => {
  it('drops tampered DATA packets, counts them, and still delivers exactly', () => {
    let tampered = 0;
    const p = sessionPair({
      link: { delayMs: 15 },
      tamper: (bytes, from) => {
        // Flip one bit in every third DATA packet from a (header, body or tag).
        if (from === 'a' && bytes[0] === 4 && tampered++ % 3 === 0) {
          const copy = bytes.slice();
          const i = tampered % copy.length;
          copy[i] = (copy[i] as number) ^ (1 << (tampered % 8));
          return copy;
        }
        return bytes;
      },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    p.act((now) => {
      for (let i = 0; i < 200; i++) p.a.session.sendMessage(msg(i), now);
    });
    p.run(() => dataOf(p.b.events, 'message').length === 200);
    assert.deepEqual(
      dataOf(p.b.events, 'message'),
      Array.from({ length: 200 }, (_, i) => msg(i)),
    );
    const d = p.b.session.stats().dropped;
    assert.ok(d.unauthenticated + d.malformed + d.replayed + d['stale-epoch'] > 0);
    assert.ok(d.unauthenticated > 0, 'bit flips fail authentication');
  });

  it('refuses replayed packets: every DATA packet sent twice more is delivered once', () => {
    const captured: Uint8Array[] = [];
    const p = sessionPair({
      tamper: (bytes, from) => {
        if (from === 'a' && bytes[0] === 4) captured.push(bytes);
        return bytes;
      },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    p.act((now) => {
      for (let i = 0; i < 50; i++) p.a.session.sendMessage(msg(i), now);
      for (let i = 0; i < 5; i++) p.a.session.sendDatagram(msg(i), now);
    });
    p.run(() => dataOf(p.b.events, 'message').length === 50 && dataOf(p.b.events, 'datagram').length === 5);
    const before = p.b.session.stats().dropped.replayed;
    p.act((now) => {
      for (const packet of [...captured, ...captured]) p.b.session.receive(packet, now);
    });
    assert.equal(p.b.session.stats().dropped.replayed - before, captured.length * 2);
    assert.equal(dataOf(p.b.events, 'message').length, 50);
    assert.equal(dataOf(p.b.events, 'datagram').length, 5, 'datagrams are not replayed either');
  });

  it('rekeys each direction under loss and reordering without losing data', () => {
    const captured: Uint8Array[] = [];
    const p = sessionPair({
      link: { delayMs: 20, jitterMs: 30, loss: 0.05, seed: 5 },
      a: { rekey: { rekeyAfterPackets: 40 } },
      b: { rekey: { rekeyAfterMs: 100 } },
      tamper: (bytes, from) => {
        if (from === 'a' && bytes[0] === 4 && captured.length < 10) captured.push(bytes);
        return bytes;
      },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    const sent = Array.from({ length: 600 }, (_, i) => msg(i));
    p.act((now) => {
      for (const m of sent.slice(0, 300)) p.a.session.sendMessage(m, now);
    });
    p.run(() => dataOf(p.b.events, 'message').length >= 300);
    p.act((now) => {
      for (const m of sent.slice(300)) p.a.session.sendMessage(m, now);
      p.b.session.sendMessage(msg(7), now);
    });
    p.run(() => dataOf(p.b.events, 'message').length === 600 && dataOf(p.a.events, 'message').length === 1);
    assert.deepEqual(dataOf(p.b.events, 'message'), sent);
    assert.ok(p.a.session.stats().sendEpoch >= 5, `a rekeyed ${p.a.session.stats().sendEpoch} times`);
    assert.ok(p.b.session.stats().sendEpoch >= 1, `b rekeyed ${p.b.session.stats().sendEpoch} times`);
    // Packets from epoch 0 are now more than one epoch old: refused, not delivered.
    const before = p.b.session.stats().dropped;
    p.act((now) => captured.forEach((packet) => p.b.session.receive(packet, now)));
    const after = p.b.session.stats().dropped;
    assert.equal(
      after['stale-epoch'] + after.replayed - before['stale-epoch'] - before.replayed,
      captured.length,
    );
    assert.equal(dataOf(p.b.events, 'message').length, 600);
  });

  it('never throws on random datagrams, in any state, and still works afterwards', () => {
    const p = sessionPair();
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 1500 }),
      fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.uint8Array({ maxLength: 200 }))
        .map(([t, rest]) => Uint8Array.of(t, ...rest)),
    );
    const feed = () =>
      fc.assert(
        fc.property(fc.array(junk, { maxLength: 20 }), (packets) => {
          for (const packet of packets) {
            p.a.session.receive(packet, p.now);
            p.b.session.receive(packet, p.now);
          }
        }),
        { numRuns: 100 },
      );
    feed(); // before the handshake
    p.start();
    feed(); // during
    p.run(() => isOpen(p.a) && isOpen(p.b));
    feed(); // after
    p.act((now) => p.a.session.sendMessage(msg(1), now));
    p.run(() => dataOf(p.b.events, 'message').length === 1);
    assert.equal(p.a.session.isClosed || p.b.session.isClosed, false);
  });
});

describe('replay window', () => {
  it('accepts each counter once, in any order within the window, and refuses older ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 300 }), (counters) => {
        const w = new ReplayWindow(256);
        const seen = new Set<number>();
        let top = -1;
        for (const c of counters) {
          const expected = !seen.has(c) && (c > top || top - c < 256);
          assert.equal(w.check(c), expected, `counter ${c} top ${top}`);
          if (expected) {
            w.commit(c);
            seen.add(c);
            top = Math.max(top, c);
          }
        }
      }),
    );
  });
});
