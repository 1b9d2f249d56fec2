// The simulator's NAT behaviours checked directly: filtering, mapping lifetime, hairpinning, shared NAT.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatagramSocket } from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import { FakeClock, FakeClockError, SimNetwork, addSimSite, type PresetName } from '../src/index.js';

const bytes = new Uint8Array([1, 2, 3]);

function inbox(s: DatagramSocket): TransportAddress[] {
  const got: TransportAddress[] = [];
  s.onMessage((_b, from) => got.push(from));
  return got;
}

function world(name: PresetName, timeoutMs?: number) {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, seed: 3 });
  const site = addSimSite(net, name, { index: 1, ...(timeoutMs ? { timeoutMs } : {}) });
  const inside = site.hosts[0]!.bind(40000);
  const s1 = net.addHost({ address: '203.0.113.50' });
  const s2 = net.addHost({ address: '203.0.113.51' });
  const a1 = s1.bind(1000);
  const a2 = s1.bind(1001);
  const b1 = s2.bind(1000);
  return { clock, net, site, inside, a1, a2, b1 };
}

/** Inside sends to a1; then a1, a2 (same address, other port) and b1 (other address) try the mapping. */
function filterProbe(name: PresetName): { a1: boolean; a2: boolean; b1: boolean } {
  const w = world(name);
  const got = inbox(w.inside);
  const seen: TransportAddress[] = [];
  w.a1.onMessage((_b, from) => seen.push(from));
  w.inside.send(bytes, w.a1.local());
  w.clock.advance(100);
  const mapped = seen[0]!;
  const heard = (s: DatagramSocket): boolean => {
    const before = got.length;
    s.send(bytes, mapped);
    w.clock.advance(100);
    return got.length > before;
  };
  return { a1: heard(w.a1), a2: heard(w.a2), b1: heard(w.b1) };
}

describe('NAT simulator behaviours', () => {
  it('filters as RFC 4787 §5 says for each filtering behaviour', () => {
    assert.deepEqual(filterProbe('full-cone'), { a1: true, a2: true, b1: true });
    assert.deepEqual(filterProbe('restricted'), { a1: true, a2: true, b1: false });
    assert.deepEqual(filterProbe('port-restricted'), { a1: true, a2: false, b1: false });
    assert.deepEqual(filterProbe('symmetric'), { a1: true, a2: false, b1: false });
  });

  it('forgets an idle mapping after its timeout, and keeps one that is refreshed', () => {
    const w = world('port-restricted', 10_000);
    const got = inbox(w.inside);
    let mapped: TransportAddress | undefined;
    w.a1.onMessage((_b, from) => (mapped = from));
    w.inside.send(bytes, w.a1.local());
    w.clock.advance(9_000);
    w.a1.send(bytes, mapped!); // inbound traffic refreshes too (as Linux conntrack does)
    w.clock.advance(9_000);
    assert.equal(got.length, 1);
    assert.equal(w.site.nats[0]!.mappings, 1);
    w.clock.advance(2_000);
    assert.equal(w.site.nats[0]!.mappings, 0);
    w.a1.send(bytes, mapped!);
    w.clock.advance(100);
    assert.equal(got.length, 1, 'a datagram to an expired mapping is dropped');
  });

  it('drops hairpinned datagrams (no preset hairpins) but delivers on a shared LAN directly', () => {
    const clock = new FakeClock();
    const net = new SimNetwork({ clock, seed: 3 });
    const site = addSimSite(net, 'same-nat', { index: 2 });
    const server = net.addHost({ address: '203.0.113.50' }).bind(1000);
    const a = site.hosts[0]!.bind(40000);
    const b = site.hosts[1]!.bind(40001);
    const atServer: TransportAddress[] = [];
    server.onMessage((_b, from) => atServer.push(from));
    const atB = inbox(b);
    b.send(bytes, server.local());
    clock.advance(50);
    a.send(bytes, atServer[0]!); // to B's public mapping: needs hairpinning
    clock.advance(50);
    assert.equal(atB.length, 0);
    a.send(bytes, b.local()); // to B's LAN address
    clock.advance(50);
    assert.deepEqual(atB, [a.local()]);
  });

  it('udp-blocked passes nothing either way', () => {
    const w = world('udp-blocked');
    const seen = inbox(w.a1);
    w.inside.send(bytes, w.a1.local());
    w.clock.advance(100);
    assert.equal(seen.length, 0);
    assert.ok(w.net.stats.filtered >= 1);
  });

  it('cgnat translates twice: the server sees the carrier address', () => {
    const w = world('cgnat');
    const seen = inbox(w.a1);
    w.inside.send(bytes, w.a1.local());
    w.clock.advance(100);
    assert.equal(seen[0]?.address, '203.0.113.21');
    assert.equal(w.site.nats.length, 2);
  });

  it('loses datagrams at the configured rate, deterministically', () => {
    const clock = new FakeClock();
    const net = new SimNetwork({ clock, seed: 9 });
    const a = net.addHost({ address: '203.0.113.60', loss: 0.2 }).bind(1);
    const b = net.addHost({ address: '203.0.113.61' }).bind(1);
    const got = inbox(b);
    for (let i = 0; i < 1000; i++) a.send(bytes, b.local());
    clock.advance(100);
    assert.ok(got.length > 740 && got.length < 860, `${got.length} of 1000 arrived`);
    assert.equal(net.stats.lost, 1000 - got.length);
  });
});

describe('FakeClock', () => {
  it('fires timers in due order, ties in creation order, only when advanced', () => {
    const clock = new FakeClock();
    const order: string[] = [];
    clock.setTimeout(() => order.push('b'), 20);
    clock.setTimeout(() => order.push('a'), 10);
    clock.setTimeout(() => order.push('c'), 20);
    const gone = clock.setTimeout(() => order.push('x'), 15);
    clock.clearTimeout(gone);
    clock.advance(19);
    assert.deepEqual(order, ['a']);
    clock.advance(1);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(clock.now(), 20);
  });

  it('run() fails fast when the work waits on something no timer will bring', async () => {
    const clock = new FakeClock();
    await assert.rejects(
      clock.run(new Promise(() => {})),
      (e: unknown) => e instanceof FakeClockError && e.code === 'FAKE_CLOCK_IDLE',
    );
  });
});
