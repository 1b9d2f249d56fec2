// Every preset built on real kernel NATs and verified by the real `peerlink nat --json`, all at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PRESET_NAMES } from '@peerlink/testing';
import {
  buildTopology,
  cleanStale,
  startServer,
  verifySites,
  type PresetVerdict,
  type Topology,
} from '../src/index.js';

describe('presets on kernel NATs with IPv6 beside them, verified by peerlink nat', () => {
  let topo: Topology;
  let verdicts: PresetVerdict[];
  before(async () => {
    await cleanStale();
    topo = await buildTopology(PRESET_NAMES.map((preset) => ({ preset, ipv6: true })));
    const server = await startServer(topo, { ipv6: true });
    verdicts = await verifySites(topo.sites, server.stunUrl);
    for (const v of verdicts) console.log(`# ${v.preset} ${v.host}: ${JSON.stringify(v.got)} ${v.ms} ms`);
  });
  after(() => topo?.teardown());

  for (const name of PRESET_NAMES) {
    it(`${name} classifies as defined`, () => {
      const mine = verdicts.filter((v) => v.preset === name);
      assert.ok(mine.length >= 1);
      for (const v of mine) assert.deepEqual(v.problems, [], `${name} on ${v.host}`);
    });
  }

  it('cgnat-style sites sit behind different carrier NATs', () => {
    const carriers = topo.sites.filter((s) => s.routers.length === 2).map((s) => s.publicIp);
    assert.equal(carriers.length, 3);
    assert.equal(new Set(carriers).size, 3);
  });

  it('the -open presets sit behind ISP routers (two for cgnat-open), the others behind none', () => {
    for (const s of topo.sites)
      assert.equal(s.hops.length, s.preset.name === 'cgnat-open' ? 2 : s.preset.acceptingOf ? 1 : 0);
  });
});
