// The hole-punch engine (@peerlink/p2p PunchEngine) between two peers behind simulated NATs, on fake
// time: which pairs end direct, on which addresses, how fast and at what packet cost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BirthdayLock,
  PRIMARY_VIA,
  PunchEngine,
  natHintOf,
  type Candidate,
  type DatagramSocket,
  type Endpoint,
  type PunchAction,
  type Via,
} from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import {
  FakeClock,
  SeededRandom,
  SimNetwork,
  addSimSite,
  type PresetName,
  type SimHost,
} from '../src/index.js';

const REFLECTORS: Endpoint[] = [
  { address: '203.0.113.10', port: 3478 },
  { address: '203.0.113.11', port: 3478 },
  { address: '203.0.113.11', port: 3479 },
  { address: '203.0.113.10', port: 3479 },
];
const ta = (e: Endpoint): TransportAddress => ({ family: 4, address: e.address, port: e.port });

interface Peer {
  engine: PunchEngine;
  host: SimHost;
  sockets: Map<Via, DatagramSocket>;
  selected: { to: Endpoint; via: Via; at: number } | undefined;
  events: PunchAction['type'][];
  sent: number;
}

/** Two peers: gather (what the reflectors see), exchange candidates, run until both select or `ms` pass. */
function run(hostA: SimHost, hostB: SimHost, clock: FakeClock, net: SimNetwork, ms: number, seed: number) {
  // The reflectors answer with the address they saw, as STUN would.
  const refl = REFLECTORS.map((r) => {
    const host = reflectorHost(net, r.address);
    const s = host.bind(r.port);
    s.onMessage((bytes, from) =>
      s.send(
        new TextEncoder().encode(`${from.address}:${from.port}|${new TextDecoder().decode(bytes)}`),
        from,
      ),
    );
    return s;
  });
  const peers: Peer[] = [hostA, hostB].map((host, i) => {
    const lock = new BirthdayLock();
    const rng = new SeededRandom(seed * 31 + i);
    const random = (): number => rng.next();
    return {
      engine: new PunchEngine({ initiator: i === 0, lock, random }),
      host,
      sockets: new Map([[PRIMARY_VIA, host.bind(40000 + i)]]),
      selected: undefined,
      events: [],
      sent: 0,
    };
  });
  // Gathering on the primary socket.
  const mapped: (Endpoint | null)[][] = [
    [null, null, null, null],
    [null, null, null, null],
  ];
  peers.forEach((p, i) => {
    const s = p.sockets.get(PRIMARY_VIA)!;
    s.onMessage((bytes) => {
      const [addr, idx] = new TextDecoder().decode(bytes).split('|');
      const [a, port] = addr!.split(':');
      mapped[i]![Number(idx)] = { address: a!, port: Number(port) };
    });
    REFLECTORS.forEach((r, k) => s.send(new TextEncoder().encode(String(k)), ta(r)));
  });
  clock.advance(50);
  for (const r of refl) r.close();
  const candidates: Candidate[][] = peers.map((p, i) => {
    const srflx = mapped[i]![0];
    return [
      { type: 'host', address: p.host.address, port: p.sockets.get(PRIMARY_VIA)!.local().port },
      ...(srflx ? [{ type: 'srflx' as const, ...srflx }] : []),
    ];
  });
  const hints = peers.map((p, i) => natHintOf(p.sockets.get(PRIMARY_VIA)!.local().port, mapped[i]!));
  const start = clock.now();
  const flush = (p: Peer): void => {
    for (const a of p.engine.takeActions()) {
      p.events.push(a.type);
      if (a.type === 'ping' || a.type === 'pong') {
        const s = p.sockets.get(a.via);
        const body =
          a.type === 'ping' ? new Uint8Array([1, ...new Uint8Array(8)]) : new Uint8Array([2, ...a.txid]);
        s?.send(body, ta(a.to));
        p.sent++;
      } else if (a.type === 'open-sockets') {
        const vias: Via[] = [];
        for (let k = 1; k <= a.count; k++) {
          const s = p.host.bind();
          listen(p, s, k);
          p.sockets.set(k, s);
          vias.push(k);
        }
        p.engine.socketsOpened(vias, clock.now());
      } else if (a.type === 'close-sockets') {
        for (const [via, s] of p.sockets) {
          if (via === PRIMARY_VIA || via === a.keep) continue;
          s.close();
          p.sockets.delete(via);
        }
      } else if (a.type === 'select') p.selected = { to: a.to, via: a.via, at: clock.now() - start };
      else if (a.type === 'unselect') p.selected = undefined;
    }
  };
  const listen = (p: Peer, s: DatagramSocket, via: Via): void =>
    s.onMessage((bytes, from) => {
      const e = { address: from.address, port: from.port };
      if (bytes[0] === 1) p.engine.onPing(e, via, bytes.slice(1, 9), clock.now());
      else if (bytes[0] === 2) p.engine.onPong(e, via, clock.now());
      flush(p);
    });
  peers.forEach((p) => listen(p, p.sockets.get(PRIMARY_VIA)!, PRIMARY_VIA));
  peers[0]!.engine.setSignalingRtt(60);
  // The signaling server vouches for each peer's public IP (what it sees the peer's signaling from).
  peers.forEach((p, i) => p.engine.vouch(hints[1 - i]!.publicIp ?? ''));
  peers.forEach((p, i) => p.engine.setLocal(candidates[i]!, hints[i]!, clock.now()));
  // B's candidates reach A after 30 ms, A's reach B after 60 ms (A learns the RTT from the answer).
  clock.advance(30);
  peers[0]!.engine.setRemote(candidates[1]!, hints[1]!, 0, clock.now());
  flush(peers[0]!);
  clock.advance(30);
  peers[1]!.engine.setRemote(candidates[0]!, hints[0]!, 0, clock.now());
  flush(peers[1]!);
  while (clock.now() - start < ms && !(peers[0]!.selected && peers[1]!.selected)) {
    clock.advance(5);
    for (const p of peers) {
      const due = p.engine.nextTimeout();
      if (due !== undefined && due <= clock.now()) p.engine.handleTimer(clock.now());
      flush(p);
    }
  }
  return { peers, hints };
}

