#!/usr/bin/env node
// bench/signaling: peerlink's peer protocol against the PeerJS server (npm `peer`) in the same run,
// plus a trivial forwarder that shows the load generator has headroom. Each server runs in its own
// process (peerlink as one or two nodes, on the memory store or a private redis-server); the load
// generator in another. Prints JSON.
//
//   node bench/signaling/run.mjs [--pairs 500] [--seconds 5] [--idle 10000] [--repeat 1]
//        [--matrix | --nodes 1|2 --store memory|redis --split 0..1] [--compare-cork] [--out FILE]
//
// Without --nodes/--store/--split (or with --matrix) peerlink runs the matrix: 1 node memory, 1 node
// redis, 2 nodes redis with --split of the pairs across nodes (0.5), 2 nodes redis all node-local.
// --compare-cork runs every peerlink configuration again with PEERLINK_WS_CORK=0 (write batching off).
//
//   node bench/signaling/run.mjs --scenario kvs [...]   KVS channels instead: see kvs/run.mjs
//   node bench/signaling/run.mjs --scenario im [...]    IM calls instead: see im/run.mjs
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, followGenerator, rssBytes, startServer, waitLine } from './processes.mjs';
import { commitOf, loadAverage, medianOf, ratio } from './report.mjs';

const here = new URL('.', import.meta.url).pathname;
const scenarioAt = process.argv.indexOf('--scenario');
const scenario = scenarioAt === -1 ? 'peer' : process.argv.splice(scenarioAt, 2)[1];
if (scenario === 'kvs' || scenario === 'im') {
  await import(`./${scenario}/run.mjs`);
  process.exit(0);
}
if (scenario !== 'peer') throw new Error(`--scenario is peer, kvs or im, not ${scenario}`);
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '5' },
    idle: { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '1' },
    matrix: { type: 'boolean', default: false },
    nodes: { type: 'string' },
    store: { type: 'string' },
    split: { type: 'string' },
    'compare-cork': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const SECRET = 'bench-secret';
const load = loadAverage;

/** The peerlink configurations to run: the matrix, or the one the flags name. */
function configurations() {
  const matrix = values.matrix || (!values.nodes && !values.store && !values.split);
  const half = Number(values.split ?? 0.5);
  if (matrix)
    return [
      { name: '1-node-memory', nodes: 1, store: 'memory', split: 0 },
      { name: '1-node-redis', nodes: 1, store: 'redis', split: 0 },
      { name: `2-node-redis-split-${half}`, nodes: 2, store: 'redis', split: half },
      { name: '2-node-redis-local', nodes: 2, store: 'redis', split: 0 },
    ];
  const nodes = Number(values.nodes ?? 1);
  const store = values.store ?? (nodes > 1 ? 'redis' : 'memory');
  const split = nodes > 1 ? Number(values.split ?? 0.5) : 0;
  if (![1, 2].includes(nodes)) throw new Error('--nodes is 1 or 2');
  if (!['memory', 'redis'].includes(store)) throw new Error('--store is memory or redis');
  if (!(split >= 0 && split <= 1)) throw new Error('--split is between 0 and 1');
  const where = nodes > 1 ? (split > 0 ? `-split-${split}` : '-local') : '';
  return [{ name: `${nodes}-node-${store}${where}`, nodes, store, split }];
}

