// probeNat from @peerlink/p2p, unchanged, over the simulator: every preset must classify as defined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeNat, type Classification } from '@peerlink/p2p';
import {
  FakeClock,
  PRESET_NAMES,
  PRESETS,
  SimNetwork,
  addSimSite,
  addSimStunServer,
  expectedReport,
  type PresetName,
} from '../src/index.js';

async function probe(name: PresetName, seed = 1): Promise<{ c: Classification; fakeMs: number }> {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, seed });
  const stun = addSimStunServer(net);
  const site = addSimSite(net, name, { index: 1 });
  clock.install();
  try {
    const c = await clock.run(probeNat({ server: stun.primary, sockets: site.hosts[0]!.sockets }));
    return { c, fakeMs: clock.now() };
  } finally {
    clock.uninstall();
  }
}

describe('probeNat over the NAT simulator', () => {
  for (const name of PRESET_NAMES) {
    it(`classifies ${name} as ${JSON.stringify(expectedReport(PRESETS[name]))}`, async () => {
      const { c } = await probe(name);
      const { publicAddress, ipv6, ...got } = c.report;
      assert.deepEqual(got, expectedReport(PRESETS[name]), c.reasons.join('; '));
      assert.equal(ipv6, false);
      if (PRESETS[name].udpBlocked) assert.equal(publicAddress, null);
      else if (PRESETS[name].layers.length === 0) assert.equal(publicAddress?.split(':')[0], '203.0.113.101');
      else assert.equal(publicAddress?.split(':')[0], '203.0.113.21');
    });
  }

  it('runs on fake time: a probe with filtered tests spends seconds of fake time in real milliseconds', async () => {
    const started = performance.now();
    const { fakeMs } = await probe('symmetric');
    assert.ok(fakeMs > 2000, `fake time ${fakeMs} ms`);
    assert.ok(performance.now() - started < fakeMs, 'faster than real time');
  });

  it('is deterministic: the same seed gives the same public address, another seed another port', async () => {
    const a = await probe('symmetric', 5);
    const b = await probe('symmetric', 5);
    const c = await probe('symmetric', 6);
    assert.equal(a.c.report.publicAddress, b.c.report.publicAddress);
    assert.notEqual(a.c.report.publicAddress, c.c.report.publicAddress);
  });
});
