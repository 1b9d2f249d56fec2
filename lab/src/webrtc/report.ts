/**
 * The WebRTC matrix's figures: connected count, weighted direct % against the most standard ICE
 * can reach over the same pairs, median time to first frame; the results and the expectation
 * table as markdown.
 */
import { PRESETS, PRESET_NAMES } from '@peerlink/testing';
import {
  ICE_TABLE_NAMES,
  iceExpect,
  weightedDirectPct,
  weightOf,
  type IceMethod,
  type IceOptions,
  type Weights,
} from './ice-expectations.js';
import type { SessionResult } from './session.js';
import { isDirectPair, movedToDirectAt, pairChangesText, type Stability } from './stability.js';

export interface WebrtcSummary {
  readonly pairs: number;
  readonly connected: number;
  readonly direct: number;
  readonly missed: number;
  readonly failed: number;
  /** Sessions watched for the 10 s after their first frame; those on a direct pair at some poll. */
  readonly watched: number;
  readonly wentDirect: number;
  readonly stayedDirect: number;
  /** Sessions direct at some poll of the window that did not stay direct (moved, or frames stopped). */
  readonly leftDirect: number;
  /** Of those, sessions that started on the relay and moved to a direct pair for good (not a loss). */
  readonly movedToDirect: number;
  /** Weighted direct % measured, and the most standard ICE reaches over the same pairs. */
  readonly weightedDirectPct: number | null;
  readonly iceMaxPct: number | null;
  /** The same two with the weights of accepting routers (the `-open` presets counted). */
  readonly weightedDirectAcceptingPct: number | null;
  readonly iceMaxAcceptingPct: number | null;
  readonly medianFirstFrameMs: number | null;
}

const round2 = (x: number): number => Math.round(100 * x) / 100;

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Measured and best weighted direct % over the results, with the given weights (null: none weighs). */
function weighted(results: readonly SessionResult[], w: Weights): [number | null, number | null] {
  const rows = results.filter((r) => weightOf(r.expected, w) > 0);
  if (rows.length === 0) return [null, null];
  const pct = (direct: (r: SessionResult) => boolean): number =>
    round2(weightedDirectPct(rows.map((r) => ({ weight: weightOf(r.expected, w), direct: direct(r) }))));
  return [pct((r) => r.direct === true), pct((r) => r.expected.outcome === 'direct')];
}

export function summariseWebrtc(results: readonly SessionResult[]): WebrtcSummary {
  const [weightedDirect, iceMax] = weighted(results, 'issue5');
  const [weightedAccepting, iceMaxAccepting] = weighted(results, 'accepting');
  const watched = results.flatMap((r) => (r.stability ? [r.stability] : []));
  return {
    pairs: results.length,
    connected: results.filter((r) => r.connected).length,
    direct: results.filter((r) => r.direct === true).length,
    missed: results.filter((r) => r.status === 'missed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    watched: watched.length,
    wentDirect: watched.filter((st) => st.pairs.some((p) => p.type !== null && isDirectPair(p.type))).length,
    stayedDirect: watched.filter((st) => st.stayedDirect).length,
    leftDirect: watched.filter(
      (st) => !st.stayedDirect && st.pairs.some((p) => p.type !== null && isDirectPair(p.type)),
    ).length,
    movedToDirect: watched.filter((st) => !st.stayedDirect && movedToDirectAt(st) !== null).length,
    weightedDirectPct: weightedDirect,
    iceMaxPct: iceMax,
    weightedDirectAcceptingPct: weightedAccepting,
    iceMaxAcceptingPct: iceMaxAccepting,
    medianFirstFrameMs: median(results.flatMap((r) => (r.firstFrameMs === null ? [] : [r.firstFrameMs]))),
  };
}

/** A grid cell's mark for a session that went direct and did not stay: moved there late, or left. */
const movedText = (at: number | null): string =>
  at !== null ? ` (relay, then direct at ${at} ms)` : ' **left direct**';

const cell = (x: unknown): string => (x === null || x === undefined ? '-' : String(x));

/** `yes`, or `no` and why, with the pairs seen when the pair changed. */
function stayedCell(st: Stability | null | undefined): string {
  if (!st) return '-';
  const why = [
    ...(st.framesFlowing ? [] : [`frames stalled ${st.longestStallMs} ms`]),
    ...(st.pairs.length > 1 ? [pairChangesText(st)] : []),
  ];
  const wasDirect = st.pairs.some((p) => p.type !== null && isDirectPair(p.type));
  const verdict = st.stayedDirect
    ? 'yes'
    : movedToDirectAt(st) !== null
      ? 'moved to direct'
      : wasDirect
        ? 'no'
        : 'relay';
  return `${verdict}${why.length ? ` (${why.join('; ')})` : ''}`;
}

export function webrtcMarkdown(results: readonly SessionResult[]): string {
  const s = summariseWebrtc(results);
  const f = (x: number | null): string => (x === null ? 'n/a' : `${x} %`);
  return [
    '| master (A) | viewer (B) | expected (ICE) | status | connected | selected pair | first frame ms | stayed direct 10 s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.master} | ${r.viewer} | ${r.expected.outcome} (${r.expected.method}) | ${r.status}${r.note ? ` (${r.note})` : ''} | ` +
        `${cell(r.connected)} | ${cell(r.pairType)} | ${cell(r.firstFrameMs)} | ${stayedCell(r.stability)} |`,
    ),
    '',
    `master ${results[0]?.masterKind ?? '-'}${results[0]?.ipv6 ? ', IPv6' : ''}, judged by ${tablesOf(results)}: ` +
      `pairs ${s.pairs}, connected ${s.connected}, ` +
      `direct ${s.direct}, missed ${s.missed}, failed ${s.failed}; stayed direct for 10 s ${s.stayedDirect} ` +
      `of the ${s.wentDirect} that went direct (${s.leftDirect} did not: ${s.movedToDirect} of them started on the relay ` +
      `and moved to a direct pair for good, the others left a direct pair or stalled; ${s.watched} watched)`,
    `weighted direct ${f(s.weightedDirectPct)} (the table's maximum over these pairs ${f(s.iceMaxPct)}); ` +
      `with accepting routers ${f(s.weightedDirectAcceptingPct)} (the table ${f(s.iceMaxAcceptingPct)}` +
      (results.every((r) => (r.expected.table ?? 'standard') === 'standard')
        ? ", which does not count on an `-open` router's srflx port); "
        : '); ') +
      `median first frame ${cell(s.medianFirstFrameMs)} ms`,
  ].join('\n');
}

