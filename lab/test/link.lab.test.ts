// Link emulation: each condition asked end to end is built and then measured between two hosts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTopology,
  checkCondition,
  measureSiteLinks,
  siteLinkProblems,
  splitCondition,
  type LinkCondition,
} from '../src/index.js';

const CONDITIONS: LinkCondition[] = [
  { rttMs: 0, jitterMs: 0, lossAtoBPct: 0, lossBtoAPct: 0 },
  { rttMs: 80, jitterMs: 0, lossAtoBPct: 5, lossBtoAPct: 10 },
  { rttMs: 200, jitterMs: 40, lossAtoBPct: 0, lossBtoAPct: 2 },
];

describe('link emulation (tap-link delay, nftables loss), measured', { concurrency: true }, () => {
  for (const asked of CONDITIONS) {
    it(`RTT ${asked.rttMs} (+${asked.jitterMs}) ms, loss ${asked.lossAtoBPct}/${asked.lossBtoAPct} %`, async () => {
      const { m, problems } = await checkCondition(asked);
      console.log(`# asked ${JSON.stringify(asked)} produced ${JSON.stringify(m.produced)}`);
      assert.deepEqual(problems, []);
      if (asked.rttMs > 0) assert.ok(m.produced.rttMs.min >= asked.rttMs, 'no probe beats the delay');
    });
  }
});

describe('link emulation through kernel NATs, measured per site against the server', () => {
  it('a port-restricted and a symmetric site each show their half of RTT 60 ms, loss 5/0 %', async () => {
    const asked: LinkCondition = { rttMs: 60, jitterMs: 0, lossAtoBPct: 5, lossBtoAPct: 0 };
    const [la, lb] = splitCondition(asked);
    const topo = await buildTopology([
      { preset: 'port-restricted', link: la },
      { preset: 'symmetric', link: lb },
    ]);
    try {
      const measured = await measureSiteLinks(topo, [la, lb]);
      console.log(`# ${JSON.stringify(measured)}`);
      assert.equal(measured.length, 2);
      assert.deepEqual(
        measured.flatMap((m) => siteLinkProblems(m)),
        [],
      );
      assert.ok(measured.every((m) => m.askedRttMs === 30));
    } finally {
      await topo.teardown();
    }
  });
});
