// bench/signaling, IM scenario: calls set up per second and server CPU per call over peerlink's /im
// (seed 003's messages, JWTs from --jwt-secret), and p50/p99 set-up at a fixed offered rate; see
// loadgen.mjs for what a call is. Each server runs in its own process(es), the load generator in
// another; the nodes' CPU is read from /proc around each phase. Prints JSON.
//
//   node bench/signaling/run.mjs --scenario im [--pairs 100] [--seconds 5] [--rate 50] [--repeat 1]
//        [--configs a,b,...] [--out FILE]
//
// Configurations: 1-node-embedded, 1-node-redis, 2-node-redis-split (every caller on node A, every
// callee on node B: each call crosses the nodes through Redis). There is no named peer for IM
// calls; the ratios compare the configurations with each other.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peakRssBytes, runLoadgen, startServer } from '../processes.mjs';
import { commitOf, loadAverage, ratio, runRounds, scenarioArgs } from '../report.mjs';

const here = new URL('.', import.meta.url).pathname;
const SECRET = 'bench-secret';
const JWT_SECRET = 'bench-im-jwt-secret-0123456789ab';
const CONFIGS = [
  { name: '1-node-embedded', nodes: 1, store: 'memory' },
  { name: '1-node-redis', nodes: 1, store: 'redis' },
  { name: '2-node-redis-split', nodes: 2, store: 'redis' },
];
const { values, configs } = scenarioArgs({ pairs: '100', seconds: '5', rate: '50' }, CONFIGS);

async function once(config) {
  const server = await startServer('peerlink', {
    secret: SECRET,
    ...config,
    // The per-connection message rate lifted: a closed loop of calls is not an abuser.
    args: ['--jwt-secret', JWT_SECRET, '--ring-timeout', '30', '--im-message-rate', '100000'],
  });
  const loadAtStart = loadAverage()[0];
  try {
    const args = ['--urls', server.urls.join(','), '--secret', JWT_SECRET];
    for (const o of ['pairs', 'seconds', 'rate']) args.push(`--${o}`, values[o]);
    const { result: r, cpu } = await runLoadgen(join(here, 'loadgen.mjs'), args, server);
    /** Server (and Redis) CPU over a phase, and per call completed in it. */
    const cpuOf = (phase, calls) => {
      const c = cpu(phase);
      const perCall = (s) => (calls > 0 ? +((s / calls) * 1000).toFixed(3) : null);
      return {
        nodeCpuSeconds: c.nodes,
        serverCpuMsPerCall: perCall(c.server),
        callsPerServerCpuSecond: c.server > 0 ? Math.round(calls / c.server) : null,
        redisCpuMsPerCall: server.redisPid ? perCall(c.redis) : undefined,
        loadgenCpuSeconds: c.gen,
      };
    };
    return {
      ...r,
      nodes: config.nodes,
      store: config.store === 'memory' ? 'embedded' : config.store,
      loadAtStart,
      saturation: { ...r.saturation, ...cpuOf('saturation', r.saturation.calls) },
      fixed: { ...r.fixed, ...cpuOf('fixed', r.fixed.calls) },
      peakRssMiB: server.pids.map((pid) => +(peakRssBytes(pid) / 2 ** 20).toFixed(1)),
    };
  } finally {
    server.stop();
  }
}

/** One line per run on stderr, to follow a long run. */
const progress = (name, r) =>
  `bench im: ${name} ${r.saturation.callsPerSecond} calls/s, ${r.saturation.serverCpuMsPerCall} ms CPU/call, ` +
  `p50/p99 at ${r.fixed.offeredPerSecond}/s ${r.fixed.setupMs.p50}/${r.fixed.setupMs.p99} ms, ` +
  `errors ${r.errors}, load ${r.loadAtStart}`;

const loadBefore = loadAverage();
const results = await runRounds(configs, Number(values.repeat), once, progress);
const perCpu = (name) => results[name]?.saturation.callsPerServerCpuSecond;
const report = {
  scenario: 'im',
  commit: commitOf('bench/signaling/results-im.json'),
  pairs: Number(values.pairs),
  seconds: Number(values.seconds),
  rate: Number(values.rate),
  repeat: Number(values.repeat),
  loadBefore,
  loadAfter: loadAverage(),
  results,
  ratios: {
    redisVsEmbeddedCallsPerServerCpuSecond: ratio(perCpu('1-node-redis'), perCpu('1-node-embedded')),
    twoNodeSplitVsOneNodeRedisCallsPerServerCpuSecond: ratio(
      perCpu('2-node-redis-split'),
      perCpu('1-node-redis'),
    ),
  },
};
const text = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, `${text}\n`);
console.log(text);
