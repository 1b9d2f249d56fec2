/**
 * Link emulation, stated end to end and measured: a condition is the round-trip time between two
 * peers, its jitter, and the loss of each direction. It is split over the two sites' access links
 * (a quarter of the RTT on each one-way hop; each direction's loss on the sending site's way out),
 * and every run measures what the links really produced with udp-echo between the two hosts.
 */
import { SERVER_IP } from './addressing.js';
import { inNs, start } from './exec.js';
import { buildTopology, type SiteLink, type LabSite, type Topology } from './topology.js';

export interface LinkCondition {
  readonly rttMs: number;
  /** Extra round-trip delay, uniform in [0, jitterMs]. */
  readonly jitterMs: number;
  readonly lossAtoBPct: number;
  readonly lossBtoAPct: number;
}

export const NO_CONDITION: LinkCondition = { rttMs: 0, jitterMs: 0, lossAtoBPct: 0, lossBtoAPct: 0 };

/** The access links of sites A and B that together produce `c`. */
export function splitCondition(c: LinkCondition): [SiteLink, SiteLink] {
  const half = { delayMs: c.rttMs / 4, jitterMs: c.jitterMs / 4 };
  return [
    { ...half, lossOutPct: c.lossAtoBPct, lossInPct: 0 },
    { ...half, lossOutPct: c.lossBtoAPct, lossInPct: 0 },
  ];
}

/** What udp-echo reported. */
export interface PingResult {
  readonly sent: number;
  /** Probes the far side received (-1 when its count never came back). */
  readonly echoReceived: number;
  readonly received: number;
  readonly rttMs: readonly number[];
}

export interface LinkMeasurement {
  readonly asked: LinkCondition;
  readonly produced: {
    readonly samples: number;
    readonly rttMs: {
      readonly min: number;
      readonly median: number;
      readonly p95: number;
      readonly max: number;
    };
    readonly lossAtoBPct: number;
    readonly lossBtoAPct: number;
  };
}

export const UDP_ECHO = new URL('./udp-echo.js', import.meta.url).pathname;
const ECHO_PORT = 7000;

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) : NaN;
const round = (x: number): number => Math.round(x * 100) / 100;

export function summarise(asked: LinkCondition, r: PingResult): LinkMeasurement {
  const rtt = [...r.rttMs].sort((a, b) => a - b);
  const fwd = r.echoReceived >= 0 ? r.echoReceived : r.received;
  return {
    asked,
    produced: {
      samples: r.sent,
      rttMs: {
        min: round(quantile(rtt, 0)),
        median: round(quantile(rtt, 0.5)),
        p95: round(quantile(rtt, 0.95)),
        max: round(quantile(rtt, 1)),
      },
      lossAtoBPct: round(100 * (1 - fwd / r.sent)),
      lossBtoAPct: round(fwd ? 100 * (1 - r.received / fwd) : 100),
    },
  };
}

/** Measures the path from site A's first host to site B's (B must be reachable: a `public` site). */
export async function measureLink(
  topo: Topology,
  a: LabSite,
  b: LabSite,
  asked: LinkCondition,
  count = 400,
  gapMs = 10,
): Promise<LinkMeasurement> {
  const to = b.hosts[0]!;
  return summarise(asked, await pingBetween(topo, a.hosts[0]!.ns, to.ns, to.address, count, gapMs));
}

/** Runs udp-echo between two namespaces: an echo on `toAddress` in `toNs`, the pinger in `fromNs`. */
export async function pingBetween(
  topo: Topology,
  fromNs: string,
  toNs: string,
  toAddress: string,
  count: number,
  gapMs: number,
): Promise<PingResult> {
  const echo = start(toNs, process.execPath, [UDP_ECHO, 'echo', toAddress, String(ECHO_PORT)], 'udp-echo');
  topo.own(echo);
  try {
    await echo.waitForLine(/^ready$/, 10_000);
    const { stdout } = await inNs(fromNs, process.execPath, [
      UDP_ECHO,
      'ping',
      toAddress,
      String(ECHO_PORT),
      String(count),
      String(gapMs),
    ]);
    return JSON.parse(stdout) as PingResult;
  } finally {
    await echo.stop();
  }
}

/** Binomial tolerance for a loss measured over `n` samples: four standard deviations, at least 3 points. */
const lossTolerance = (askedPct: number, n: number): number => {
  const p = askedPct / 100;
  return Math.max(3, 400 * Math.sqrt((p * (1 - p)) / n));
};

