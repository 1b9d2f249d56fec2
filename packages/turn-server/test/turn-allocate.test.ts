import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StunAttr,
  StunMethod,
  decodeAddressErrorCode,
  encodeAddressFamily,
  encodeEvenPort,
  encodeRequestedTransport,
  encodeUint32,
  findAttribute,
  longTermKey,
  makeTurnRestCredentials,
  newTransactionId,
  verifyMessageIntegrity,
} from '@peerlink/wire';
import { allocated, answerOf, client, harness, login } from './helpers/engine-harness.js';
import { codeOf, lifetimeOf, relayedOf, request, textOf, udpTransport } from './helpers/turn-messages.js';

const T0 = 1_800_000_000_000;

describe('TURN Allocate (RFC 8656 §7)', () => {
  it('answers an unauthenticated Allocate with 401, REALM and NONCE, and no SOFTWARE', () => {
    const { engine } = harness();
    const msg = answerOf(engine.handleClient(request(StunMethod.Allocate, [udpTransport()]), client(), T0));
    assert.equal(codeOf(msg), 401);
    assert.equal(textOf(msg, StunAttr.Realm), 'peerlink');
    assert.match(textOf(msg, StunAttr.Nonce) ?? '', /^[0-9a-f]{20,}$/);
    assert.equal(findAttribute(msg, StunAttr.Software), undefined);
    assert.equal(findAttribute(msg, StunAttr.MessageIntegrity), undefined);
  });

  it('allocates for a static user: relayed and mapped addresses, 600 s, integrity', () => {
    const { engine, count } = harness({ minPort: 50000, maxPort: 50100 });
    const c = client();
    const { msg, relays, creds } = allocated(engine, c, T0);
    assert.equal(relays.length, 1);
    assert.deepEqual(relayedOf(msg), relays);
    assert.equal(relays[0]!.address, '192.0.2.10');
    assert.ok(relays[0]!.port >= 50000 && relays[0]!.port <= 50100);
    assert.equal(lifetimeOf(msg), 600);
    const bytes = engine.handleClient(request(StunMethod.Refresh, [], creds), c, T0);
    assert.equal(bytes[0]?.type, 'to-client');
    if (bytes[0]?.type === 'to-client') {
      assert.ok(verifyMessageIntegrity(bytes[0].bytes, longTermKey('alice', 'peerlink', 'wonderland')));
    }
    assert.equal(engine.stats().allocations, 1);
    assert.equal(
      count((e) => e.type === 'allocation' && e.change === 'created'),
      1,
    );
  });

  it('answers a retransmitted Allocate with the same response, another one with 437', () => {
    const { engine } = harness();
    const c = client();
    const creds = login(engine, c, T0);
    const tid = newTransactionId();
    const req = request(StunMethod.Allocate, [udpTransport()], creds, tid);
    const open = engine.handleClient(req, c, T0)[0]!;
    assert.equal(open.type, 'open-relays');
    assert.deepEqual(engine.handleClient(req, c, T0), [], 'retransmit while binding is dropped');
    const first = engine.relaysOpened(open.type === 'open-relays' ? open.allocation : 0, true, T0);
    const again = engine.handleClient(req, c, T0 + 100);
    assert.deepEqual(again, first);
    const other = answerOf(engine.handleClient(request(StunMethod.Allocate, [udpTransport()], creds), c, T0));
    assert.equal(codeOf(other), 437);
  });

  it('refuses a missing REQUESTED-TRANSPORT (400), TCP relaying over UDP (400) and SCTP (442)', () => {
    const { engine } = harness();
    const c = client();
    const creds = login(engine, c, T0);
    assert.equal(codeOf(answerOf(engine.handleClient(request(StunMethod.Allocate, [], creds), c, T0))), 400);
    const tcp = { type: StunAttr.RequestedTransport, value: encodeRequestedTransport(6) };
    assert.equal(
      codeOf(answerOf(engine.handleClient(request(StunMethod.Allocate, [tcp], creds), c, T0))),
      400,
    );
    const sctp = { type: StunAttr.RequestedTransport, value: encodeRequestedTransport(132) };
    assert.equal(
      codeOf(answerOf(engine.handleClient(request(StunMethod.Allocate, [sctp], creds), c, T0))),
      442,
    );
  });

  it('clamps LIFETIME to 600..3600 on Allocate; Refresh 0 deletes; expiry closes the relay', () => {
    const { engine, count } = harness();
    const long = allocated(engine, client(1), T0, [{ type: StunAttr.Lifetime, value: encodeUint32(7200) }]);
    assert.equal(lifetimeOf(long.msg), 3600);
    const short = allocated(engine, client(2), T0, [{ type: StunAttr.Lifetime, value: encodeUint32(60) }]);
    assert.equal(lifetimeOf(short.msg), 600);
    const zero = [{ type: StunAttr.Lifetime, value: encodeUint32(0) }];
    const out = engine.handleClient(request(StunMethod.Refresh, zero, long.creds), client(1), T0 + 1000);
    assert.deepEqual(
      out.map((o) => o.type),
      ['to-client', 'close-relays'],
    );
    assert.equal(engine.stats().allocations, 1);
    assert.deepEqual(engine.tick(T0 + 599_000), []);
    const expired = engine.tick(T0 + 600_000);
    assert.equal(expired.length, 1);
    assert.equal(expired[0]!.type, 'close-relays');
    assert.equal(engine.stats().allocations, 0);
    assert.equal(
      count((e) => e.type === 'allocation' && e.change === 'expired'),
      1,
    );
  });

  it('Refresh keeps an allocation alive; Refresh without one is 437', () => {
    const { engine } = harness();
    const c = client();
    const { creds } = allocated(engine, c, T0);
    const r = answerOf(engine.handleClient(request(StunMethod.Refresh, [], creds), c, T0 + 500_000));
    assert.equal(lifetimeOf(r), 600);
    assert.deepEqual(engine.tick(T0 + 700_000), []);
    assert.equal(engine.tick(T0 + 1_100_000).length, 1);
    const again = login(engine, c, T0 + 1_100_001);
    const gone = answerOf(engine.handleClient(request(StunMethod.Refresh, [], again), c, T0 + 1_100_001));
    assert.equal(codeOf(gone), 437);
  });

  it('EVEN-PORT with R gives an even port and a RESERVATION-TOKEN that allocates the next port', () => {
    const { engine } = harness({ minPort: 50000, maxPort: 50009 });
    const first = allocated(engine, client(1), T0, [
      { type: StunAttr.EvenPort, value: encodeEvenPort(true) },
    ]);
    const port = first.relays[0]!.port;
    assert.equal(port % 2, 0);
    const token = findAttribute(first.msg, StunAttr.ReservationToken);
    assert.ok(token);
    assert.equal(token.value.length, 8);
    const second = allocated(engine, client(2), T0 + 10, [
      { type: StunAttr.ReservationToken, value: token.value },
    ]);
    assert.equal(second.relays[0]!.port, port + 1);
    const c3 = client(3);
    const reuse = request(
      StunMethod.Allocate,
      [udpTransport(), { type: StunAttr.ReservationToken, value: token.value }],
      login(engine, c3, T0),
    );
    assert.equal(codeOf(answerOf(engine.handleClient(reuse, c3, T0 + 20))), 508, 'a token is used once');
  });

  it('frees an unredeemed reservation after 30 s', () => {
    const { engine } = harness({ minPort: 50000, maxPort: 50001 });
    allocated(engine, client(1), T0, [{ type: StunAttr.EvenPort, value: encodeEvenPort(true) }]);
    assert.equal(engine.stats().reservations, 1);
    engine.tick(T0 + 30_000);
    assert.equal(engine.stats().reservations, 0);
    allocated(engine, client(2), T0 + 30_001);
  });

  it('retries a port another process holds, then gives 508', () => {
    const { engine } = harness({ minPort: 50000, maxPort: 50100 });
    const c = client();
    const creds = login(engine, c, T0);
    const open = engine.handleClient(request(StunMethod.Allocate, [udpTransport()], creds), c, T0)[0]!;
    assert.equal(open.type, 'open-relays');
    if (open.type !== 'open-relays') return;
    const retry = engine.relaysOpened(open.allocation, false, T0)[0]!;
    assert.equal(retry.type, 'open-relays');
    assert.equal(engine.relaysOpened(open.allocation, false, T0)[0]!.type, 'open-relays');
    const last = answerOf(engine.relaysOpened(open.allocation, false, T0));
    assert.equal(codeOf(last), 508);
    assert.equal(engine.stats().allocations, 0);
  });

  it('enforces per-user and total quotas with 486', () => {
    const { engine } = harness({
      userQuota: 2,
      totalQuota: 3,
      users: new Map([
        ['alice', 'wonderland'],
        ['bob', 'builder'],
      ]),
    });
    allocated(engine, client(1), T0);
    allocated(engine, client(2), T0);
    const c3 = client(3);
    const over = request(StunMethod.Allocate, [udpTransport()], login(engine, c3, T0));
    assert.equal(codeOf(answerOf(engine.handleClient(over, c3, T0))), 486);
    allocated(engine, client(4), T0, [], login(engine, client(4), T0, 'bob', 'builder'));
    const c5 = client(5);
    const total = request(StunMethod.Allocate, [udpTransport()], login(engine, c5, T0, 'bob', 'builder'));
    assert.equal(codeOf(answerOf(engine.handleClient(total, c5, T0))), 486);
  });

  it('gives dual-stack relays for ADDITIONAL-ADDRESS-FAMILY and an IPv6 one for REQUESTED-ADDRESS-FAMILY', () => {
    const { engine } = harness();
    const dual = allocated(engine, client(1), T0, [
      { type: StunAttr.AdditionalAddressFamily, value: encodeAddressFamily(6) },
    ]);
    assert.deepEqual(
      relayedOf(dual.msg).map((r) => r.address),
      ['192.0.2.10', '2001:db8::10'],
    );
    const legacy = allocated(engine, client(3), T0, [{ type: 0x8032, value: encodeAddressFamily(6) }]);
    assert.equal(relayedOf(legacy.msg).length, 2, "coturn 4.6's ADDITIONAL-ADDRESS-FAMILY code point");
    const v6 = allocated(engine, client(2), T0, [
      { type: StunAttr.RequestedAddressFamily, value: encodeAddressFamily(6) },
    ]);
    assert.deepEqual(
      relayedOf(v6.msg).map((r) => r.family),
      [6],
    );
  });

  it('answers 440 for a family without a relay IP, and ADDRESS-ERROR-CODE for a refused second family', () => {
    const { engine } = harness({ relayIps: { 4: '192.0.2.10' } });
    const c = client(1);
    const raf = [udpTransport(), { type: StunAttr.RequestedAddressFamily, value: encodeAddressFamily(6) }];
    assert.equal(
      codeOf(answerOf(engine.handleClient(request(StunMethod.Allocate, raf, login(engine, c, T0)), c, T0))),
      440,
    );
    const dual = allocated(engine, client(2), T0, [
      { type: StunAttr.AdditionalAddressFamily, value: encodeAddressFamily(6) },
    ]);
    assert.equal(relayedOf(dual.msg).length, 1);
    const err = findAttribute(dual.msg, StunAttr.AddressErrorCode);
    assert.ok(err);
    const d = decodeAddressErrorCode(err.value);
    assert.ok(d.ok && d.value.family === 6 && d.value.code === 440);
  });

  it('a TCP client disconnecting removes its allocation', () => {
    const { engine } = harness();
    const c = client(1, 'tcp');
    allocated(engine, c, T0);
    assert.equal(engine.clientClosed(c.key)[0]?.type, 'close-relays');
    assert.equal(engine.stats().allocations, 0);
  });
});

