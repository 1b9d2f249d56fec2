// Shortened mapping timeouts (conntrack UDP timeouts per router namespace) really forget mappings:
// the server answers once at once and once after an idle period; the late answer passes only while
// the mapping lives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTopology, SERVER_IP, UDP_ECHO, type Topology } from '../src/index.js';
import { inNs, start } from '../src/exec.js';

const TIMEOUT_SEC = 2;

describe('mapping timeouts', () => {
  let topo: Topology;
  before(async () => {
    topo = await buildTopology([
      { preset: 'port-restricted', mappingTimeoutSec: TIMEOUT_SEC },
      { preset: 'cgnat', mappingTimeoutSec: TIMEOUT_SEC },
    ]);
  });
  after(() => topo?.teardown());

  /** Replies the host hears when the server answers at once and again after `lateMs` of silence. */
  async function replies(site: number, port: number, lateMs: number): Promise<number> {
    const echo = start(
      topo.core,
      process.execPath,
      [UDP_ECHO, 'echo-late', SERVER_IP, String(port), String(lateMs)],
      'echo-late',
    );
    topo.own(echo);
    try {
      await echo.waitForLine(/^ready$/, 10_000);
      const host = topo.sites[site]!.hosts[0]!;
      const window = String(lateMs + 700);
      const { stdout } = await inNs(host.ns, process.execPath, [
        UDP_ECHO,
        'once',
        SERVER_IP,
        String(port),
        window,
      ]);
      return (JSON.parse(stdout) as { replies: number }).replies;
    } finally {
      await echo.stop();
    }
  }

  for (const [site, name] of [
    [0, 'port-restricted'],
    [1, 'cgnat (both layers)'],
  ] as const) {
    it(`${name}: a mapping idle for half the timeout lives, one idle for twice the timeout is gone`, async () => {
      const [alive, expired] = await Promise.all([
        replies(site, 7100 + site * 10, (TIMEOUT_SEC * 1000) / 2),
        replies(site, 7101 + site * 10, TIMEOUT_SEC * 2000),
      ]);
      assert.equal(alive, 2);
      assert.equal(expired, 1);
    });
  }
});
