#!/usr/bin/env node
// bench/direct: how fast, and how often, connections leave the relay for a direct path, on the NAT
// lab's real kernel NATs (root). Each pair: a fresh topology at the given RTT between the peers,
// `peerlink listen` / `peerlink connect`, the ms from the connect call to the first direct path.
// Prints JSON: per method of the expectation table, the distribution and the share within the
// issue's target (2 s; 15 s for birthday pairs), and the weighted direct % against the table's
// maximum, which is the named peer here: what a correct engine reaches on the same pairs (no Debian
// package punches these NATs from a command line to run beside us).
//
//   sudo node bench/direct/run.mjs [--rtt 50] [--ipv6] [--methods simultaneous-open,lan,birthday,port-mapping,ipv6]
//                                  [--presets port-restricted-open,symmetric-open]   (pairs with a side among them)
//                                  [--exclude-presets port-restricted-open,...]     (pairs with no side among them)
//                                  [--baseline-bin OTHER/apps/cli/bin/peerlink.js]  (another build's client,
//                                  run side by side: the same pairs at the same time, one at a time each;
//                                  the JSON gets its figures and the p50/p90 ratios, ours over its)
import { parseArgs } from 'node:util';

const lab = await import(new URL('../../lab/dist/src/index.js', import.meta.url).href);
const { values } = parseArgs({
  options: {
    rtt: { type: 'string', default: '50' },
    ipv6: { type: 'boolean', default: false },
    methods: { type: 'string' },
    presets: { type: 'string' },
    'exclude-presets': { type: 'string' },
    'baseline-bin': { type: 'string' },
  },
});
const ipv6 = values.ipv6;
const TARGET_MS = { birthday: 15_000 };
const wanted = values.methods?.split(',');
const presets = values.presets?.split(',');
const excluded = values['exclude-presets']?.split(',') ?? [];
const rows = lab
  .presetPairs()
  .map(([a, b]) => lab.expect(a, b, ipv6))
  .filter((e) => (wanted ? wanted.includes(e.method) : true))
  .filter((e) => (presets ? presets.includes(e.a) || presets.includes(e.b) : true))
  .filter((e) => !excluded.includes(e.a) && !excluded.includes(e.b));
const rttMs = Number(values.rtt);
const condition = rttMs > 0 ? { rttMs, jitterMs: 0, lossAtoBPct: 0, lossBtoAPct: 0 } : undefined;
const baselineBin = values['baseline-bin'];
const run = (clientBin, tag) =>
  lab.runMatrix({
    pairs: rows.map((e) => [e.a, e.b]),
    ipv6,
    ...(condition ? { condition } : {}),
    // Side by side, each build one pair at a time, so both see the same machine.
    ...(clientBin ? { clientBin, concurrency: 1 } : baselineBin ? { concurrency: 1 } : {}),
    log: (l) => process.stderr.write(`${tag}${l}\n`),
  });
const [results, baselineResults] = await Promise.all([
  run(undefined, baselineBin ? '[ours] ' : ''),
  baselineBin ? run(baselineBin, '[baseline] ') : Promise.resolve(null),
]);

const quantile = (xs, p) => {
  if (xs.length === 0) return null;
  const v = [...xs].sort((x, y) => x - y);
  const k = (v.length - 1) * p;
  const f = Math.floor(k);
  return Math.round(v[f] + (v[Math.min(f + 1, v.length - 1)] - v[f]) * (k - f));
};
function perMethod(rs) {
  const groups = {};
  for (const r of rs) {
    const m = r.expected.method;
    const g = (groups[m] ??= { pairs: 0, connected: 0, direct: 0, ms: [] });
    g.pairs++;
    if (r.connected && r.bytesVerified) g.connected++;
    if (r.path === 'direct' && r.directMs !== null) {
      g.direct++;
      g.ms.push(r.directMs);
    }
  }
  const out = {};
  for (const [m, g] of Object.entries(groups)) {
    const target = TARGET_MS[m] ?? 2000;
    out[m] = {
      pairs: g.pairs,
      connected: g.connected,
      direct: g.direct,
      directMs: {
        p50: quantile(g.ms, 0.5),
        p90: quantile(g.ms, 0.9),
        max: g.ms.length ? Math.max(...g.ms) : null,
      },
      targetMs: target,
      withinTargetPct:
        m === 'relay' ? null : Math.round((1000 * g.ms.filter((x) => x <= target).length) / g.pairs) / 10,
    };
  }
  return out;
}
const byMethod = perMethod(results);
const ratio = (a, b) => (a === null || b === null || b === 0 ? null : Math.round((100 * a) / b) / 100);
const baselineSummary = baselineResults && lab.summariseMatrix(baselineResults);
const baseline = baselineResults && {
  bin: baselineBin,
  connectedPct: baselineSummary.connectedPct,
  weightedDirectPct: baselineSummary.weightedDirectPct,
  byMethod: perMethod(baselineResults),
};
const ratioToBaseline =
  baseline &&
  Object.fromEntries(
    Object.entries(byMethod).map(([m, g]) => [
      m,
      {
        p50: ratio(g.directMs.p50, baseline.byMethod[m]?.directMs.p50 ?? null),
        p90: ratio(g.directMs.p90, baseline.byMethod[m]?.directMs.p90 ?? null),
      },
    ]),
  );
const summary = lab.summariseMatrix(results);
// The table's maximum over exactly the pairs run (all of them: maxWeightedDirectPct).
const weighted = results.filter((r) => r.expected.weight > 0);
const w = (rs) => rs.reduce((n, r) => n + r.expected.weight, 0);
const tableMax = weighted.length
  ? (100 * w(weighted.filter((r) => r.expected.outcome === 'direct'))) / w(weighted)
  : lab.maxWeightedDirectPct(ipv6);
console.log(
  JSON.stringify(
    {
      at: new Date().toISOString(),
      rttMs,
      ipv6,
      pairs: results.length,
      connectedPct: summary.connectedPct,
      weightedDirectPct: summary.weightedDirectPct,
      weightedDirectAcceptingPct: summary.weightedDirectAcceptingPct,
      tableMaxWeightedDirectPct: Math.round(tableMax * 100) / 100,
      ratioToTableMax:
        summary.weightedDirectPct === null
          ? null
          : Math.round((1000 * summary.weightedDirectPct) / tableMax) / 1000,
      byMethod,
      ...(baseline ? { baseline, ratioToBaseline } : {}),
    },
    null,
    2,
  ),
);
