/**
 * The expectation table: for every ordered pair of presets, over IPv4 alone and with IPv6 on both
 * sides, the outcome a correct P2P engine must reach, "direct" or "relay", and why. It is derived
 * from the presets' RFC 4787 behaviours, never written by hand, so a new preset gets its row for free.
 * The P2P issues cite it; the matrix runner fails any pair that misses it.
 */
import {
  PRESETS,
  PRESET_NAMES,
  expectedReport,
  grantsPortMapping,
  weightWithAccepting,
  ACCEPTING_SHARE,
  type Preset,
  type PresetName,
} from '@peerlink/testing';

export type Outcome = 'direct' | 'relay';

/** How a correct engine gets there: the P2P step that must make it happen. */
export type Method =
  | 'lan' // host candidates on a shared LAN
  | 'ipv6' // global IPv6 addresses; stateful firewalls opened by simultaneous open
  | 'simultaneous-open' // both mappings predictable (EIM), or the far side filters loosely
  | 'birthday' // one side maps per destination with random ports: many probes (issue #9)
  | 'port-mapping' // a side's gateway maps a public, endpoint-independent, unfiltered port for it
  | 'relay';

export interface Expectation {
  readonly a: PresetName;
  readonly b: PresetName;
  readonly ipv6: boolean;
  readonly outcome: Outcome;
  readonly method: Method;
  readonly why: string;
  /** Product of the two sides' weights (0: not counted in the weighted direct %). */
  readonly weight: number;
}

/** Maps per destination with random ports and does not filter endpoint-independently: unpredictable. */
export function isHard(p: Preset): boolean {
  const r = expectedReport(p);
  return (
    r.mapping !== null &&
    r.mapping !== 'endpoint-independent' &&
    r.portAllocation === 'random' &&
    r.filtering !== 'endpoint-independent'
  );
}

export function expect(a: PresetName, b: PresetName, ipv6: boolean): Expectation {
  const e = withoutPortMapping(a, b, ipv6);
  const [pa, pb] = [PRESETS[a], PRESETS[b]];
  // A mapped port is a public candidate anyone may send to: it beats probing and the relay, not
  // the easier methods, and nothing helps when a side blocks UDP.
  const mapped = grantsPortMapping(pa) || grantsPortMapping(pb);
  if (!mapped || pa.udpBlocked || pb.udpBlocked || (e.method !== 'birthday' && e.method !== 'relay'))
    return e;
  return {
    ...e,
    outcome: 'direct',
    method: 'port-mapping',
    why: "a side's gateway maps a public, endpoint-independent, unfiltered port (UPnP-IGD, NAT-PMP, PCP)",
  };
}

/** The outcome from mapping and filtering behaviour alone. */
function withoutPortMapping(a: PresetName, b: PresetName, ipv6: boolean): Expectation {
  const pa = PRESETS[a];
  const pb = PRESETS[b];
  const weight = pa.shared || pb.shared ? 0 : pa.weight * pb.weight;
  const row = (outcome: Outcome, method: Method, why: string): Expectation => ({
    a,
    b,
    ipv6,
    outcome,
    method,
    why,
    weight,
  });
  if (pa.udpBlocked || pb.udpBlocked) return row('relay', 'relay', 'UDP is blocked on one side');
  if (pa.shared && pb.shared) return row('direct', 'lan', 'both hosts on one LAN: host candidates');
  if (ipv6) return row('direct', 'ipv6', 'both sides have global IPv6 behind stateful firewalls');
  const hardA = isHard(pa);
  const hardB = isHard(pb);
  if (hardA && hardB) {
    return row(
      'relay',
      'relay',
      'both sides map per destination with random ports and filter (no IPv6, no port mapping)',
    );
  }
  if (!hardA && !hardB) return row('direct', 'simultaneous-open', 'both sides map endpoint-independently');
  const easy = expectedReport(hardA ? pb : pa);
  if (easy.filtering !== 'address-and-port-dependent') {
    return row(
      'direct',
      'simultaneous-open',
      "the easy side's filter admits the hard side's unpredictable port",
    );
  }
  return row('direct', 'birthday', 'one side maps per destination with random ports: birthday probing');
}