const reflectors = new WeakMap<SimNetwork, Map<string, SimHost>>();
function reflectorHost(net: SimNetwork, address: string): SimHost {
  const cache = reflectors.get(net) ?? new Map<string, SimHost>();
  reflectors.set(net, cache);
  let h = cache.get(address);
  if (!h) cache.set(address, (h = net.addHost({ address, delayMs: 1 })));
  return h;
}

function pair(a: PresetName, b: PresetName, ms = 20_000, seed = 11) {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, seed });
  const sa = addSimSite(net, a, { index: 1, delayMs: 12 });
  const sb = addSimSite(net, b, { index: 2, delayMs: 12 });
  return run(sa.hosts[0]!, sb.hosts[0]!, clock, net, ms, seed);
}

describe('PunchEngine over simulated NATs', () => {
  it('port-restricted to port-restricted: simultaneous open, both sides on each other’s mapping', () => {
    const { peers } = pair('port-restricted', 'port-restricted');
    const [a, b] = peers;
    assert.ok(a!.selected && b!.selected, 'both select a path');
    assert.equal(a!.selected.to.address, '203.0.113.22');
    assert.equal(b!.selected.to.address, '203.0.113.21');
    assert.ok(a!.selected.at < 1000, `direct after ${a!.selected.at} ms`);
    assert.ok(!a!.events.includes('open-sockets') && !b!.events.includes('open-sockets'));
  });

  it('reads the hints: symmetric varies its mapping with random ports, port-restricted does not', () => {
    const { hints } = pair('symmetric', 'port-restricted', 10);
    assert.equal(hints[0]!.mappingVaries, true);
    assert.equal(hints[0]!.portAllocation, 'random');
    assert.equal(hints[1]!.mappingVaries, false);
  });

  for (const [x, y] of [
    ['port-restricted', 'symmetric'],
    ['symmetric', 'port-restricted'],
    ['cgnat', 'cgnat-symmetric'],
  ] as const) {
    it(`${x} to ${y}: birthday probing ends direct within its budget (8 seeds)`, () => {
      for (let seed = 1; seed <= 8; seed++) birthdayRun(x, y, seed);
    });
  }

  function birthdayRun(x: PresetName, y: PresetName, seed: number): void {
    {
      const { peers } = pair(x, y, 20_000, seed);
      const [a, b] = peers;
      assert.ok(a!.selected && b!.selected, 'both select a path');
      const hard = peers.find((p) => p.events.includes('open-sockets'))!;
      const easy = peers.find((p) => p !== hard)!;
      assert.ok(hard, 'the symmetric side opened birthday sockets');
      assert.notEqual(hard.selected!.via, PRIMARY_VIA, 'the hard side talks from a birthday socket');
      assert.ok(hard.events.includes('close-sockets'), 'and closed the others');
      assert.equal(hard.sockets.size, 2, 'primary and the selected birthday socket remain');
      assert.ok(easy.sent < 2400 + 500, `easy side sent ${easy.sent}`);
      assert.ok(Math.max(a!.selected.at, b!.selected.at) < 15_000);
      process.stderr.write(
        `${x}>${y}: ${a!.selected.at}/${b!.selected.at} ms, easy ${easy.sent} hard ${hard.sent}\n`,
      );
    }
  }

  it('a sequential allocator (a new port per destination, one up each time) meets a port-restricted NAT', () => {
    const clock = new FakeClock();
    const net = new SimNetwork({ clock, seed: 5 });
    const sequential = net.addNat({
      publicAddress: '203.0.113.31',
      layer: {
        mapping: 'address-and-port-dependent',
        filtering: 'address-and-port-dependent',
        portAllocation: 'sequential',
        hairpinning: false,
      },
    });
    const a = net.addHost({ address: '198.51.100.50', behind: sequential, delayMs: 12 });
    const b = addSimSite(net, 'port-restricted', { index: 2, delayMs: 12 }).hosts[0]!;
    const { peers, hints } = run(a, b, clock, net, 10_000, 5);
    assert.equal(hints[0]!.portAllocation, 'sequential');
    assert.ok(peers[0]!.selected && peers[1]!.selected, 'both select a path');
    assert.ok(!peers.some((p) => p.events.includes('open-sockets')), 'no birthday: the ports are predicted');
    assert.equal(peers[1]!.selected.to.address, '203.0.113.31');
    assert.ok(peers[1]!.selected.to.port > Math.max(...hints[0]!.ports), 'on a port after the last one seen');
  });

  it('symmetric to symmetric: no direct path, no birthday, TURN requested', () => {
    const { peers } = pair('symmetric', 'symmetric', 12_000);
    for (const p of peers) {
      assert.equal(p.selected, undefined);
      assert.ok(p.events.includes('need-turn'));
      assert.ok(!p.events.includes('open-sockets'));
    }
  });

  it('UDP blocked on one side: nothing selected, no TURN asked', () => {
    const { peers } = pair('udp-blocked', 'public', 7000);
    assert.equal(peers[0]!.selected, undefined);
    assert.ok(!peers[1]!.events.includes('need-turn'));
  });
});
