/**
 * Verifies presets with the real probe: `peerlink nat --json` runs on every lab host at once, and
 * each report must match what the preset defines (@peerlink/testing `expectedReport`) and show the
 * site's public address. A preset that fails here is not used: the lab would measure the wrong NAT.
 */
import type { NatReport } from '@peerlink/p2p';
import { expectedReport, type ExpectedReport, type PresetName } from '@peerlink/testing';
import { inNs } from './exec.js';
import { PEERLINK_BIN } from './server.js';
import type { LabSite } from './topology.js';

export interface PresetVerdict {
  readonly preset: PresetName;
  readonly host: string;
  readonly ok: boolean;
  readonly expected: ExpectedReport & { ipv6: boolean; publicIp: string | null };
  readonly got: NatReport | null;
  /** Fields that differ, or why the probe could not run. */
  readonly problems: readonly string[];
  readonly ms: number;
}

export async function probeHost(ns: string, stunUrl: string): Promise<{ report: NatReport; stderr: string }> {
  const { stdout, stderr } = await inNs(ns, process.execPath, [
    PEERLINK_BIN,
    'nat',
    '--server',
    stunUrl,
    '--json',
  ]);
  return { report: JSON.parse(stdout) as NatReport, stderr };
}

export async function verifySite(site: LabSite, stunUrl: string): Promise<PresetVerdict[]> {
  const exp = expectedReport(site.preset);
  const ipv6 = exp.udp && site.hosts.every((h) => h.address6 !== null);
  const expected = { ...exp, ipv6, publicIp: exp.udp ? site.publicIp : null };
  return Promise.all(
    site.hosts.map(async (h) => {
      const started = Date.now();
      const problems: string[] = [];
      let got: NatReport | null = null;
      try {
        got = (await probeHost(h.ns, stunUrl)).report;
        for (const k of ['udp', 'mapping', 'filtering', 'portAllocation', 'hairpinning', 'ipv6'] as const) {
          if (got[k] !== expected[k]) problems.push(`${k}: expected ${expected[k]}, got ${got[k]}`);
        }
        const ip = got.publicAddress?.replace(/:\d+$/, '') ?? null;
        if (ip !== expected.publicIp)
          problems.push(`publicAddress: expected ${expected.publicIp}, got ${ip}`);
      } catch (e) {
        problems.push((e as Error).message);
      }
      return {
        preset: site.preset.name,
        host: h.address,
        ok: problems.length === 0,
        expected,
        got,
        problems,
        ms: Date.now() - started,
      };
    }),
  );
}

export async function verifySites(sites: readonly LabSite[], stunUrl: string): Promise<PresetVerdict[]> {
  return (await Promise.all(sites.map((s) => verifySite(s, stunUrl)))).flat();
}
