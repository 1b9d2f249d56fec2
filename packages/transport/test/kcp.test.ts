/**
 * The KCP engine between two instances over a lossy, reordering, duplicating in-memory link on a
 * fake clock: every mode delivers exactly what was sent, in order; stream mode too; a receiver that
 * stops reading closes its window and the sender probes until it reopens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeKcpSegments, encodeKcpSegments, KcpCommand } from '@peerlink/wire';
import { Kcp, type KcpOptions } from '../src/kcp/kcp.js';
import { KcpMode, type KcpModeName } from '../src/kcp/constants.js';
import { type LinkOptions, LossyLink, run, seededRandom } from './helpers/lossy-link.js';

function message(i: number, random: () => number): Uint8Array {
  const size = 1 + Math.floor(random() * 5000);
  const out = new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = (i * 31 + j) & 0xff;
  return out;
}

/** Two KCPs joined by a link each way; `a` sends `count` messages, `b` reads them. */
function pair(options: KcpOptions, link: LinkOptions) {
  const a = new Kcp(7, options);
  const b = new Kcp(7, options);
  const ab = new LossyLink(link);
  const ba = new LossyLink({ ...link, seed: (link.seed ?? 1) + 100 });
  const node = (k: Kcp, out: LossyLink) => ({
    nextWake: (now: number) => now + ((k.check(now) - now) | 0),
    tick: (now: number) => {
      k.update(now);
      for (const d of k.takeOutput()) out.send(d, now);
    },
  });
  const links = [
    { link: ab, deliver: (bytes: Uint8Array, now: number): void => void b.input(bytes, now) },
    { link: ba, deliver: (bytes: Uint8Array, now: number): void => void a.input(bytes, now) },
  ];
  return { a, b, ab, ba, nodes: [node(a, ab), node(b, ba)], links };
}

/** `a` sends every message; runs until `b` has read them all, checks them, returns the fake time. */
function sendAll(p: ReturnType<typeof pair>, sent: Uint8Array[]): number {
  for (const m of sent) p.a.send(m);
  const got: Uint8Array[] = [];
  const end = run(
    p.nodes,
    p.links,
    () => {
      for (let m = p.b.recv(); m; m = p.b.recv()) got.push(m);
      return got.length === sent.length;
    },
    0,
    600_000,
  );
  assert.deepEqual(got, sent);
  return end;
}