/** Does a site link measurement show what the site's link was asked for (same bounds as below)? */
export function siteLinkProblems(m: SiteLinkMeasurement, samples = 200): string[] {
  const problems: string[] = [];
  if (!(m.rttMedianMs >= m.askedRttMs && m.rttMedianMs <= m.askedRttMs + 5)) {
    problems.push(`site ${m.site}: median RTT ${m.rttMedianMs} ms, asked ${m.askedRttMs}`);
  }
  if (Math.abs(m.lossOutPct - m.askedLossOutPct) > lossTolerance(m.askedLossOutPct, samples)) {
    problems.push(`site ${m.site}: loss out ${m.lossOutPct} %, asked ${m.askedLossOutPct}`);
  }
  if (Math.abs(m.lossInPct - m.askedLossInPct) > lossTolerance(m.askedLossInPct, samples)) {
    problems.push(`site ${m.site}: loss in ${m.lossInPct} %, asked ${m.askedLossInPct}`);
  }
  return problems;
}

/**
 * Does a measurement show the condition asked? RTT: the median within [asked, asked + jitter +
 * 5 ms of processing]; loss: within four standard deviations of a binomial draw (at least 3 points).
 */
export function conditionProblems(m: LinkMeasurement): string[] {
  const problems: string[] = [];
  const { asked, produced } = m;
  const hi = asked.rttMs + asked.jitterMs + 5;
  if (!(produced.rttMs.median >= asked.rttMs && produced.rttMs.median <= hi)) {
    problems.push(`median RTT ${produced.rttMs.median} ms outside [${asked.rttMs}, ${hi}]`);
  }
  const check = (name: string, askedPct: number, gotPct: number): void => {
    const tol = lossTolerance(askedPct, produced.samples);
    if (Math.abs(gotPct - askedPct) > tol)
      problems.push(`${name} loss ${gotPct}% vs ${askedPct}% (±${round(tol)})`);
  };
  check('A→B', asked.lossAtoBPct, produced.lossAtoBPct);
  check('B→A', asked.lossBtoAPct, produced.lossBtoAPct);
  return problems;
}

/** Builds two public sites with `asked` between them, measures it, tears down. */
export async function checkCondition(
  asked: LinkCondition,
): Promise<{ m: LinkMeasurement; problems: string[] }> {
  const [la, lb] = splitCondition(asked);
  const topo = await buildTopology([
    { preset: 'public', link: la },
    { preset: 'public', link: lb },
  ]);
  try {
    const m = await measureLink(topo, topo.sites[0]!, topo.sites[1]!, asked);
    return { m, problems: conditionProblems(m) };
  } finally {
    await topo.teardown();
  }
}

/** One site's access link measured against the server (through its NATs: replies ride the mapping). */
export interface SiteLinkMeasurement {
  readonly site: number;
  /** What the site's link was asked for, as seen from the server: twice its one-way delay. */
  readonly askedRttMs: number;
  readonly askedLossOutPct: number;
  readonly askedLossInPct: number;
  readonly rttMedianMs: number;
  readonly lossOutPct: number;
  readonly lossInPct: number;
}

/**
 * Measures every site's access link from its first host to an echo on the server's address, so a
 * matrix run records what its condition really was even where the peers cannot reach each other.
 */
export async function measureSiteLinks(
  topo: Topology,
  links: readonly (SiteLink | undefined)[],
  count = 200,
  gapMs = 10,
): Promise<SiteLinkMeasurement[]> {
  const out: SiteLinkMeasurement[] = [];
  for (const site of topo.sites) {
    if (site.preset.udpBlocked) continue; // nothing UDP gets out to measure with
    const l = links[site.index];
    const r = await pingBetween(topo, site.hosts[0]!.ns, topo.core, SERVER_IP, count, gapMs);
    const m = summarise(NO_CONDITION, r).produced;
    out.push({
      site: site.index,
      askedRttMs: 2 * (l?.delayMs ?? 0),
      askedLossOutPct: l?.lossOutPct ?? 0,
      askedLossInPct: l?.lossInPct ?? 0,
      rttMedianMs: m.rttMs.median,
      lossOutPct: m.lossAtoBPct,
      lossInPct: m.lossBtoAPct,
    });
  }
  return out;
}
