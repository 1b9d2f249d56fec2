/**
 * The session over paths (docs/transport.md): a transfer starts on a slow lossy "relay" path,
 * switches to a faster "direct" path mid-transfer and back again, on each side at slightly
 * different times, as independent path selectors would. Nothing is reset: the data arrives exactly,
 * no packet fails to decode, and retransmissions stay bounded by what the links lost plus one
 * window of spurious fast retransmits (segments on the new, faster path overtake those still on the
 * old one, which looks like loss to fast retransmit).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIdentity } from '../src/crypto/identity.js';
import { PathSession } from '../src/path.js';
import { Session } from '../src/session/session.js';
import type { SessionEvent } from '../src/session/session-types.js';
import { run, seededRandom } from './helpers/lossy-link.js';
import { simPathPair } from './helpers/sim-path.js';

describe('session over switching paths', () => {
  it('survives relay -> direct -> relay switches mid-transfer with exact delivery', () => {
    let t = 0;
    const clock = () => t;
    const setClock = (now: number) => {
      t = now;
    };
    const ia = createIdentity();
    const ib = createIdentity();
    const window = 128;
    const common = { mode: 'fast' as const, sendWindow: window, receiveWindow: window };
    const sa = new Session({ role: 'initiator', identity: ia, remoteIdentity: ib.publicKey, ...common });
    const sb = new Session({ role: 'responder', identity: ib, remoteIdentity: ia.publicKey, ...common });
    const ea: SessionEvent[] = [];
    const eb: SessionEvent[] = [];
    const pa = new PathSession(sa, clock, (e) => ea.push(e), 1200);
    const pb = new PathSession(sb, clock, (e) => eb.push(e), 1200);
    const relay = simPathPair(
      'relay',
      1200,
      { delayMs: 40, jitterMs: 10, loss: 0.03, seed: 11 },
      clock,
      setClock,
    );
    const direct = simPathPair(
      'udp:192.0.2.7:40000',
      1400,
      { delayMs: 8, jitterMs: 4, loss: 0.01, seed: 12 },
      clock,
      setClock,
    );
    pa.addPath(relay.a);
    pa.addPath(direct.a);
    pb.addPath(relay.b);
    pb.addPath(direct.b);
    pa.select('relay');
    pb.select('relay');
    const nodes = [pa, pb].map((ps) => ({
      nextWake: () => ps.nextWakeAt(),
      tick: (now: number) => {
        setClock(now);
        ps.tick();
      },
    }));
    const schedule = [...relay.schedule, ...direct.schedule];
    const go = (done: () => boolean) => {
      t = run(nodes, schedule, done, t, 120_000);
    };

    pa.start();
    pb.start();
    go(() => sa.isOpen && sb.isOpen);

    // 1.2 MB on a stream plus 300 messages, written at once; KCP's window paces them.
    const random = seededRandom(99);
    const payload = Uint8Array.from({ length: 1_200_000 }, () => Math.floor(random() * 256));
    const messages = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    const stream = sa.openStream();
    sa.writeStream(stream, payload, t);
    for (const m of messages) sa.sendMessage(m, t);
    pa.flush();
    const received = () => eb.reduce((n, e) => n + (e.type === 'stream-data' ? e.data.length : 0), 0);

    go(() => received() >= payload.length / 3);
    pa.select('udp:192.0.2.7:40000');
    go(() => received() >= payload.length / 3 + 20_000);
    pb.select('udp:192.0.2.7:40000');
    go(() => received() >= (payload.length * 2) / 3);
    pb.select('relay');
    go(() => received() >= (payload.length * 2) / 3 + 20_000);
    pa.select('relay');
    go(() => eb.filter((e) => e.type === 'message').length === messages.length);

    const got = new Uint8Array(payload.length);
    let offset = 0;
    for (const e of eb) {
      if (e.type === 'stream-data') {
        got.set(e.data, offset);
        offset += e.data.length;
      }
    }
    assert.equal(offset, payload.length);
    assert.ok(Buffer.from(got).equals(Buffer.from(payload)), 'stream bytes exact');
    assert.deepEqual(
      eb.flatMap((e) => (e.type === 'message' ? [e.data] : [])),
      messages,
    );
    assert.equal(ea.filter((e) => e.type === 'open').length, 1, 'one handshake only');
    assert.equal(
      ea.filter((e) => e.type === 'error').length + eb.filter((e) => e.type === 'error').length,
      0,
    );
    assert.ok(relay.a.sent > 0 && direct.a.sent > 0 && relay.b.sent > 0 && direct.b.sent > 0);

    const a = sa.stats();
    const b = sb.stats();
    for (const s of [a, b]) {
      assert.deepEqual(
        { ...s.dropped, replayed: 0 },
        { malformed: 0, replayed: 0, 'stale-epoch': 0, unauthenticated: 0, early: 0, handshake: 0 },
        'no decode failures',
      );
    }
    const lost = [...relay.links, ...direct.links].reduce((n, l) => n + l.dropped, 0);
    const retransmits = a.timeoutRetransmits + a.fastRetransmits;
    assert.ok(retransmits <= 2 * lost + window, `${retransmits} retransmissions for ${lost} lost datagrams`);
    assert.ok(retransmits < a.packetsSent * 0.15, `${retransmits} of ${a.packetsSent} packets were repeats`);
  });
});