describe('TURN authentication (RFC 8489 §9.2, TURN REST API)', () => {
  const restCreds = (secret: string, ttl: number, now: number) =>
    makeTurnRestCredentials(secret, 'cam1', ttl, now / 1000);

  const restPair = (secret: string): [string, string] => {
    const rc = restCreds(secret, 3600, T0);
    return [rc.username, rc.password];
  };

  it('accepts REST credentials signed by any configured secret (rotation)', () => {
    const { engine } = harness({ secrets: ['new-secret', 'old-secret'] });
    for (const [i, secret] of ['new-secret', 'old-secret'].entries()) {
      const c = client(100 + i);
      const rc = restCreds(secret, 3600, T0);
      allocated(engine, c, T0, [], login(engine, c, T0, rc.username, rc.password));
    }
  });

  it('takes new REST secrets at run time (a reload): the new one signs, a dropped one no longer does', () => {
    const { engine } = harness({ secrets: ['old-secret'] });
    const attempt = (secret: string, port: number): number => {
      const c = client(port);
      const rc = restCreds(secret, 3600, T0);
      const creds = login(engine, c, T0, rc.username, rc.password);
      return codeOf(
        answerOf(engine.handleClient(request(StunMethod.Allocate, [udpTransport()], creds), c, T0)),
      );
    };
    assert.equal(attempt('new-secret', 200), 401);
    engine.setSecrets(['new-secret', 'old-secret']);
    allocated(engine, client(201), T0, [], login(engine, client(201), T0, ...restPair('new-secret')));
    allocated(engine, client(202), T0, [], login(engine, client(202), T0, ...restPair('old-secret')));
    engine.setSecrets(['new-secret']);
    assert.equal(attempt('old-secret', 203), 401);
  });

  it('refuses expired REST usernames and wrong passwords with 401', () => {
    const { engine, count } = harness({ secrets: ['s'] });
    const c = client();
    const expired = restCreds('s', 60, T0 - 120_000);
    const creds = login(engine, c, T0, expired.username, expired.password);
    assert.equal(
      codeOf(answerOf(engine.handleClient(request(StunMethod.Allocate, [udpTransport()], creds), c, T0))),
      401,
    );
    const forged = restCreds('not-the-secret', 3600, T0);
    const creds2 = login(engine, c, T0, forged.username, forged.password);
    assert.equal(
      codeOf(answerOf(engine.handleClient(request(StunMethod.Allocate, [udpTransport()], creds2), c, T0))),
      401,
    );
    assert.equal(
      count((e) => e.type === 'auth-failure' && e.why === 'expired'),
      1,
    );
    assert.equal(
      count((e) => e.type === 'auth-failure' && e.why === 'bad-integrity'),
      1,
    );
  });

  it('answers 438 with a fresh nonce once a nonce expires, and for a forged one', () => {
    const { engine } = harness({ nonceLifetimeMs: 60_000 });
    const c = client();
    const creds = login(engine, c, T0);
    const late = answerOf(
      engine.handleClient(request(StunMethod.Allocate, [udpTransport()], creds), c, T0 + 61_000),
    );
    assert.equal(codeOf(late), 438);
    const fresh = textOf(late, StunAttr.Nonce);
    assert.notEqual(fresh, creds.nonce);
    allocated(engine, c, T0 + 61_000, [], { ...creds, nonce: fresh! });
    const forged = { ...creds, nonce: 'ffffffffff0123456789abcdef012345' };
    assert.equal(
      codeOf(answerOf(engine.handleClient(request(StunMethod.Refresh, [], forged), c, T0 + 62_000))),
      438,
    );
  });

  it('refuses another user on an existing allocation with 441', () => {
    const { engine } = harness({
      users: new Map([
        ['alice', 'wonderland'],
        ['bob', 'builder'],
      ]),
    });
    const c = client();
    allocated(engine, c, T0);
    const bob = login(engine, c, T0, 'bob', 'builder');
    assert.equal(codeOf(answerOf(engine.handleClient(request(StunMethod.Refresh, [], bob), c, T0))), 441);
  });

  it('rate-limits 401s per source IP and counts what it did not answer', () => {
    const { engine, count } = harness({ unauthorizedBurst: 3, unauthorizedPerSecond: 1 });
    const c = client();
    const answered = [0, 1, 2, 3, 4].map(
      (i) => engine.handleClient(request(StunMethod.Allocate, [udpTransport()]), c, T0 + i).length,
    );
    assert.deepEqual(answered, [1, 1, 1, 0, 0]);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'auth-rate-limited'),
      2,
    );
    assert.equal(engine.handleClient(request(StunMethod.Allocate, [udpTransport()]), c, T0 + 1500).length, 1);
    const other = {
      ...client(),
      key: 'udp|203.0.113.8:1',
      from: { family: 4 as const, address: '203.0.113.8', port: 1 },
    };
    assert.equal(
      engine.handleClient(request(StunMethod.Allocate, [udpTransport()]), other, T0 + 4).length,
      1,
    );
  });

  it('refuses at construction a realm or SOFTWARE it could not send', () => {
    assert.throws(() => harness({ realm: 'a\u0000b' }), { code: 'TURN_BAD_OPTION' });
    assert.throws(() => harness({ software: 'x'.repeat(1000) }), { code: 'TURN_BAD_OPTION' });
  });

  it('adds SOFTWARE only when configured', () => {
    const { engine } = harness({ software: 'peerlink test' });
    const msg = answerOf(engine.handleClient(request(StunMethod.Allocate, [udpTransport()]), client(), T0));
    assert.equal(textOf(msg, StunAttr.Software), 'peerlink test');
  });
});
