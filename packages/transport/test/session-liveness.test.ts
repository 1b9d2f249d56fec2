/**
 * What the session does over time and around its paths: keepalives hold an idle session open, a
 * silent peer closes it with TRANSPORT_PEER_UNREACHABLE, datagrams are not held behind a lost
 * reliable segment (no head-of-line blocking), and PathSession refuses paths it cannot use.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIdentity } from '../src/crypto/identity.js';
import { PathSession } from '../src/path.js';
import { Session } from '../src/session/session.js';
import { dataOf, isOpen, sessionPair } from './helpers/session-pair.js';
import { SimPath } from './helpers/sim-path.js';
import { LossyLink } from './helpers/lossy-link.js';

describe('session liveness', () => {
  it('keepalives hold an idle session open for minutes', () => {
    const p = sessionPair();
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    const until = p.now + 180_000;
    p.run(() => p.now >= until, 200_000);
    assert.equal(p.a.session.isClosed || p.b.session.isClosed, false);
    assert.ok(p.a.session.stats().packetsSent >= 180_000 / 5_000 - 1, 'a keepalive every 5 s');
  });

  it('closes with TRANSPORT_PEER_UNREACHABLE when the peer goes silent', () => {
    let silent = false;
    const p = sessionPair({ tamper: (bytes, from) => (silent && from === 'b' ? undefined : bytes) });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    silent = true;
    const from = p.now;
    p.run(() => p.a.session.isClosed, 60_000);
    const error = p.a.events.find((e) => e.type === 'error');
    assert.equal(error?.type === 'error' && error.error.code, 'TRANSPORT_PEER_UNREACHABLE');
    // 30 s (idleTimeoutMs) after the last packet heard, which was in flight around `from`.
    assert.ok(Math.abs(p.now - from - 30_000) <= 100, `closed after ${p.now - from} ms`);
  });

  it('delivers datagrams while a reliable message waits for its retransmission', () => {
    let dropNext = false;
    const p = sessionPair({
      link: { delayMs: 20 },
      a: { mode: 'normal' },
      tamper: (bytes, from) => {
        if (from === 'a' && dropNext && bytes[0] === 4) {
          dropNext = false;
          return undefined;
        }
        return bytes;
      },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    p.act((now) => {
      dropNext = true;
      p.a.session.sendMessage(Uint8Array.of(1), now); // lost; Normal mode waits for the RTO
      p.a.session.sendMessage(Uint8Array.of(2), now); // arrives, held behind message 1
      p.a.session.sendDatagram(Uint8Array.of(9), now);
    });
    p.run(() => dataOf(p.b.events, 'datagram').length === 1);
    assert.equal(dataOf(p.b.events, 'message').length, 0, 'messages wait for the lost one');
    p.run(() => dataOf(p.b.events, 'message').length === 2);
    assert.deepEqual(dataOf(p.b.events, 'message'), [Uint8Array.of(1), Uint8Array.of(2)]);
  });
});

describe('PathSession', () => {
  it('refuses an unknown path and one smaller than the session MTU', () => {
    const session = new Session({ role: 'initiator', identity: createIdentity() });
    const ps = new PathSession(
      session,
      () => 0,
      () => {},
      1200,
    );
    const clock = () => 0;
    ps.addPath(new SimPath('small', 576, new LossyLink({ delayMs: 1 }), clock));
    ps.addPath(new SimPath('big', 1500, new LossyLink({ delayMs: 1 }), clock));
    assert.throws(() => ps.select('nope'), { code: 'TRANSPORT_UNKNOWN_PATH' });
    assert.throws(() => ps.select('small'), { code: 'TRANSPORT_UNKNOWN_PATH' });
    ps.select('big');
    assert.equal(ps.selected, 'big');
    ps.removePath('big');
    assert.equal(ps.selected, undefined);
    ps.start(); // HS1 with no path selected: counted, not thrown
    assert.equal(ps.unsent, 1);
  });
});