/** Ordered pairs the lab can build: `same-nat` pairs only with itself. */
export function presetPairs(): [PresetName, PresetName][] {
  const solo = PRESET_NAMES.filter((n) => !PRESETS[n].shared);
  const pairs: [PresetName, PresetName][] = [];
  for (const a of solo) for (const b of solo) pairs.push([a, b]);
  for (const n of PRESET_NAMES.filter((x) => PRESETS[x].shared)) pairs.push([n, n]);
  return pairs;
}

export function expectationTable(): Expectation[] {
  return [false, true].flatMap((ipv6) => presetPairs().map(([a, b]) => expect(a, b, ipv6)));
}

/** The best weighted direct % a correct engine can reach (issue #5: about 96 % over IPv4). */
export function maxWeightedDirectPct(ipv6: boolean): number {
  return weightedDirect(ipv6, (e) => e.weight);
}

/** Weight of a pair in the figure with accepting routers (`weightWithAccepting` of each side). */
export const acceptingWeight = (e: Expectation): number =>
  PRESETS[e.a].shared || PRESETS[e.b].shared
    ? 0
    : weightWithAccepting(PRESETS[e.a]) * weightWithAccepting(PRESETS[e.b]);

/**
 * The same best figure with ACCEPTING_SHARE of the port-restricted, symmetric and cgnat routers
 * accepting unsolicited UDP (their `-open` twins): equal to issue #5's, since a twin's outcomes
 * are its base's; the matrix's measured figure is what can differ.
 */
export function maxWeightedDirectPctWithAccepting(ipv6: boolean): number {
  return weightedDirect(ipv6, acceptingWeight);
}

function weightedDirect(ipv6: boolean, weight: (e: Expectation) => number): number {
  const rows = expectationTable().filter((e) => e.ipv6 === ipv6 && weight(e) > 0);
  const total = rows.reduce((s, e) => s + weight(e), 0);
  const direct = rows.filter((e) => e.outcome === 'direct').reduce((s, e) => s + weight(e), 0);
  return (100 * direct) / total;
}

const CELL: Record<Method, string> = {
  lan: 'direct (LAN)',
  ipv6: 'direct (v6)',
  'simultaneous-open': 'direct',
  birthday: 'direct (birthday)',
  'port-mapping': 'direct (port map)',
  relay: '**relay**',
};

/** The table as markdown: one grid per address family, rows A, columns B. */
export function expectationMarkdown(): string {
  const solo = PRESET_NAMES.filter((n) => !PRESETS[n].shared);
  const grid = (ipv6: boolean): string[] => [
    `| A \\ B | ${solo.join(' | ')} |`,
    `| --- | ${solo.map(() => '---').join(' | ')} |`,
    ...solo.map((a) => `| ${a} | ${solo.map((b) => CELL[expect(a, b, ipv6).method]).join(' | ')} |`),
  ];
  const shared = PRESET_NAMES.filter((n) => PRESETS[n].shared);
  return [
    '**IPv4 only**',
    '',
    ...grid(false),
    '',
    '**IPv6 on both sides** (global addresses, stateful firewalls, no NAT66)',
    '',
    ...grid(true),
    '',
    ...shared.map((n) => `\`${n}\` pairs only with itself: ${CELL[expect(n, n, false).method]}.`),
    '',
    `Weighted direct % a correct engine reaches: ${maxWeightedDirectPct(false).toFixed(2)} % over IPv4, ` +
      `${maxWeightedDirectPct(true).toFixed(2)} % with IPv6 (the \`-open\` presets weigh 0 here). With ` +
      `${100 * ACCEPTING_SHARE} % of port-restricted, symmetric and cgnat routers accepting unsolicited UDP ` +
      `(their \`-open\` twins take that share of the weight): ${maxWeightedDirectPctWithAccepting(false).toFixed(2)} % ` +
      `and ${maxWeightedDirectPctWithAccepting(true).toFixed(2)} %.`,
  ].join('\n');
}
