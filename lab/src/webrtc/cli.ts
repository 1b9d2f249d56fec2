/**
 * `peerlink-lab webrtc [--all] [--pairs a:b,...] [--master node|chromium] [--mdns] [--ipv6]
 * [--port-mapping] [--no-ttl-openers] [--concurrency N] [--json] [--jsonl FILE]`: real WebRTC
 * sessions across the lab (default the CI pairs; `--jsonl` appends each result to FILE as it comes;
 * `--no-ttl-openers`: the Node master without its TTL remedy, judged by standard ICE's table);
 * `peerlink-lab webrtc-table [--json] [--ttl-remedy]`: what standard ICE (or the Node master with
 * its TTL remedy) can make direct, and its weighted maximum;
 * `webrtc-table --results RUN.json|RUN.jsonl [--grid]`: a saved run's table, judged again.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ACCEPTING_SHARE, isPresetName, PRESET_NAMES, type PresetName } from '@peerlink/testing';
import { LabError } from '../errors.js';
import { cleanStale } from '../names.js';
import { assertCanRun } from '../preconditions.js';
import { iceExpectationTable, iceMaxWeightedDirectPct, type Weights } from './ice-expectations.js';
import { runWebrtcMatrix, WEBRTC_CI_PAIRS } from './matrix.js';
import { iceExpectationMarkdown, summariseWebrtc, webrtcGridMarkdown, webrtcMarkdown } from './report.js';
import { rejudge, type MasterKind, type SessionResult } from './session.js';

type Out = (line: string) => void;

function pairList(text: string): [PresetName, PresetName][] {
  return text.split(',').map((p) => {
    const [a, b, extra] = p.split(':');
    for (const n of [a, b])
      if (n === undefined || !isPresetName(n))
        throw new LabError('LAB_USAGE', `webrtc: unknown preset ${n} (${PRESET_NAMES.join(', ')})`);
    if (extra !== undefined) throw new LabError('LAB_USAGE', `webrtc: a pair is MASTER:VIEWER, got ${p}`);
    return [a, b] as [PresetName, PresetName];
  });
}

export async function webrtcCommand(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      all: { type: 'boolean' },
      pairs: { type: 'string' },
      master: { type: 'string' },
      mdns: { type: 'boolean' },
      ipv6: { type: 'boolean' },
      'port-mapping': { type: 'boolean' },
      'no-ttl-openers': { type: 'boolean' },
      concurrency: { type: 'string' },
      json: { type: 'boolean' },
      jsonl: { type: 'string' },
    },
  });
  const master = (values.master ?? 'node') as MasterKind;
  if (master !== 'node' && master !== 'chromium')
    throw new LabError('LAB_USAGE', `webrtc: --master is node or chromium, got ${values.master}`);
  if (values['port-mapping'] && master !== 'node')
    throw new LabError('LAB_USAGE', 'webrtc: --port-mapping needs the Node master');
  const concurrency = Number(values.concurrency ?? '2');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 8)
    throw new LabError('LAB_USAGE', `webrtc: --concurrency is 1 to 8, got ${values.concurrency}`);
  await assertCanRun();
  await cleanStale();
  const results = await runWebrtcMatrix({
    ...(values.all ? {} : { pairs: values.pairs ? pairList(values.pairs) : WEBRTC_CI_PAIRS }),
    master,
    ipv6: values.ipv6 ?? false,
    mdns: values.mdns ?? false,
    portMapping: values['port-mapping'] ?? false,
    ttlOpeners: !(values['no-ttl-openers'] ?? false),
    concurrency,
    log: (l) => process.stderr.write(`${l}\n`),
    // Each result as it comes, one JSON line: a long run stopped early keeps what it measured.
    ...(values.jsonl
      ? { onResult: (r: SessionResult) => appendFileSync(values.jsonl!, `${JSON.stringify(r)}\n`) }
      : {}),
  });
  const s = summariseWebrtc(results);
  out(values.json ? JSON.stringify({ results, summary: s }) : webrtcMarkdown(results));
  return s.missed + s.failed > 0 ? 1 : 0;
}

export function webrtcTableCommand(argv: string[], out: Out): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      mdns: { type: 'boolean' },
      'ttl-remedy': { type: 'boolean' },
      results: { type: 'string' },
      grid: { type: 'boolean' },
    },
  });
  if (values.results !== undefined)
    return resultsTable(values.results, values.json ? 'json' : values.grid ? 'grid' : 'table', out);
  const mdns = values.mdns ? ('viewer' as const) : ('none' as const);
  const ttlRemedy = values['ttl-remedy'] ?? false;
  if (values.json) {
    out(JSON.stringify(iceExpectationTable({ mdns, ttlRemedy })));
    return 0;
  }
  out(iceExpectationMarkdown({ mdns, ttlRemedy }));
  out('');
  const max = (ipv6: boolean, w: Weights): string =>
    iceMaxWeightedDirectPct({ ipv6, mdns, ttlRemedy }, w).toFixed(2);
  out(
    `Weighted direct % ${ttlRemedy ? 'the Node master with its TTL remedy' : 'standard ICE'} reaches at most: ` +
      `${max(false, 'issue5')} % over IPv4, ` +
      `${max(true, 'issue5')} % with IPv6 (the \`-open\` presets weigh 0 here). With ` +
      `${100 * ACCEPTING_SHARE} % of port-restricted, symmetric and cgnat routers accepting unsolicited UDP ` +
      `(their \`-open\` twins take that share of the weight): ${max(false, 'accepting')} % and ` +
      `${max(true, 'accepting')} %.`,
  );
  return 0;
}

/** A saved `webrtc --json` run as a table again, judged against the expectations as they are now. */
function resultsTable(file: string, as: 'json' | 'grid' | 'table', out: Out): number {
  let saved: { results?: SessionResult[] };
  try {
    const text = readFileSync(file, 'utf8');
    // A `--json` run's output, or a `--jsonl` file (one result a line).
    saved = file.endsWith('.jsonl')
      ? {
          results: text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as SessionResult),
        }
      : (JSON.parse(text) as { results?: SessionResult[] });
  } catch (e) {
    throw new LabError('LAB_USAGE', `webrtc-table: cannot read ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(saved.results))
    throw new LabError('LAB_USAGE', `webrtc-table: ${file} is not the output of webrtc --json or --jsonl`);
  const results = saved.results.map(rejudge);
  if (as === 'json') out(JSON.stringify({ results, summary: summariseWebrtc(results) }));
  else if (as === 'table') out(webrtcMarkdown(results));
  else {
    out(webrtcGridMarkdown(results));
    out('');
    out(webrtcMarkdown(results).split('\n').slice(-2).join('\n'));
  }
  return 0;
}