describe('KCP over a lossy link', () => {
  for (const mode of Object.keys(KcpMode) as KcpModeName[]) {
    it(`${mode} mode delivers 300 messages exactly under 10% loss, reordering and duplicates`, () => {
      const random = seededRandom(42);
      const p = pair(
        { noDelay: KcpMode[mode], sendWindow: 128, receiveWindow: 128 },
        { delayMs: 25, jitterMs: 15, loss: 0.1, duplicate: 0.05, seed: 9 },
      );
      const sent = Array.from({ length: 300 }, (_, i) => message(i, random));
      const end = sendAll(p, sent);
      assert.ok(p.ab.dropped > 0, 'the link dropped something');
      assert.ok(p.a.counters.timeoutRetransmits + p.a.counters.fastRetransmits > 0);
      assert.ok(end < 120_000, `took ${end} ms of fake time`);
      if (mode !== 'normal') assert.ok(p.a.counters.fastRetransmits > 0, 'fast retransmit fired');
    });
  }

  it('stream mode delivers the same bytes, boundaries not kept', () => {
    const random = seededRandom(3);
    const p = pair(
      { stream: true, noDelay: KcpMode.fast },
      { delayMs: 10, jitterMs: 20, loss: 0.05, seed: 4 },
    );
    const chunks = Array.from({ length: 200 }, (_, i) => message(i, random).subarray(0, 1 + (i % 700)));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    for (const c of chunks) p.a.send(c);
    const got: number[] = [];
    run(
      p.nodes,
      p.links,
      () => {
        for (let m = p.b.recv(); m; m = p.b.recv()) got.push(...m);
        return got.length >= total;
      },
      0,
      300_000,
    );
    assert.deepEqual(Uint8Array.from(got), Uint8Array.from(chunks.flatMap((c) => [...c])));
  });

  it('a receiver that stops reading closes the window; probes reopen it', () => {
    const p = pair({ noDelay: KcpMode.fast, sendWindow: 256, receiveWindow: 128 }, { delayMs: 5 });
    const sent = Array.from({ length: 400 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    for (const m of sent) p.a.send(m);
    let probes = 0;
    const watch = p.links[0];
    assert.ok(watch);
    const deliver = watch.deliver;
    watch.deliver = (bytes, now) => {
      const d = decodeKcpSegments(bytes);
      if (d.ok) probes += d.value.filter((s) => s.cmd === KcpCommand.WindowAsk).length;
      deliver(bytes, now);
    };
    // Phase 1: nobody reads; the sender must stall with the peer window at zero.
    let t = run(p.nodes, p.links, () => p.b.peekSize() >= 0 && p.a.waitingToSend === 400 - 128, 0, 60_000);
    t = run(p.nodes, p.links, () => probes > 0, t, 60_000);
    assert.ok(t >= 7000, 'first probe after IKCP_PROBE_INIT');
    // Phase 2: read everything; the window reopens and the rest arrives.
    const got: Uint8Array[] = [];
    run(
      p.nodes,
      p.links,
      () => {
        for (let m = p.b.recv(); m; m = p.b.recv()) got.push(m);
        return got.length === sent.length;
      },
      t,
      60_000,
    );
    assert.deepEqual(got, sent);
  });

  it("normal mode's congestion window opens far faster with per-segment growth than ikcp's", () => {
    const timeFor = (windowGrowth: 'ikcp' | 'per-segment') => {
      const p = pair(
        { noDelay: KcpMode.normal, sendWindow: 512, receiveWindow: 512, windowGrowth },
        { delayMs: 25 },
      );
      return sendAll(
        p,
        Array.from({ length: 1000 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8)),
      );
    };
    const ikcp = timeFor('ikcp');
    const perSegment = timeFor('per-segment');
    assert.ok(perSegment * 5 < ikcp, `per-segment ${perSegment} ms, ikcp ${ikcp} ms`);
  });

  it('refuses another conv, truncated and garbage input without throwing', () => {
    const k = new Kcp(1);
    assert.equal(k.input(new Uint8Array(10)), false);
    const other = new Kcp(2);
    other.send(Uint8Array.of(1));
    other.update(0);
    other.update(100);
    const [d] = other.takeOutput();
    assert.ok(d);
    assert.equal(k.input(d), false);
    assert.equal(k.counters.rejectedInputs, 2);
    const same = new Kcp(2);
    assert.equal(same.input(d.subarray(0, d.length - 1)), false, 'payload cut short');
    const badCmd = d.slice();
    badCmd[4] = 99;
    assert.equal(same.input(badCmd), false, 'unknown command');
    assert.equal(same.input(d), true);
    assert.equal(same.recv()?.length, 1);
  });

  it('never throws on well-framed segments with random fields in any command', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cmd: fc.constantFrom(
              KcpCommand.Push,
              KcpCommand.Ack,
              KcpCommand.WindowAsk,
              KcpCommand.WindowTell,
            ),
            frg: fc.integer({ min: 0, max: 255 }),
            wnd: fc.integer({ min: 0, max: 0xffff }),
            ts: fc.integer({ min: 0, max: 0xffffffff }),
            sn: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff })),
            una: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff })),
            data: fc.uint8Array({ maxLength: 64 }),
          }),
          { maxLength: 30 },
        ),
        (segments) => {
          const k = new Kcp(5, { noDelay: KcpMode.fast });
          k.send(new Uint8Array(3000));
          k.update(0);
          for (const s of segments) k.input(encodeKcpSegments([{ conv: 5, ...s }]), 10);
          k.update(100);
          k.takeOutput();
          for (let m = k.recv(); m; m = k.recv());
          k.check(200);
        },
      ),
    );
  });

  it('refuses a message of 128 fragments or more', () => {
    const k = new Kcp(1, { mtu: 100 });
    assert.throws(() => k.send(new Uint8Array(76 * 128)), { code: 'TRANSPORT_MESSAGE_TOO_LARGE' });
    k.send(new Uint8Array(76 * 127));
  });
});
