/**
 * `peerlink-lab` (or `npm run lab --`): the NAT lab's commands.
 *
 *   verify [--presets a,b] [--json]      build one site per preset, probe them all at once
 *   link [--rtt MS] [--jitter MS] [--loss-ab PCT] [--loss-ba PCT] [--json]
 *                                        emulate a condition between two public sites, measure it
 *   table [--json]                       print the expectation table
 *   matrix [--all] [--pairs a:b,...] [--json]   run pairs (default: the CI subset)
 *   clean                                remove namespaces left by killed runs
 */
import { parseArgs } from 'node:util';
import { isPresetName, PRESET_NAMES, type PresetName } from '@peerlink/testing';
import { LabError } from './errors.js';
import { expectationMarkdown, expectationTable } from './expectations.js';
import { checkCondition, type LinkCondition } from './link-check.js';
import { CI_PAIRS, runMatrix } from './matrix.js';
import { matrixMarkdown, summarise } from './matrix-report.js';
import { cleanStale } from './names.js';
import { assertCanRun } from './preconditions.js';
import { verifySites } from './probe.js';
import { startServer } from './server.js';
import { buildTopology, teardownAll } from './topology.js';

type Out = (line: string) => void;

function presetList(text: string | undefined): PresetName[] {
  if (!text) return [...PRESET_NAMES];
  return text.split(',').map((n) => {
    if (!isPresetName(n)) throw new LabError('LAB_USAGE', `unknown preset ${n} (${PRESET_NAMES.join(', ')})`);
    return n;
  });
}

async function verify(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { presets: { type: 'string' }, json: { type: 'boolean' } },
  });
  await assertCanRun();
  await cleanStale();
  const topo = await buildTopology(presetList(values.presets).map((preset) => ({ preset })));
  try {
    const server = await startServer(topo);
    const verdicts = await verifySites(topo.sites, server.stunUrl);
    if (values.json) out(JSON.stringify(verdicts));
    else {
      for (const v of verdicts) {
        out(
          `${v.ok ? 'ok  ' : 'FAIL'} ${v.preset.padEnd(16)} ${JSON.stringify(v.got)} ${v.problems.join('; ')}`,
        );
      }
    }
    return verdicts.every((v) => v.ok) ? 0 : 1;
  } finally {
    await topo.teardown();
  }
}

async function link(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rtt: { type: 'string', default: '80' },
      jitter: { type: 'string', default: '0' },
      'loss-ab': { type: 'string', default: '5' },
      'loss-ba': { type: 'string', default: '5' },
      json: { type: 'boolean' },
    },
  });
  const asked: LinkCondition = {
    rttMs: Number(values.rtt),
    jitterMs: Number(values.jitter),
    lossAtoBPct: Number(values['loss-ab']),
    lossBtoAPct: Number(values['loss-ba']),
  };
  if (Object.values(asked).some((x) => !Number.isFinite(x) || x < 0)) {
    throw new LabError('LAB_USAGE', 'link: --rtt, --jitter, --loss-ab, --loss-ba take non-negative numbers');
  }
  await assertCanRun();
  await cleanStale();
  const { m, problems } = await checkCondition(asked);
  if (values.json) out(JSON.stringify({ ...m, problems }));
  else {
    const p = m.produced;
    out(
      `asked:    RTT ${asked.rttMs} ms (+0..${asked.jitterMs}), loss A→B ${asked.lossAtoBPct} %, B→A ${asked.lossBtoAPct} %`,
    );
    out(
      `produced: RTT min ${p.rttMs.min} / median ${p.rttMs.median} / p95 ${p.rttMs.p95} ms, ` +
        `loss A→B ${p.lossAtoBPct} %, B→A ${p.lossBtoAPct} % (${p.samples} probes)`,
    );
    out(problems.length ? `FAIL ${problems.join('; ')}` : 'ok');
  }
  return problems.length ? 1 : 0;
}

async function matrix(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { all: { type: 'boolean' }, pairs: { type: 'string' }, json: { type: 'boolean' } },
  });
  const pairs = values.all
    ? undefined
    : values.pairs
      ? values.pairs.split(',').map((p) => {
          const [a, b] = presetList(p.replace(':', ','));
          if (!a || !b) throw new LabError('LAB_USAGE', `matrix: a pair is A:B, got ${p}`);
          return [a, b] as [PresetName, PresetName];
        })
      : CI_PAIRS;
  await assertCanRun();
  await cleanStale();
  const results = await runMatrix({
    ...(pairs ? { pairs } : {}),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  out(values.json ? JSON.stringify({ results, summary: summarise(results) }) : matrixMarkdown(results));
  const s = summarise(results);
  return s.missed + s.failed > 0 ? 1 : 0;
}

export async function labMain(
  argv: string[],
  out: Out = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'verify':
      return verify(rest, out);
    case 'link':
      return link(rest, out);
    case 'table':
      out(rest.includes('--json') ? JSON.stringify(expectationTable()) : expectationMarkdown());
      return 0;
    case 'matrix':
      return matrix(rest, out);
    case 'clean': {
      await assertCanRun();
      const removed = await cleanStale();
      out(`removed ${removed.length} stale namespace(s)${removed.length ? `: ${removed.join(' ')}` : ''}`);
      return 0;
    }
    default:
      out('Usage: peerlink-lab verify|link|table|matrix|clean [options]   (see docs/lab.md)');
      return cmd === undefined || cmd === '--help' ? 0 : 2;
  }
}

/** Tears the lab down on SIGINT/SIGTERM before exiting, so a stopped run leaves nothing behind. */
export function installSignalTeardown(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void teardownAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}
