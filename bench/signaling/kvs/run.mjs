// bench/signaling, KVS scenario: N channels, each a master and 10 viewers, over peerlink's /kvs
// (access key from `peerlink access-keys create`, channels from the control plane, URLs SigV4-presigned)
// and, as the named peer, the trivial forwarder carrying the same frames (there is no local AWS).
// Each server runs in its own process(es), the load generator in another. Prints JSON.
//
//   node bench/signaling/run.mjs --scenario kvs [--channels 50] [--viewers 10] [--candidates 4]
//        [--seconds 5] [--rate 2000] [--repeat 1] [--configs a,b,...] [--out FILE]
//
// Configurations (--configs picks some): trivial, 1-node-embedded, 1-node-redis, 2-node-redis-split
// (every master on node A, every viewer on node B), 2-node-redis-mixed (masters alternate between the
// nodes, half of each channel's viewers beside their master). Both phases and what they report are
// described in loadgen.mjs; the server's CPU (from /proc) is read around each phase.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peakRssBytes, runLoadgen } from '../processes.mjs';
import { commitOf, loadAverage, ratio, runRounds, scenarioArgs } from '../report.mjs';
import { startKvsServer } from './servers.mjs';

const here = new URL('.', import.meta.url).pathname;
const SECRET = 'bench-secret';
const CONFIGS = [
  { name: 'trivial', kind: 'trivial', placement: 'one' },
  { name: '1-node-embedded', kind: 'peerlink', nodes: 1, store: 'embedded', placement: 'one' },
  { name: '1-node-redis', kind: 'peerlink', nodes: 1, store: 'redis', placement: 'one' },
  { name: '2-node-redis-split', kind: 'peerlink', nodes: 2, store: 'redis', placement: 'split' },
  { name: '2-node-redis-mixed', kind: 'peerlink', nodes: 2, store: 'redis', placement: 'mixed' },
];
const { values, configs } = scenarioArgs(
  { channels: '50', viewers: '10', candidates: '4', seconds: '5', rate: '2000' },
  CONFIGS,
);

/** Frames the servers refused (peerlink_kvs_refused_total, every node), less the readiness probes. */
async function refusedFrames(urls, probes) {
  let total = 0;
  for (const u of urls) {
    const text = await (await fetch(`${u.replace(/^ws/, 'http')}/metrics`)).text();
    for (const m of text.matchAll(/^peerlink_kvs_refused_total\{[^}]*\} (\d+)$/gm)) total += Number(m[1]);
  }
  return total - probes;
}

async function once(config) {
  const channels = Number(values.channels);
  const server = await startKvsServer(config.kind, {
    ...config,
    channels,
    viewers: Number(values.viewers),
    secret: SECRET,
  });
  const loadAtStart = loadAverage()[0];
  try {
    const args = ['--kind', config.kind, '--urls', server.urls.join(','), '--placement', config.placement];
    for (const o of ['channels', 'viewers', 'candidates', 'seconds', 'rate']) args.push(`--${o}`, values[o]);
    const { result: r, cpu } = await runLoadgen(join(here, 'loadgen.mjs'), args, server, {
      KVS_BENCH_SETUP: JSON.stringify(server.setup),
    });
    /** Server (and Redis) CPU over a phase, and per message delivered in it. */
    const cpuOf = (phase, messages) => {
      const c = cpu(phase);
      const perMessage = (s) => (messages > 0 ? +((s / messages) * 1e6).toFixed(2) : null);
      return {
        nodeCpuSeconds: c.nodes,
        serverCpuMicrosPerMessage: perMessage(c.server),
        redisCpuMicrosPerMessage: config.store === 'redis' ? perMessage(c.redis) : undefined,
        loadgenCpuSeconds: c.gen,
      };
    };
    return {
      ...r,
      nodes: config.nodes ?? 1,
      store: config.store,
      loadAtStart,
      saturation: { ...r.saturation, ...cpuOf('saturation', r.saturation.messages) },
      fixed: { ...r.fixed, ...cpuOf('fixed', r.fixed.messages) },
      peakRssMiB: server.pids.map((pid) => +(peakRssBytes(pid) / 2 ** 20).toFixed(1)),
      refusedFrames: config.kind === 'peerlink' ? await refusedFrames(server.urls, channels) : undefined,
    };
  } finally {
    server.stop();
  }
}

const loadBefore = loadAverage();
const results = await runRounds(
  configs,
  Number(values.repeat),
  once,
  (name, r) =>
    `bench kvs: ${name} ${r.saturation.messagesPerSecond} msg/s, ` +
    `${r.saturation.serverCpuMicrosPerMessage} us CPU/msg, p99 at ${r.fixed.offeredPerSecond}/s ` +
    `${r.fixed.latencyMs.p99} ms, lost ${r.saturation.lost + r.fixed.lost}, load ${r.loadAtStart}`,
);

const trivial = results.trivial;
/** One configuration against the trivial forwarder carrying the same frames. */
const versusTrivial = (r) =>
  trivial && {
    messagesPerSecond: ratio(r.saturation.messagesPerSecond, trivial.saturation.messagesPerSecond),
    serverCpuPerMessage: ratio(
      r.saturation.serverCpuMicrosPerMessage,
      trivial.saturation.serverCpuMicrosPerMessage,
    ),
    p99AtFixedRate: ratio(r.fixed.latencyMs.p99, trivial.fixed.latencyMs.p99),
  };
const ratios = Object.fromEntries(
  Object.entries(results)
    .filter(([name]) => name !== 'trivial')
    .map(([name, r]) => [`${name}VsTrivial`, versusTrivial(r)]),
);
const one = results['1-node-embedded'];
for (const name of ['1-node-redis', '2-node-redis-split', '2-node-redis-mixed'])
  if (one && results[name])
    ratios[`${name}Vs1NodeEmbeddedServerCpuPerMessage`] = ratio(
      results[name].saturation.serverCpuMicrosPerMessage,
      one.saturation.serverCpuMicrosPerMessage,
    );

const report = {
  bench: 'signaling',
  scenario: 'kvs',
  date: new Date().toISOString(),
  commit: commitOf('bench/signaling/results-kvs.json'),
  channels: Number(values.channels),
  viewersPerChannel: Number(values.viewers),
  candidatesPerSide: Number(values.candidates),
  seconds: Number(values.seconds),
  offeredRate: Number(values.rate),
  repeat: Number(values.repeat),
  loadAverage: { before: loadBefore, after: loadAverage() },
  results,
  ratios,
};
const json = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, json + '\n');
console.log(json);
