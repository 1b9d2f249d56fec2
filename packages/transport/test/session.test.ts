/**
 * The session end to end on a fake clock: the handshake with pinned identities, messages,
 * datagrams and streams; a wrong pinned key; lost handshake packets; the handshake deadline.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIdentity } from '../src/crypto/identity.js';
import { dataOf, isOpen, sessionPair } from './helpers/session-pair.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('session', () => {
  it('opens with pinned identities and carries messages, datagrams and streams both ways', () => {
    const ia = createIdentity();
    const ib = createIdentity();
    const p = sessionPair({
      a: { identity: ia, remoteIdentity: ib.publicKey },
      b: { identity: ib, remoteIdentity: ia.publicKey },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    assert.deepEqual(p.a.session.remoteIdentity, ib.publicKey);
    assert.deepEqual(p.b.session.remoteIdentity, ia.publicKey);

    let s1 = 0;
    let s2 = 0;
    p.act((now) => {
      p.a.session.sendMessage(text('hello'), now);
      p.b.session.sendMessage(text('hi'), now);
      p.a.session.sendDatagram(text('tick'), now);
      s1 = p.a.session.openStream();
      s2 = p.b.session.openStream();
      p.a.session.writeStream(s1, new Uint8Array(300_000).fill(1), now);
      p.b.session.writeStream(s2, text('from b'), now);
      p.a.session.endStream(s1, now);
    });
    assert.equal(s1 % 2, 1, 'initiator streams are odd');
    assert.equal(s2 % 2, 0, 'responder streams are even');
    p.run(() => p.b.events.some((e) => e.type === 'stream-end'));
    assert.deepEqual(dataOf(p.b.events, 'message'), [text('hello')]);
    assert.deepEqual(dataOf(p.a.events, 'message'), [text('hi')]);
    assert.deepEqual(dataOf(p.b.events, 'datagram'), [text('tick')]);
    const streamBytes = p.b.events.flatMap((e) =>
      e.type === 'stream-data' && e.stream === s1 ? [...e.data] : [],
    );
    assert.equal(streamBytes.length, 300_000);
    assert.ok(streamBytes.every((x) => x === 1));
    assert.deepEqual(
      p.a.events.flatMap((e) => (e.type === 'stream-data' ? [e.data] : [])),
      [text('from b')],
    );
    assert.throws(() => p.a.session.writeStream(s1, text('x'), p.now), { code: 'TRANSPORT_STREAM_CLOSED' });
  });

  it('sends each handshake message once on a clean path, HS3 included', () => {
    const types: number[] = [];
    const p = sessionPair({
      tamper: (bytes) => {
        if ((bytes[0] ?? 0) <= 3) types.push(bytes[0] ?? 0);
        return bytes;
      },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    const until = p.now + 5_000;
    p.run(() => p.now >= until);
    assert.deepEqual(types, [1, 2, 3]);
  });

  it('fails with TRANSPORT_KEY_MISMATCH when the responder is not the pinned identity', () => {
    const p = sessionPair({ a: { remoteIdentity: createIdentity().publicKey } });
    p.start();
    p.run(() => p.a.session.isClosed);
    const error = p.a.events.find((e) => e.type === 'error');
    assert.equal(error?.type === 'error' && error.error.code, 'TRANSPORT_KEY_MISMATCH');
    assert.equal(isOpen(p.a), false);
    assert.equal(isOpen(p.b), false, 'the responder never got HS3');
  });

  it('fails with TRANSPORT_KEY_MISMATCH when the initiator is not the pinned identity', () => {
    const p = sessionPair({ b: { remoteIdentity: createIdentity().publicKey } });
    p.start();
    p.run(() => p.b.session.isClosed);
    const error = p.b.events.find((e) => e.type === 'error');
    assert.equal(error?.type === 'error' && error.error.code, 'TRANSPORT_KEY_MISMATCH');
    assert.equal(isOpen(p.b), false);
  });

  it('completes the handshake when handshake packets are lost', () => {
    let dropped = 0;
    const p = sessionPair({
      // Drop the first HS1 twice, the first HS2 once and the first HS3 twice.
      tamper: (bytes) => {
        const budget = { 1: 2, 2: 1, 3: 2 }[bytes[0] ?? 0] ?? 0;
        const seen = (counts[bytes[0] ?? 0] = (counts[bytes[0] ?? 0] ?? 0) + 1);
        if (seen <= budget) {
          dropped++;
          return undefined;
        }
        return bytes;
      },
    });
    const counts: Record<number, number> = {};
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    p.act((now) => p.a.session.sendMessage(text('after loss'), now));
    p.run(() => dataOf(p.b.events, 'message').length === 1);
    assert.equal(dropped, 5);
  });

  it('gives up with TRANSPORT_HANDSHAKE_TIMEOUT when nobody answers', () => {
    const p = sessionPair({
      tamper: (bytes, from) => (from === 'a' ? undefined : bytes),
      a: { handshakeTimeoutMs: 3000 },
    });
    p.start();
    const end = p.run(() => p.a.session.isClosed);
    const error = p.a.events.find((e) => e.type === 'error');
    assert.equal(error?.type === 'error' && error.error.code, 'TRANSPORT_HANDSHAKE_TIMEOUT');
    assert.equal(end, 3000);
  });

  it('acknowledges every packet at once in Turbo (ackNoDelay), on its tick otherwise', () => {
    const acksFor = (mode: 'fast' | 'turbo') => {
      const p = sessionPair({ a: { mode }, b: { mode } });
      p.start();
      p.run(() => isOpen(p.a) && isOpen(p.b));
      const before = p.b.session.stats().packetsSent;
      // 40 messages in 40 packets arriving together: one tick acks them all in one or two packets.
      p.act((now) => {
        for (let i = 0; i < 40; i++) p.a.session.sendMessage(text(`m${i}`), now);
      });
      p.run(() => dataOf(p.b.events, 'message').length === 40);
      return p.b.session.stats().packetsSent - before;
    };
    const turbo = acksFor('turbo');
    const fast = acksFor('fast');
    assert.ok(turbo >= 40, `turbo sent ${turbo} ack packets`);
    assert.ok(fast <= 3, `fast sent ${fast} ack packets`);
  });

  it('refuses to send before it is open, and datagrams over the MTU', () => {
    const p = sessionPair();
    assert.throws(() => p.a.session.sendMessage(text('x'), 0), { code: 'TRANSPORT_NOT_OPEN' });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    const max = p.a.session.maxDatagramSize;
    assert.throws(() => p.a.session.sendDatagram(new Uint8Array(max + 1), p.now), {
      code: 'TRANSPORT_DATAGRAM_TOO_LARGE',
    });
    p.act((now) => p.a.session.sendDatagram(new Uint8Array(max), now));
    p.run(() => dataOf(p.b.events, 'datagram').length === 1);
  });
});
