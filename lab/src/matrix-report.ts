/** The matrix's figures (issue #5): connected %, direct %, direct % where expected, weighted direct %. */
import { acceptingWeight } from './expectations.js';
import type { PairResult } from './matrix.js';

export interface MatrixSummary {
  readonly pairs: number;
  readonly ran: number;
  readonly notRunnable: number;
  /** Percentages over the pairs that ran; null when none ran. */
  readonly connectedPct: number | null;
  readonly directPct: number | null;
  readonly directWhereExpectedPct: number | null;
  readonly weightedDirectPct: number | null;
  /**
   * The same with the weights of the figure with accepting routers (`acceptingWeight`: the `-open`
   * presets take ACCEPTING_SHARE of their base's weight); null when no pair carries such a weight.
   */
  readonly weightedDirectAcceptingPct: number | null;
  readonly missed: number;
  readonly failed: number;
  /** Over the pairs that reported them: path switches, and decode failures (a switch must cause none). */
  readonly pathSwitches: number;
  readonly decodeFailures: number;
}

const pct = (n: number, d: number): number | null => (d === 0 ? null : Math.round((10_000 * n) / d) / 100);

export function summarise(results: readonly PairResult[]): MatrixSummary {
  const ran = results.filter((r) => r.status !== 'not-runnable');
  const direct = (r: PairResult): boolean => r.path === 'direct';
  const expectDirect = ran.filter((r) => r.expected.outcome === 'direct');
  const weighted = ran.filter((r) => r.expected.weight > 0);
  const w = (rs: PairResult[]): number => rs.reduce((s, r) => s + r.expected.weight, 0);
  const accepting = ran.filter((r) => acceptingWeight(r.expected) > 0);
  const wa = (rs: PairResult[]): number => rs.reduce((s, r) => s + acceptingWeight(r.expected), 0);
  return {
    pairs: results.length,
    ran: ran.length,
    notRunnable: results.length - ran.length,
    connectedPct: pct(ran.filter((r) => r.connected).length, ran.length),
    directPct: pct(ran.filter(direct).length, ran.length),
    directWhereExpectedPct: pct(expectDirect.filter(direct).length, expectDirect.length),
    weightedDirectPct: pct(w(weighted.filter(direct)), w(weighted)),
    weightedDirectAcceptingPct: pct(wa(accepting.filter(direct)), wa(accepting)),
    missed: results.filter((r) => r.status === 'missed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    pathSwitches: ran.reduce((n, r) => n + (r.pathSwitches ?? 0), 0),
    decodeFailures: ran.reduce((n, r) => n + (r.decodeFailures ?? 0), 0),
  };
}

const cell = (x: unknown): string => (x === null || x === undefined ? '-' : String(x));

/** The path, marked `v6` when a direct path ended on an IPv6 address (`[a:b::c]:port` or `a:b::c:port`). */
const pathCell = (r: PairResult): string =>
  r.path === 'direct' && (r.remote?.split(':').length ?? 0) > 2 ? 'direct v6' : cell(r.path);

/** Each site's measured access link: median RTT to the server and loss out/in. */
const links = (r: PairResult): string =>
  r.links.map((l) => `${l.rttMedianMs} ms ${l.lossOutPct}/${l.lossInPct} %`).join('; ') || '-';

export function matrixMarkdown(results: readonly PairResult[]): string {
  const s = summarise(results);
  const f = (x: number | null): string => (x === null ? 'n/a' : `${x} %`);
  return [
    '| A | B | expected | status | connected | path | first byte ms (after signaling) | direct ms | bytes verified | links measured |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.a} | ${r.b} | ${r.expected.outcome} (${r.expected.method}) | ${r.status} | ${cell(r.connected)} | ` +
        `${pathCell(r)} | ${cell(r.firstByteMs)} (${cell(r.afterSignalingMs)}) | ${cell(r.directMs)} | ${cell(r.bytesVerified)} | ${links(r)} |`,
    ),
    '',
    `pairs ${s.pairs}, ran ${s.ran}, not runnable yet ${s.notRunnable}, missed ${s.missed}, failed ${s.failed}`,
    `connected ${f(s.connectedPct)}; direct ${f(s.directPct)}; direct where expected ${f(s.directWhereExpectedPct)}; ` +
      `weighted direct ${f(s.weightedDirectPct)} (with accepting routers ${f(s.weightedDirectAcceptingPct)}); path switches ${s.pathSwitches}, decode failures ${s.decodeFailures}`,
    ...(s.notRunnable ? [`not runnable yet: ${results.find((r) => r.status === 'not-runnable')?.note}`] : []),
  ].join('\n');
}
