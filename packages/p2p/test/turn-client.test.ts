// The sans-IO TURN client against peerlink's own TURN engine in-process, on a fake clock: the 401
// dance, retransmission and giving up, refresh scheduling, 438 Stale Nonce, close.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeStunMessage,
  findAttribute,
  longTermKey,
  verifyMessageIntegrity,
} from '@peerlink/wire';
import { TurnClient, TurnClientErrorCode } from '../src/index.js';
import { CLIENT, EngineLink, SERVER } from './helpers/turn-engine-link.js';

function decode(bytes: Uint8Array) {
  const d = decodeStunMessage(bytes);
  assert.ok(d.ok);
  return d.value;
}

describe('TurnClient: Allocate and the long-term credential dance (RFC 8656 §7, RFC 8489 §9.2)', () => {
  it('sends a bare Allocate, takes the 401, retries signed, and reports the relayed address', () => {
    const link = new EngineLink().start();
    assert.equal(link.sent.length, 2);
    const [bare, signed] = link.sent.map(decode);
    assert.equal(bare!.method, StunMethod.Allocate);
    assert.equal(findAttribute(bare!, StunAttr.Username), undefined);
    assert.equal(findAttribute(bare!, StunAttr.MessageIntegrity), undefined);
    assert.equal(findAttribute(bare!, StunAttr.RequestedTransport)?.value[0], 17);
    assert.notDeepEqual(bare!.transactionId, signed!.transactionId, 'the retry is a new transaction');
    assert.ok(verifyMessageIntegrity(link.sent[1]!, longTermKey('alice', 'peerlink', 'wonderland')));
    assert.equal(link.responses('Allocate', 401), 1);
    assert.equal(link.responses('Allocate', 200), 1);
    const [allocated] = link.of('allocated');
    assert.ok(allocated);
    assert.equal(allocated.relayed.address, SERVER.address);
    assert.deepEqual(allocated.mapped, CLIENT);
    assert.equal(allocated.lifetimeSec, 600);
    assert.deepEqual(link.client.relayed, allocated.relayed);
    assert.equal(link.client.state, 'allocated');
  });

  it('fails with TURN_CLIENT_AUTH_FAILED when the server refuses the signed retry', () => {
    const link = new EngineLink({ password: 'not-the-password' }).start();
    assert.equal(link.sent.length, 2, 'one bare, one signed Allocate, nothing more');
    const [failed] = link.of('failed');
    assert.equal(failed?.code, TurnClientErrorCode.AuthFailed);
    assert.equal(failed?.status, 401);
    assert.equal(link.client.state, 'failed');
    assert.equal(link.client.nextTimeout(), undefined);
    assert.equal(link.engine.stats().allocations, 0);
  });
});

