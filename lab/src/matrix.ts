/**
 * The matrix runner: for each ordered pair of presets, a fresh topology, the server, `peerlink
 * listen` on B and `peerlink connect` from A (issue #7's CLI contract), and a verdict against the
 * expectation table. Until `peerlink connect` exists every pair is reported "not runnable yet",
 * without building anything: the runner never invents a result.
 */
import { PRESETS, type PresetName } from '@peerlink/testing';
import { connectAvailable, mintToken, startPeers, type ConnectEvents } from './connect-hooks.js';
import { expect, presetPairs, type Expectation } from './expectations.js';
import { startServer } from './server.js';
import { buildTopology, type LabHost, type SiteLink, type SiteSpec } from './topology.js';
import {
  measureSiteLinks,
  splitCondition,
  type LinkCondition,
  type SiteLinkMeasurement,
} from './link-check.js';

export type PairStatus = 'ok' | 'missed' | 'failed' | 'not-runnable';

export interface PairResult {
  readonly a: PresetName;
  readonly b: PresetName;
  readonly expected: Expectation;
  readonly status: PairStatus;
  readonly connected: boolean | null;
  readonly path: ConnectEvents['path'];
  /** The far end of the last direct or TURN path (IPv6 shows as such). */
  readonly remote: string | null;
  /** The connecting side's path switches, and its session's decode failures (must be 0). */
  readonly pathSwitches: number | null;
  readonly decodeFailures: number | null;
  readonly firstByteMs: number | null;
  /** ms from session open (end of signaling) to the first byte's echo. */
  readonly afterSignalingMs: number | null;
  readonly directMs: number | null;
  readonly bytesVerified: boolean | null;
  /** The connecting side's hop count to the peer's router, when that router answered its ranging. */
  readonly peerRouterHops?: number | null;
  readonly note: string | null;
  /** The access links as measured during the run (with a link condition). */
  readonly links: readonly SiteLinkMeasurement[];
}

/**
 * Pairs CI runs, in groups of a few so that each group's test file (lab/test/matrix*.lab.test.ts)
 * stays well inside the lab suite's per-file budget on a loaded 2-core machine: one of each kind of
 * expectation (easy, birthday, relay, LAN, blocked, cgnat, port mapping) and routers that accept
 * unsolicited UDP behind ISP hops (the conntrack clash, docs/hole-punching.md).
 */
export const CI_PAIR_GROUPS = {
  easy: [
    ['public', 'public'],
    ['port-restricted', 'port-restricted'],
  ],
  'easy-nat': [
    ['restricted', 'symmetric'],
    ['cgnat', 'cgnat'],
  ],
  'lan-relay': [
    ['udp-blocked', 'public'],
    ['same-nat', 'same-nat'],
  ],
  hard: [
    ['port-restricted', 'symmetric'],
    ['symmetric', 'cgnat-symmetric'],
    ['symmetric', 'symmetric-upnp'],
  ],
  // Birthday with TTL-staged sockets; simultaneous open with openers in step with the peer's; the
  // cgnat-open carrier's rung race, which only ranging the peer's router settles.
  accepting: [
    ['symmetric-open', 'port-restricted-open'],
    ['port-restricted-open', 'port-restricted-open'],
    ['port-restricted', 'cgnat-open'],
  ],
} as const satisfies Record<string, readonly (readonly [PresetName, PresetName])[]>;

export type CiPairGroup = keyof typeof CI_PAIR_GROUPS;

/** Every CI pair (the groups in order): `npm run lab -- matrix` without --pairs. */
export const CI_PAIRS: readonly [PresetName, PresetName][] = Object.values(CI_PAIR_GROUPS).flatMap((g) =>
  g.map(([a, b]): [PresetName, PresetName] => [a, b]),
);

/** One group's pairs, as runMatrix takes them. */
export const ciPairs = (group: CiPairGroup): [PresetName, PresetName][] =>
  CI_PAIR_GROUPS[group].map(([a, b]): [PresetName, PresetName] => [a, b]);

/** Pairs CI runs with IPv6 on both sides: only IPv6 can make these direct (both IPv4 sides are hard). */
export const CI_PAIRS6: readonly [PresetName, PresetName][] = [
  ['symmetric', 'symmetric'],
  ['cgnat-symmetric', 'port-restricted'],
];

export interface MatrixOptions {
  /** Give both sites IPv6 and judge against the table's IPv6 column. */
  readonly ipv6?: boolean;
  /**
   * IPv6 on half of the sites: pair k gets combination k mod 4 of (A has IPv6, B has IPv6), so a
   * quarter of the pairs have it on both sides (judged by the IPv6 column), half on one side only
   * and a quarter on neither (judged by the IPv4 column).
   */
  readonly ipv6Half?: boolean;
  /** End-to-end condition between the two peers; each run measures what it produced. */
  readonly condition?: LinkCondition;
  readonly pairs?: readonly [PresetName, PresetName][];
  readonly bytes?: number;
  readonly settleSec?: number;
  /** Pairs run at once (each has its own namespaces; 2 suits a 2-core machine). */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
  /** The launcher run for `token`, `listen` and `connect` (tests give a stand-in). */
  readonly clientBin?: string;
}

