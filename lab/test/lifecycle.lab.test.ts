// The lab leaves nothing behind: teardown, stale namespaces of killed runs, SIGTERM mid-run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildTopology, cleanStale, labNamespaces, NS_PREFIX } from '../src/index.js';
import { getSysctl, run } from '../src/exec.js';

const BIN = new URL('../../bin/peerlink-lab.js', import.meta.url).pathname;

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mine = async (pid: number): Promise<string[]> =>
  (await labNamespaces()).filter((n) => n.startsWith(`${NS_PREFIX}${pid}-`));

describe('lab lifecycle', () => {
  it('teardown removes every namespace it made; mapping timeouts reach conntrack', async () => {
    const topo = await buildTopology([{ preset: 'cgnat', mappingTimeoutSec: 7 }]);
    const made = await mine(process.pid);
    assert.equal(made.length, 1 + 2 + 1); // core, two routers, host
    for (const r of topo.sites[0]!.routers) {
      assert.equal(await getSysctl(r, 'net.netfilter.nf_conntrack_udp_timeout'), '7');
      assert.equal(await getSysctl(r, 'net.netfilter.nf_conntrack_udp_timeout_stream'), '7');
    }
    await topo.teardown();
    assert.deepEqual(await mine(process.pid), []);
    for (const h of topo.sites[0]!.hosts)
      assert.equal(existsSync(`/etc/netns/${h.ns}`), false, 'its /etc/hosts is gone');
  });

  it('cleans namespaces of a run whose process is gone, and only those', async () => {
    const dead = `${NS_PREFIX}999999999-abc-core`;
    await run('ip', ['netns', 'add', dead]);
    const topo = await buildTopology([{ preset: 'public' }]);
    try {
      const removed = await cleanStale();
      assert.ok(removed.includes(dead));
      assert.equal((await mine(process.pid)).length, 3, 'a live run keeps its namespaces');
    } finally {
      await topo.teardown();
    }
  });

  it('a SIGTERM mid-run tears the lab down before exiting', async () => {
    const child = spawn(process.execPath, [BIN, 'verify', '--presets', 'symmetric,cgnat'], {
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const pid = child.pid!;
    await until(async () => (await mine(pid)).length >= 6, 20_000, 'the run to build its namespaces');
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.deepEqual(await mine(pid), []);
  });
});
