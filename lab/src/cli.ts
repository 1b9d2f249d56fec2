/**
 * `peerlink-lab` (or `npm run lab --`): the NAT lab's commands.
 *
 *   verify [--presets a,b] [--ipv6] [--json]   one site per preset, all probed at once
 *   link [--rtt MS] [--jitter MS] [--loss-ab PCT] [--loss-ba PCT] [--json]
 *                                        emulate a condition between two public sites, measure it
 *   table [--json]                       print the expectation table
 *   matrix [--all] [--pairs a:b,...] [--ipv6 | --ipv6-half] [--rtt MS ...] [--json]   pairs (default: the CI subset)
 *   clean                                remove namespaces left by killed runs
 *   webrtc [--all] [--pairs a:b,...] [--master node|chromium] [--mdns] [--ipv6] [--port-mapping]
 *   webrtc-table [--json]                real WebRTC sessions; what standard ICE can make direct
 */
import { parseArgs } from 'node:util';
import { isPresetName, PRESET_NAMES, type PresetName } from '@peerlink/testing';
import { LabError } from './errors.js';
import { expectationMarkdown, expectationTable } from './expectations.js';
import { checkCondition, NO_CONDITION, type LinkCondition } from './link-check.js';
import { CI_PAIRS, runMatrix } from './matrix.js';
import { matrixMarkdown, summarise } from './matrix-report.js';
import { cleanStale } from './names.js';
import { assertCanRun } from './preconditions.js';
import { verifySites } from './probe.js';
import { startServer } from './server.js';
import { buildTopology, teardownAll } from './topology.js';
import { webrtcCommand, webrtcTableCommand } from './webrtc/cli.js';

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
    options: { presets: { type: 'string' }, ipv6: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const ipv6 = values.ipv6 ?? false;
  await assertCanRun();
  await cleanStale();
  const topo = await buildTopology(presetList(values.presets).map((preset) => ({ preset, ipv6 })));
  try {
    const server = await startServer(topo, { ipv6 });
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

const CONDITION_OPTIONS = {
  rtt: { type: 'string' },
  jitter: { type: 'string' },
  'loss-ab': { type: 'string' },
  'loss-ba': { type: 'string' },
} as const;

type ConditionFlags = { rtt?: string; jitter?: string; 'loss-ab'?: string; 'loss-ba'?: string };

/** Reads --rtt/--jitter/--loss-ab/--loss-ba over `base`; undefined when none is given and no base. */
function conditionOf(values: ConditionFlags, base?: LinkCondition): LinkCondition | undefined {
  const flags = [values.rtt, values.jitter, values['loss-ab'], values['loss-ba']];
  if (!base && flags.every((v) => v === undefined)) return undefined;
  const d = base ?? NO_CONDITION;
  const num = (v: string | undefined, dflt: number): number => (v === undefined ? dflt : Number(v));
  const c: LinkCondition = {
    rttMs: num(values.rtt, d.rttMs),
    jitterMs: num(values.jitter, d.jitterMs),
    lossAtoBPct: num(values['loss-ab'], d.lossAtoBPct),
    lossBtoAPct: num(values['loss-ba'], d.lossBtoAPct),
  };
  if (Object.values(c).some((x) => !Number.isFinite(x) || x < 0)) {
    throw new LabError('LAB_USAGE', '--rtt, --jitter, --loss-ab, --loss-ba take non-negative numbers');
  }
  return c;
}

async function link(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...CONDITION_OPTIONS, json: { type: 'boolean' } } });
  const asked = conditionOf(values, {
    rttMs: 80,
    jitterMs: 0,
    lossAtoBPct: 5,
    lossBtoAPct: 5,
  }) as LinkCondition;
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
    options: {
      all: { type: 'boolean' },
      pairs: { type: 'string' },
      ipv6: { type: 'boolean' },
      'ipv6-half': { type: 'boolean' },
      json: { type: 'boolean' },
      ...CONDITION_OPTIONS,
    },
  });
  const condition = conditionOf(values);
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
    ...(condition ? { condition } : {}),
    ipv6: values.ipv6 ?? false,
    ipv6Half: values['ipv6-half'] ?? false,
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
    case 'webrtc':
      return webrtcCommand(rest, out);
    case 'webrtc-table':
      return webrtcTableCommand(rest, out);
    case 'clean': {
      await assertCanRun();
      const removed = await cleanStale();
      out(`removed ${removed.length} stale namespace(s)${removed.length ? `: ${removed.join(' ')}` : ''}`);
      return 0;
    }
    default:
      out(
        'Usage: peerlink-lab verify|link|table|matrix|webrtc|webrtc-table|clean [options]   (see docs/lab.md)',
      );
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