describe('TurnClient: retransmission (RFC 8489 §6.2.1)', () => {
  it('resends on a doubling timer, 7 sends, then gives up after the last wait', () => {
    const client = new TurnClient({ server: SERVER, username: 'alice', password: 'wonderland' });
    client.start(0);
    const sends: number[] = [];
    const bytes: Uint8Array[] = [];
    let now = 0;
    for (;;) {
      const out = client.takeOutput();
      for (const b of out) bytes.push(b);
      for (let i = 0; i < out.length; i++) sends.push(now);
      const next = client.nextTimeout();
      if (next === undefined) break;
      assert.ok(next > now, 'the timer moves forward');
      now = next;
      client.handleTimer(now);
    }
    assert.deepEqual(sends, [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(now, 39500);
    for (const b of bytes) assert.deepEqual(b, bytes[0], 'a retransmission is the same datagram');
    const events = client.takeEvents();
    assert.deepEqual(
      events.map((e) => e.type === 'failed' && e.code),
      [TurnClientErrorCode.Timeout],
    );
    assert.equal(client.stats().retransmits, 6);
  });

  it('recovers when the first answer is lost: the retransmission gets it', () => {
    let lost = 0;
    const link = new EngineLink();
    link.lose = (_b, dir) => dir === 'down' && lost++ === 0;
    link.start();
    assert.equal(link.of('allocated').length, 0);
    link.advance(500);
    assert.equal(link.of('allocated').length, 1, 'allocated after the 500 ms retransmission');
    assert.equal(link.client.stats().retransmits, 1);
  });

  it('honours a shorter timing option', () => {
    const client = new TurnClient({
      server: SERVER,
      username: 'a',
      password: 'b',
      timing: { rtoMs: 10, tries: 2, lastWaitMs: 50 },
    });
    client.start(1000);
    assert.equal(client.nextTimeout(), 1010);
    client.handleTimer(1010);
    assert.equal(client.takeOutput().length, 2);
    assert.equal(client.nextTimeout(), 1060);
    client.handleTimer(1060);
    assert.equal(client.takeEvents()[0]?.type, 'failed');
  });
});

describe('TurnClient: refreshes (RFC 8656 §8) and stale nonces (RFC 8489 §9.2.4)', () => {
  it('refreshes a minute before the lifetime ends, and the allocation outlives its first lifetime', () => {
    const link = new EngineLink().start();
    assert.equal(link.client.nextTimeout(), 540_000);
    link.advance(539_999);
    assert.equal(link.requests('Refresh'), 0);
    link.advance(1);
    assert.equal(link.requests('Refresh'), 1);
    assert.deepEqual(link.of('refreshed'), [{ type: 'refreshed', lifetimeSec: 600 }]);
    link.advance(1_300_000 - link.now);
    assert.equal(link.of('refreshed').length, 2, 'at 540 s and 1080 s');
    assert.equal(link.engine.stats().allocations, 1, 'the server still holds it at 1300 s');
    assert.equal(link.client.state, 'allocated');
  });

  it('refreshes half way through a short lifetime', () => {
    const link = new EngineLink({ lifetimeSec: 60 }, { defaultLifetime: 60 }).start();
    assert.equal(link.of('allocated')[0]?.lifetimeSec, 60);
    assert.equal(link.client.nextTimeout(), 30_000);
  });

  it('answers 438 with the fresh nonce and carries on', () => {
    const link = new EngineLink({}, { nonceLifetimeMs: 60_000 }).start();
    link.advance(540_000);
    assert.equal(link.responses('Refresh', 438), 1, 'the nonce had expired');
    assert.equal(link.responses('Refresh', 200), 1);
    assert.equal(link.of('refreshed').length, 1);
    assert.equal(link.of('failed').length, 0);
  });

  it('fails with TURN_CLIENT_ALLOCATION_LOST when the server forgot the allocation', () => {
    const link = new EngineLink().start();
    link.engine.clientClosed(`udp|${CLIENT.address}:${CLIENT.port}`);
    link.advance(540_000);
    const [failed] = link.of('failed');
    assert.equal(failed?.code, TurnClientErrorCode.AllocationLost);
    assert.equal(failed?.status, 437);
    assert.equal(link.client.relayed, undefined);
  });
});

describe('TurnClient: close', () => {
  it('sends Refresh LIFETIME 0, and the server lets the allocation go', () => {
    const link = new EngineLink().start();
    const before = link.sent.length;
    link.client.close(link.now);
    link.flush();
    const refresh = decode(link.sent[before]!);
    assert.equal(refresh.method, StunMethod.Refresh);
    assert.equal(refresh.cls, StunClass.Request);
    assert.deepEqual([...findAttribute(refresh, StunAttr.Lifetime)!.value], [0, 0, 0, 0]);
    assert.equal(link.of('closed').length, 1);
    assert.equal(link.client.state, 'closed');
    assert.equal(link.engine.stats().allocations, 0);
    assert.equal(link.client.nextTimeout(), undefined);
  });

  it('closes at once, without a datagram, while still allocating', () => {
    const client = new TurnClient({ server: SERVER, username: 'a', password: 'b' });
    client.start(0);
    client.takeOutput();
    client.close(1);
    assert.deepEqual(client.takeOutput(), []);
    assert.deepEqual(client.takeEvents(), [{ type: 'closed' }]);
    assert.equal(client.nextTimeout(), undefined);
  });

  it('closes when the server never answers the Refresh', () => {
    const link = new EngineLink().start();
    link.lose = () => true;
    link.client.close(link.now);
    link.flush();
    link.advance(39_500);
    assert.equal(link.of('closed').length, 1);
  });
});
