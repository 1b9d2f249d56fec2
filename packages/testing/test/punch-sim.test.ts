// The hole-punch engine (@peerlink/p2p PunchEngine) between two peers behind simulated NATs, on fake
// time: which pairs end direct, on which addresses, how fast and at what packet cost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRIMARY_VIA } from '@peerlink/p2p';
import { FakeClock, SimNetwork, addSimSite, type PresetName } from '../src/index.js';
import { pair, run } from './punch-harness.js';

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
