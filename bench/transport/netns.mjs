// The benchmark's network: namespaces pltb-a (10.77.0.1) and pltb-b (10.77.0.2) joined by
// forwarder.c (a fixed one-way delay), with random loss per direction by nftables on input
// (`numgen random mod 100 < N drop`). Only namespaces this file creates are touched. The NAT lab
// (issue #5) will own link emulation; this minimal copy should move there once it is merged.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NS_A = 'pltb-a';
export const NS_B = 'pltb-b';
export const ADDR_A = '10.77.0.1';
export const ADDR_B = '10.77.0.2';

const sh = (cmd, args, input) => execFileSync(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], input });

/** Builds the forwarder, creates the namespaces and starts the link. Returns a teardown function. */
export async function createLink({ oneWayDelayMs }) {
  const dir = mkdtempSync(join(tmpdir(), 'pltb-'));
  const forwarderPath = join(dir, 'forwarder');
  sh('cc', ['-O2', '-o', forwarderPath, new URL('./forwarder.c', import.meta.url).pathname]);
  destroyNamespaces();
  for (const ns of [NS_A, NS_B]) {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  const forwarder = spawn(forwarderPath, [NS_A, 'pltbA', NS_B, 'pltbB', String(oneWayDelayMs * 1000)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [first] = await once(forwarder.stdout, 'data');
  if (!String(first).includes('ready')) throw new Error(`forwarder said ${first}`);
  for (const [ns, dev, addr] of [
    [NS_A, 'pltbA', ADDR_A],
    [NS_B, 'pltbB', ADDR_B],
  ]) {
    sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  return () => {
    forwarder.kill();
    destroyNamespaces();
  };
}

/** Drops `percent` of the packets arriving in each namespace from the other (each direction). */
export function setLoss(percent) {
  for (const [ns, from] of [
    [NS_A, ADDR_B],
    [NS_B, ADDR_A],
  ]) {
    sh(
      'ip',
      ['netns', 'exec', ns, 'nft', '-f', '-'],
      `table inet pltb
delete table inet pltb
table inet pltb {
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr ${from} numgen random mod 100 < ${percent} drop
  }
}
`,
    );
  }
}

/**
 * Sets TCP congestion control for the link's route in both namespaces (`ip route ... congctl`):
 * the per-namespace sysctl refuses algorithms outside the host's tcp_allowed_congestion_control,
 * the route attribute does not, and it leaves the host's settings alone.
 */
export function setTcpCongestion(name) {
  for (const [ns, dev] of [
    [NS_A, 'pltbA'],
    [NS_B, 'pltbB'],
  ]) {
    sh('ip', ['-n', ns, 'route', 'replace', '10.77.0.0/24', 'dev', dev, 'congctl', name]);
  }
}

function destroyNamespaces() {
  for (const ns of [NS_A, NS_B]) {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      // not there
    }
  }
}