/** The tables a run's rows were judged by (a saved run from before the remedy: standard ICE's). */
function tablesOf(results: readonly SessionResult[]): string {
  const tables = new Set(results.map((r) => r.expected.table ?? 'standard'));
  return tables.size === 0 ? '-' : [...tables].map((t) => ICE_TABLE_NAMES[t]).join(' and ');
}

const CELL: Record<IceMethod, string> = {
  host: 'direct (host)',
  srflx: 'direct (srflx)',
  prflx: 'direct (prflx)',
  ipv6: 'direct (v6)',
  'port-mapped': 'direct (port map)',
  relay: '**relay**',
};

/** What standard ICE can make direct, master rows by viewer columns, as markdown. */
export function iceExpectationMarkdown(opts: Omit<IceOptions, 'ipv6'> = {}): string {
  const solo = PRESET_NAMES.filter((n) => !PRESETS[n].shared);
  const grid = (ipv6: boolean): string[] => [
    `| master \\ viewer | ${solo.join(' | ')} |`,
    `| --- | ${solo.map(() => '---').join(' | ')} |`,
    ...solo.map(
      (a) => `| ${a} | ${solo.map((b) => CELL[iceExpect(a, b, { ...opts, ipv6 }).method]).join(' | ')} |`,
    ),
  ];
  return [
    '**IPv4 only**',
    '',
    ...grid(false),
    '',
    '**IPv6 on both sides**',
    '',
    ...grid(true),
    '',
    ...PRESET_NAMES.filter((n) => PRESETS[n].shared).map(
      (n) => `\`${n}\` pairs only with itself: ${CELL[iceExpect(n, n, { ...opts, ipv6: false }).method]}.`,
    ),
  ].join('\n');
}

/** A run as a grid, masters by viewers (the presets present), each cell the pair and first frame ms. */
export function webrtcGridMarkdown(results: readonly SessionResult[]): string {
  const names = PRESET_NAMES.filter(
    (n) => !PRESETS[n].shared && results.some((r) => r.master === n || r.viewer === n),
  );
  const at = new Map(results.map((r) => [`${r.master}/${r.viewer}`, r]));
  const cellOf = (a: string, b: string): string => {
    const r = at.get(`${a}/${b}`);
    if (r === undefined) return '';
    if (!r.connected || r.pairType === null) return `**${r.status}**`;
    const st = r.stability;
    const wasDirect = st?.pairs.some((p) => p.type !== null && isDirectPair(p.type)) ?? false;
    const stayed = !st
      ? ''
      : !st.framesFlowing
        ? ' **stalled**'
        : wasDirect && !st.stayedDirect
          ? movedText(movedToDirectAt(st))
          : '';
    const mark = (r.status === 'missed' ? ' **missed**' : '') + stayed;
    return `${r.pairType} ${cell(r.firstFrameMs)}${mark}`;
  };
  return [
    `| master \\ viewer | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
    ...names.map((a) => `| ${a} | ${names.map((b) => cellOf(a, b)).join(' | ')} |`),
  ].join('\n');
}
