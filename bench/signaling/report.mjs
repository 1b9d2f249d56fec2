// Pieces of the signaling bench's JSON report shared by its scenarios (peer, kvs): medians over
// repeated runs, ratios, the load average, and the commit the figures were taken at.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const here = new URL('.', import.meta.url).pathname;

/** The 1, 5 and 15 minute load averages, two decimals: how busy the machine was. */
export const loadAverage = () => loadavg().map((x) => +x.toFixed(2));

/** a / b to two decimals, or null when either is missing or zero. */
export const ratio = (a, b) => (a && b ? +(a / b).toFixed(2) : null);

/** Each figure's median over the runs, figure by figure (through nested objects and arrays). */
export function medianOf(runs) {
  const mid = (xs) => {
    if (xs.every((x) => typeof x === 'number')) return [...xs].sort((p, q) => p - q)[(xs.length - 1) >> 1];
    if (xs.every(Array.isArray)) return xs[0].map((_, i) => mid(xs.map((x) => x[i])));
    if (xs.every((x) => x && typeof x === 'object'))
      return Object.fromEntries(Object.keys(xs[0]).map((k) => [k, mid(xs.map((x) => x[k]))]));
    return xs[0];
  };
  return runs.length === 1 ? runs[0] : mid(runs);
}

/** The short commit, `+dirty` when the tree differs from it outside the results files. */
export function commitOf(...resultsFiles) {
  const git = (...args) => execFileSync('git', args, { cwd: here, encoding: 'utf8' }).trim();
  const excluded = resultsFiles.map((f) => `:(top,exclude)${f}`);
  return (
    git('rev-parse', '--short', 'HEAD') +
    (git('status', '--porcelain', '--', ':(top)', ...excluded) ? '+dirty' : '')
  );
}

/**
 * Runs `once(config)` for every configuration, `repeat` rounds interleaved (so a disturbance of the
 * machine spreads over all of them), writing `line(name, result)` to stderr after each; resolves with
 * each configuration's median.
 */
export async function runRounds(configs, repeat, once, line) {
  const raw = {};
  for (let round = 0; round < repeat; round++) {
    for (const c of configs) {
      const r = await once(c);
      (raw[c.name] ??= []).push(r);
      process.stderr.write(`${line(c.name, r)}\n`);
    }
  }
  return Object.fromEntries(Object.entries(raw).map(([k, runs]) => [k, medianOf(runs)]));
}

/**
 * The scenario's command line: its own options (name -> default) plus the shared --seconds, --rate,
 * --repeat, --configs (a comma list of `all`'s names; default all) and --out. Returns the values and
 * the configurations picked.
 */
export function scenarioArgs(own, all) {
  const options = {
    repeat: { type: 'string', default: '1' },
    configs: { type: 'string' },
    out: { type: 'string' },
  };
  for (const [name, def] of Object.entries(own)) options[name] = { type: 'string', default: def };
  const { values } = parseArgs({ options });
  const picked = values.configs?.split(',') ?? all.map((c) => c.name);
  const unknown = picked.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length) throw new Error(`--configs: unknown ${unknown.join(', ')} (${all.map((c) => c.name)})`);
  return { values, configs: all.filter((c) => picked.includes(c.name)) };
}
