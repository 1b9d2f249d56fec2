/**
 * FEC: the Reed-Solomon code rebuilds any m erasures of k + m shards (and refuses with fewer than k
 * left); the shard encoder/decoder rebuild lost datagrams and measure loss; a session with adaptive
 * FEC over a 10% lossy link delivers exactly, rebuilds datagrams, and retransmits less than without.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FecDecoder, FecEncoder, fecRatio } from '../src/fec/fec.js';
import { ReedSolomon } from '../src/fec/reed-solomon.js';
import { dataOf, isOpen, sessionPair } from './helpers/session-pair.js';
import { seededRandom } from './helpers/lossy-link.js';

describe('Reed-Solomon over GF(256)', () => {
  it('rebuilds any m missing shards of k + m', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 64 }),
        fc.infiniteStream(fc.nat()),
        (k, m, size, picks) => {
          const rs = new ReedSolomon(k, m);
          const random = seededRandom(k * 100 + m * 10 + size);
          const data = Array.from({ length: k }, () =>
            Uint8Array.from({ length: size }, () => Math.floor(random() * 256)),
          );
          const all: (Uint8Array | undefined)[] = [...data.map((d) => d.slice()), ...rs.encode(data)];
          const it = picks[Symbol.iterator]();
          const erase = new Set<number>();
          while (erase.size < m) erase.add((it.next().value as number) % (k + m));
          for (const i of erase) all[i] = undefined;
          const rebuilt = rs.reconstruct(all);
          assert.deepEqual(rebuilt?.sort(), [...erase].filter((i) => i < k).sort());
          assert.deepEqual(all.slice(0, k), data);
        },
      ),
    );
  });

  it('refuses with fewer than k shards', () => {
    const rs = new ReedSolomon(4, 2);
    const data = [1, 2, 3, 4].map((x) => Uint8Array.of(x, x));
    const all: (Uint8Array | undefined)[] = [...data, ...rs.encode(data)];
    all[0] = all[1] = all[4] = undefined;
    assert.equal(rs.reconstruct(all), undefined);
  });
});

describe('FEC shards', () => {
  it('picks the ratio from the requirement table', () => {
    assert.deepEqual([0, 0.02, 0.07, 0.15, 0.3].map(fecRatio), [
      [10, 1],
      [8, 2],
      [6, 3],
      [4, 4],
      [3, 5],
    ]);
  });

  it('rebuilds lost datagrams of a group, including a partial group flushed by time', () => {
    const enc = new FecEncoder(30);
    enc.loss = 0.07; // 6:3
    const dec = new FecDecoder();
    const datagrams = Array.from({ length: 8 }, (_, i) =>
      Uint8Array.from({ length: 10 + i * 13 }, (_, j) => i + j),
    );
    const shards = datagrams.flatMap((d, i) => enc.wrap(d, i));
    assert.deepEqual(enc.due(10), [], 'the partial group is not due yet');
    shards.push(...enc.due(40));
    assert.equal(shards.length, 8 + 3 + 3);
    // Lose data shards 0, 2, 5 of group 0 and datagram 7 (index 1 of group 1, shard 10).
    const lost = new Set([0, 2, 5, 10]);
    const got = shards.filter((_, i) => !lost.has(i)).flatMap((s) => dec.accept(s));
    assert.deepEqual(got.map((d) => [...d]).sort(), datagrams.map((d) => [...d]).sort());
    assert.equal(dec.recovered, 4);
  });
});

describe('session with adaptive FEC', () => {
  const transfer = (fec: 'off' | 'adaptive') => {
    const p = sessionPair({
      link: { delayMs: 25, jitterMs: 5, loss: 0.1, seed: 77 },
      a: { fec, mode: 'fast' },
    });
    p.start();
    p.run(() => isOpen(p.a) && isOpen(p.b));
    const sent = Array.from({ length: 400 }, (_, i) =>
      Uint8Array.from({ length: 900 }, (_, j) => (i + j) & 0xff),
    );
    // A steady stream: 20 messages every 10 ms, so loss reports arrive and the ratio adapts.
    for (let batch = 0; batch < 20; batch++) {
      p.act((now) => sent.slice(batch * 20, batch * 20 + 20).forEach((m) => p.a.session.sendMessage(m, now)));
      const until = p.now + 100;
      p.run(() => p.now >= until || dataOf(p.b.events, 'message').length === sent.length);
    }
    p.run(() => dataOf(p.b.events, 'message').length === sent.length);
    assert.deepEqual(dataOf(p.b.events, 'message'), sent);
    return { a: p.a.session.stats(), b: p.b.session.stats() };
  };

  it('delivers exactly under 10% loss, rebuilding datagrams instead of retransmitting', () => {
    const withFec = transfer('adaptive');
    const without = transfer('off');
    assert.ok(withFec.b.fecRecovered > 10, `rebuilt ${withFec.b.fecRecovered}`);
    assert.equal(without.b.fecRecovered, 0);
    const repeats = (s: typeof withFec.a) => s.timeoutRetransmits + s.fastRetransmits;
    assert.ok(
      repeats(withFec.a) < repeats(without.a),
      `retransmits with FEC ${repeats(withFec.a)}, without ${repeats(without.a)}`,
    );
  });
});
