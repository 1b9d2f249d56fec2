/**
 * The WebRTC matrix's figures: connected count, weighted direct % against the most standard ICE
 * can reach over the same pairs, median time to first frame; the results and the expectation
 * table as markdown.
 */
import { PRESETS, PRESET_NAMES } from '@peerlink/testing';
import { iceExpect, weightedDirectPct, type IceMethod, type IceOptions } from './ice-expectations.js';
import type { SessionResult } from './session.js';

export interface WebrtcSummary {
  readonly pairs: number;
  readonly connected: number;
  readonly direct: number;
  readonly missed: number;
  readonly failed: number;
  /** Weighted direct % measured, and the most standard ICE reaches over the same pairs. */
  readonly weightedDirectPct: number | null;
  readonly iceMaxPct: number | null;
  readonly medianFirstFrameMs: number | null;
}

const round2 = (x: number): number => Math.round(100 * x) / 100;

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summariseWebrtc(results: readonly SessionResult[]): WebrtcSummary {
  const weighted = results.filter((r) => r.expected.weight > 0);
  const has = weighted.length > 0;
  return {
    pairs: results.length,
    connected: results.filter((r) => r.connected).length,
    direct: results.filter((r) => r.direct === true).length,
    missed: results.filter((r) => r.status === 'missed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    weightedDirectPct: has
      ? round2(
          weightedDirectPct(weighted.map((r) => ({ weight: r.expected.weight, direct: r.direct === true }))),
        )
      : null,
    iceMaxPct: has
      ? round2(
          weightedDirectPct(
            weighted.map((r) => ({ weight: r.expected.weight, direct: r.expected.outcome === 'direct' })),
          ),
        )
      : null,
    medianFirstFrameMs: median(results.flatMap((r) => (r.firstFrameMs === null ? [] : [r.firstFrameMs]))),
  };
}

const cell = (x: unknown): string => (x === null || x === undefined ? '-' : String(x));

export function webrtcMarkdown(results: readonly SessionResult[]): string {
  const s = summariseWebrtc(results);
  const f = (x: number | null): string => (x === null ? 'n/a' : `${x} %`);
  return [
    '| master (A) | viewer (B) | expected (ICE) | status | connected | selected pair | first frame ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.master} | ${r.viewer} | ${r.expected.outcome} (${r.expected.method}) | ${r.status}${r.note ? ` (${r.note})` : ''} | ` +
        `${cell(r.connected)} | ${cell(r.pairType)} | ${cell(r.firstFrameMs)} |`,
    ),
    '',
    `master ${results[0]?.masterKind ?? '-'}${results[0]?.ipv6 ? ', IPv6' : ''}: pairs ${s.pairs}, connected ${s.connected}, ` +
      `direct ${s.direct}, missed ${s.missed}, failed ${s.failed}`,
    `weighted direct ${f(s.weightedDirectPct)} (standard ICE's maximum over these pairs ${f(s.iceMaxPct)}); ` +
      `median first frame ${cell(s.medianFirstFrameMs)} ms`,
  ].join('\n');
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
    const mark = r.status === 'missed' ? ' **missed**' : '';
    return `${r.pairType} ${cell(r.firstFrameMs)}${mark}`;
  };
  return [
    `| master \\ viewer | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
    ...names.map((a) => `| ${a} | ${names.map((b) => cellOf(a, b)).join(' | ')} |`),
  ].join('\n');
}
