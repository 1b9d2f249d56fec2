// Drives a million random and mutated datagrams through the TURN engine (client side, peer side,
// socket reports and the clock) and checks that nothing throws, everything was counted, and the
// engine still serves a well-behaved client afterwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StunAttr,
  StunMethod,
  encodeChannelData,
  encodeChannelNumber,
  encodeEvenPort,
  encodeUint32,
  newTransactionId,
  type TransportAddress,
} from '@peerlink/wire';
import { allocated, client, harness, login, seededRandom } from './helpers/engine-harness.js';
import { indication, peerAttr, request, udpTransport } from './helpers/turn-messages.js';

const T0 = 1_800_000_000_000;
const TOTAL = 1_000_000;

describe('TURN engine fuzz', () => {
  it(`survives ${TOTAL.toLocaleString('en')} random and mutated datagrams`, (t) => {
    const { engine, events } = harness({ maxPermissions: 16, userQuota: 1000 });
    const c = client();
    const peer: TransportAddress = { family: 4, address: '198.51.100.20', port: 7000 };
    const { creds } = allocated(engine, c, T0);
    const tid = newTransactionId();
    const corpus: Uint8Array[] = [
      request(StunMethod.Allocate, [udpTransport()]),
      request(
        StunMethod.Allocate,
        [udpTransport(), { type: StunAttr.EvenPort, value: encodeEvenPort(true) }],
        creds,
      ),
      request(StunMethod.Refresh, [{ type: StunAttr.Lifetime, value: encodeUint32(600) }], creds),
      request(StunMethod.CreatePermission, [peerAttr(peer, tid)], creds, tid),
      request(
        StunMethod.ChannelBind,
        [{ type: StunAttr.ChannelNumber, value: encodeChannelNumber(0x4000) }, peerAttr(peer, tid)],
        creds,
        tid,
      ),
      indication(
        StunMethod.Send,
        [peerAttr(peer, tid), { type: StunAttr.Data, value: new Uint8Array(40) }],
        tid,
      ),
      encodeChannelData(0x4000, new Uint8Array(33)),
    ];
    for (const m of corpus.slice(3, 5)) engine.handleClient(m, c, T0);
    const rnd = seededRandom(12345);
    let pool = rnd(1 << 20);
    let at = 0;
    const next = (): number => {
      if (at >= pool.length) {
        pool = rnd(1 << 20);
        at = 0;
      }
      return pool[at++] as number;
    };
    const clients = [c, client(40001), client(40002, 'tcp')];
    let now = T0;
    const started = Date.now();
    for (let i = 0; i < TOTAL; i++) {
      const kind = next() & 7;
      let bytes: Uint8Array;
      if (kind < 2) {
        bytes = rnd(next() % 120);
        if (kind === 1 && bytes.length > 0) bytes[0] = 0x40 | (bytes[0]! & 0x0f);
      } else {
        const base = corpus[next() % corpus.length]!;
        bytes = base.slice(0, next() & 1 ? base.length : next() % (base.length + 1));
        const flips = 1 + (next() & 3);
        for (let f = 0; f < flips && bytes.length > 0; f++) {
          const pos = ((next() << 8) | next()) % bytes.length;
          bytes[pos] = kind === 7 ? next() : bytes[pos]! ^ (1 << (next() & 7));
        }
      }
      const who = clients[next() % clients.length]!;
      if ((i & 15) === 0) engine.handlePeer(next() % 4, { ...peer, port: 7000 + (next() & 1) }, bytes, now);
      else engine.handleClient(bytes, who, now);
      if ((i & 1023) === 0) {
        now += 1000;
        engine.tick(now);
        engine.relaysOpened(next() % 8, (next() & 1) === 1, now);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const drops = events.filter((e) => e.type === 'drop').length;
    const answered = events.filter((e) => e.type === 'response').length;
    assert.ok(drops > TOTAL / 4, `most garbage is dropped and counted (${drops})`);
    assert.ok(answered > 1000, `well-formed requests are still answered (${answered})`);
    t.diagnostic(`fuzz: ${TOTAL} datagrams in ${seconds.toFixed(1)} s, ${drops} drops, ${answered} answers`);
    // The engine still works for a fresh, honest client.
    // (a new source IP: the fuzzing one has spent its 401 budget, as it should have)
    const fresh = {
      ...client(41000),
      key: 'udp|203.0.113.99:41000',
      from: { family: 4 as const, address: '203.0.113.99', port: 41000 },
    };
    allocated(engine, fresh, now, [], login(engine, fresh, now));
    assert.ok(engine.stats().allocations >= 1);
  });
});