/** One throughput run: start the server(s), drive them, read CPU between the generator's marks. */
async function throughput(kind, config = { nodes: 1, store: 'memory', split: 0 }, env = {}) {
  // The per-peer relay quota (default 32 MiB/s) would cap the relay figure: lift it.
  const args = ['--relay-rate', String(1e9)];
  const server = await startServer(kind, { secret: SECRET, ...config, env, args });
  const loadAtStart = load()[0];
  try {
    const gen = spawn(
      process.execPath,
      [
        join(here, 'loadgen.mjs'),
        '--kind',
        kind,
        '--urls',
        server.urls.join(','),
        '--split',
        String(config.split),
        '--pairs',
        values.pairs,
        '--seconds',
        values.seconds,
        '--secret',
        SECRET,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const sample = () => ({
      nodes: server.pids.map(cpuSeconds),
      redis: server.redisPid ? cpuSeconds(server.redisPid) : 0,
      gen: cpuSeconds(gen.pid),
    });
    const { result: r, marks } = await followGenerator(gen, sample); // marks: phase -> { start, end }
    const { start, end } = marks.routed;
    const nodeCpu = end.nodes.map((c, i) => +(c - start.nodes[i]).toFixed(2));
    const serverCpu = nodeCpu.reduce((a, b) => a + b, 0);
    const redisCpu = end.redis - start.redis;
    const perMessage = (cpu) => (r.routed > 0 ? +((cpu / r.routed) * 1e6).toFixed(2) : null);
    /** Relayed MB per CPU second of the nodes during a relay phase, and Redis's CPU seconds in it. */
    const relayPerCpu = (phase, MB) => {
      const p = marks[phase];
      if (!p || !MB) return undefined;
      const nodes = p.end.nodes.reduce((a, c, i) => a + c - p.start.nodes[i], 0);
      return {
        server: +(MB / nodes).toFixed(1),
        redisCpuSeconds: server.redisPid ? +(p.end.redis - p.start.redis).toFixed(2) : undefined,
      };
    };
    return {
      ...r,
      nodes: config.nodes,
      store: kind === 'peerlink' ? config.store : undefined,
      split: config.split,
      loadAtStart,
      nodeCpuSeconds: nodeCpu,
      serverCpuSeconds: +serverCpu.toFixed(2),
      redisCpuSeconds: server.redisPid ? +redisCpu.toFixed(2) : undefined,
      loadgenCpuSeconds: +(end.gen - start.gen).toFixed(2),
      routedPerServerCpuSecond: serverCpu > 0 ? Math.round(r.routed / serverCpu) : null,
      serverCpuMicrosPerMessage: perMessage(serverCpu),
      redisCpuMicrosPerMessage: server.redisPid ? perMessage(redisCpu) : undefined,
      relayMBPerCpuSecond: relayPerCpu('relay', r.relayMB),
      relayCrossNodeMBPerCpuSecond: relayPerCpu('relayCrossNode', r.relayCrossNodeMB),
    };
  } finally {
    server.stop();
  }
}

/** Each figure's median over the runs (figure by figure), with every run's messages per CPU second. */
function median(runs) {
  if (runs.length === 1) return runs[0];
  return { ...medianOf(runs), runs: runs.map((x) => x.routedPerServerCpuSecond) };
}

async function idleMemory(kind) {
  const server = await startServer(kind, { secret: SECRET });
  try {
    const pid = server.pids[0];
    const before = rssBytes(pid);
    const gen = spawn(
      process.execPath,
      [
        join(here, 'idle.mjs'),
        '--kind',
        kind,
        '--url',
        server.urls[0],
        '--n',
        values.idle,
        '--secret',
        SECRET,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const m = await waitLine(gen, /^ready (\d+)/);
    await new Promise((r) => setTimeout(r, 1000)); // let the server settle before reading RSS
    const after = rssBytes(pid);
    gen.stdin.end();
    return {
      peers: Number(m[1]),
      rssBeforeMiB: +(before / 2 ** 20).toFixed(1),
      rssAfterMiB: +(after / 2 ** 20).toFixed(1),
      bytesPerPeer: Math.round((after - before) / Number(m[1])),
    };
  } finally {
    server.stop();
  }
}

const log = (name, r) =>
  process.stderr.write(
    `bench: ${name} ${r.routedPerSecond} msg/s, ${r.routedPerServerCpuSecond} msg/server-CPU-s, ` +
      `p50 ${r.latencyMs.p50} ms, relay ${r.relayMBps}/${r.relayCrossNodeMBps} MB/s, load ${r.loadAtStart}\n`,
  );

const configs = configurations();
const variants = values['compare-cork']
  ? configs.flatMap((c) => [c, { ...c, name: `${c.name}/cork-off`, env: { PEERLINK_WS_CORK: '0' } }])
  : configs;
const loadBefore = load();
const raw = { trivial: [], peerjs: [] };
for (let round = 0; round < Number(values.repeat); round++) {
  // Interleaved, so a disturbance of the machine spreads over all configurations.
  for (const kind of ['trivial', 'peerjs']) {
    raw[kind].push(await throughput(kind));
    log(kind, raw[kind].at(-1));
  }
  for (const v of variants) {
    (raw[v.name] ??= []).push(await throughput('peerlink', v, v.env));
    log(v.name, raw[v.name].at(-1));
  }
}
const results = Object.fromEntries(Object.entries(raw).map(([k, runs]) => [k, median(runs)]));
const idle = {};
if (Number(values.idle) > 0) for (const kind of ['peerlink', 'peerjs']) idle[kind] = await idleMemory(kind);
const loadAfter = load();

const perCpu = (name) => results[name]?.routedPerServerCpuSecond;
const one = results['1-node-memory'] ?? results[configs[0].name];
const splitName = configs.find((c) => c.nodes === 2 && c.split > 0)?.name;
const local = results['2-node-redis-local'];
const cross = splitName && results[splitName];
/** CPU of one cross-node message relative to a node-local one, from the split run's mix. */
const crossCost = (key) => {
  if (!cross || !local || !local[key]) return null;
  const s = cross.crossNodePairs / cross.pairs;
  return ratio((cross[key] - (1 - s) * local[key]) / s, local[key]);
};
const ratios = {
  peerlinkVsPeerjsRoutedPerSecond: ratio(one.routedPerSecond, results.peerjs.routedPerSecond),
  peerlinkVsPeerjsRoutedPerServerCpuSecond: ratio(one.routedPerServerCpuSecond, perCpu('peerjs')),
  loadgenHeadroomTrivialVsPeerlink: ratio(results.trivial.routedPerSecond, one.routedPerSecond),
  redisVsMemoryOneNodeRoutedPerServerCpuSecond: ratio(perCpu('1-node-redis'), perCpu('1-node-memory')),
  twoNodeLocalVsOneNodeMemoryPerNodeRoutedPerCpuSecond: ratio(
    perCpu('2-node-redis-local'),
    perCpu('1-node-memory'),
  ),
  twoNodeLocalVsOneNodeRedisPerNodeRoutedPerCpuSecond: ratio(
    perCpu('2-node-redis-local'),
    perCpu('1-node-redis'),
  ),
  crossNode: cross && {
    serverCpuPerMessageSplitVsLocal: ratio(cross.serverCpuMicrosPerMessage, local?.serverCpuMicrosPerMessage),
    redisCpuMicrosPerMessage: {
      split: cross.redisCpuMicrosPerMessage,
      local: local?.redisCpuMicrosPerMessage,
    },
    serverCpuPerCrossNodeMessageVsLocal: crossCost('serverCpuMicrosPerMessage'),
    relayCrossNodeVsLocalMBps: ratio(cross.relayCrossNodeMBps, cross.relayMBps),
  },
  idleBytesPerPeerPeerlinkVsPeerjs:
    idle.peerlink && ratio(idle.peerlink.bytesPerPeer, idle.peerjs.bytesPerPeer),
};
if (values['compare-cork'])
  ratios.corkOnVsOff = Object.fromEntries(
    configs.map((c) => {
      const on = results[c.name];
      const off = results[`${c.name}/cork-off`];
      return [
        c.name,
        {
          routedPerServerCpuSecond: ratio(on.routedPerServerCpuSecond, off.routedPerServerCpuSecond),
          relayMBps: ratio(on.relayMBps, off.relayMBps),
          relayMBPerServerCpuSecond: ratio(on.relayMBPerCpuSecond?.server, off.relayMBPerCpuSecond?.server),
          relayCrossNodeMBps: ratio(on.relayCrossNodeMBps, off.relayCrossNodeMBps),
          relayCrossNodeMBPerServerCpuSecond: ratio(
            on.relayCrossNodeMBPerCpuSecond?.server,
            off.relayCrossNodeMBPerCpuSecond?.server,
          ),
        },
      ];
    }),
  );
const goal = (value, target) => ({ value, goal: target, met: value !== null && value >= target });
const report = {
  bench: 'signaling',
  date: new Date().toISOString(),
  commit: commitOf('bench/signaling/results.json'),
  pairs: Number(values.pairs),
  seconds: Number(values.seconds),
  repeat: Number(values.repeat),
  loadAverage: { before: loadBefore, after: loadAfter },
  throughput: results,
  idle,
  ratios,
  goals: {
    routedVsPeerjs: goal(ratios.peerlinkVsPeerjsRoutedPerSecond, 5),
    routedPerServerCpuSecondVsPeerjs: goal(ratios.peerlinkVsPeerjsRoutedPerServerCpuSecond, 1),
    twoNodeLocalPerNodeVsOneNode: goal(ratios.twoNodeLocalVsOneNodeMemoryPerNodeRoutedPerCpuSecond, 0.8),
    idlePeers10kUnderGiB: idle.peerlink ? idle.peerlink.rssAfterMiB < 1024 : null,
  },
};
const json = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, json + '\n');
console.log(json);