const NOT_YET = 'peerlink connect does not exist yet (issue #7 brings it)';

export async function runMatrix(opts: MatrixOptions = {}): Promise<PairResult[]> {
  const pairs = opts.pairs ?? presetPairs();
  const runnable = await connectAvailable(opts.clientBin);
  if (!runnable) return pairs.map(([a, b]) => notRunnable(a, b, opts.ipv6 ?? false));
  const results: PairResult[] = new Array(pairs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const i = next++;
      const [a, b] = pairs[i]!;
      const sites: [boolean, boolean] | undefined = opts.ipv6Half
        ? [(i & 1) === 1, (i & 2) === 2]
        : undefined;
      results[i] = await runPair(a, b, sites ? { ...opts, sitesIpv6: sites } : opts);
      opts.log?.(`${a} -> ${b}: ${results[i].status} (${results[i].path ?? '-'})`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  return results;
}

function notRunnable(a: PresetName, b: PresetName, ipv6: boolean): PairResult {
  return {
    a,
    b,
    expected: expect(a, b, ipv6),
    status: 'not-runnable',
    connected: null,
    path: null,
    remote: null,
    pathSwitches: null,
    decodeFailures: null,
    firstByteMs: null,
    afterSignalingMs: null,
    directMs: null,
    bytesVerified: null,
    note: NOT_YET,
    links: [],
  };
}

export async function runPair(
  a: PresetName,
  b: PresetName,
  opts: MatrixOptions & { readonly sitesIpv6?: readonly [boolean, boolean] } = {},
): Promise<PairResult> {
  const [v6a, v6b] = opts.sitesIpv6 ?? [opts.ipv6 ?? false, opts.ipv6 ?? false];
  const shared = PRESETS[a].shared && a === b;
  const ipv6 = shared ? v6a : v6a && v6b;
  const expected = expect(a, b, ipv6);
  const [la, lb] = opts.condition ? splitCondition(opts.condition) : [undefined, undefined];
  const site = (preset: PresetName, v6: boolean, link: SiteLink | undefined): SiteSpec => ({
    preset,
    ipv6: v6,
    ...(link ? { link } : {}),
  });
  const links = shared ? [la] : [la, lb];
  const topo = await buildTopology(shared ? [site(a, v6a, la)] : [site(a, v6a, la), site(b, v6b, lb)]);
  try {
    const server = await startServer(topo, { ipv6: v6a || v6b });
    const measured = opts.condition ? await measureSiteLinks(topo, links) : [];
    const hostA = topo.sites[0]!.hosts[0] as LabHost;
    const hostB = (shared ? topo.sites[0]!.hosts[1] : topo.sites[1]!.hosts[0]) as LabHost;
    // Both at once: each is a Node start, seconds on a loaded machine.
    const [ta, tb] = await Promise.all(
      ['lab-a', 'lab-b'].map((id) => mintToken(id, server.dataDir, opts.clientBin)),
    );
    const tokens = { a: ta!, b: tb! };
    const bytes = opts.bytes ?? 1 << 20;
    const peers = startPeers(hostA, hostB, server.httpUrl, tokens, {
      bytes,
      settleSec: opts.settleSec ?? 15,
      timeoutSec: 60,
      ...(opts.clientBin ? { bin: opts.clientBin } : {}),
    });
    topo.own(peers.listener);
    await peers.ready();
    const ev = await peers.connect();
    const reached =
      ev.connected && ev.bytesVerified && (expected.outcome === 'relay' || ev.path === 'direct');
    return {
      a,
      b,
      expected,
      status: !ev.connected || ev.error ? 'failed' : reached ? 'ok' : 'missed',
      connected: ev.connected,
      path: ev.path,
      remote: ev.remote,
      pathSwitches: ev.pathSwitches,
      decodeFailures: ev.decodeFailures,
      firstByteMs: ev.firstByteMs,
      afterSignalingMs: ev.afterSignalingMs,
      directMs: ev.directMs,
      bytesVerified: ev.bytesVerified,
      peerRouterHops: ev.peerRouterHops ?? null,
      // A failed pair says what the listener saw too (registered? got the connection? its path?).
      note: ev.error ? `${ev.error}; listener: ${peers.listener.lines.slice(-4).join(' | ')}` : ev.error,
      links: measured,
    };
  } catch (e) {
    return { ...notRunnable(a, b, ipv6), status: 'failed', note: (e as Error).message };
  } finally {
    await topo.teardown();
  }
}
