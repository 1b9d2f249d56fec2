#!/usr/bin/env node
// bench/turn (issue #19): peerlink's TURN against coturn's, in the same run. Each server gets core 0
// (taskset; peerlink is one process, coturn runs --relay-threads 1), the load generator and the echo
// peer core 1. The generator (turnload.c) sends ChannelData through allocations to a C echo; first it
// drives the echo directly, and must go faster than either server, or the ratios mean nothing.
// Measured per server: relayed messages/s at saturation, loss and p50/p99 round trip at fixed rates,
// server CPU seconds per million echoed messages, peak RSS; turnutils_uclient -m 100 -n 2000 -l 170
// -z 1 -c (loss, RTT, server CPU); allocations per second and memory per allocation up to 10,000;
// loss and RTT while one address floods unauthenticated Allocates; then both cores, unpinned.
//
//   npm run bench:turn [-- --quick]       (JSON on stdout, progress on stderr)
//   npm run bench:turn -- --data-only     generator ceiling and the data plane of both servers only
//   npm run bench:turn -- --uclient-only  turnutils_uclient at -m 50 and -m 100 against both servers
//   npm run bench:turn -- --data-path js  peerlink's TypeScript data path (default: its server default,
//                                         auto: the native addon when it was built); native, js or auto
//   BENCH_TURN_CPU_PROF=dir ...           peerlink under node --cpu-prof: a profile per server start
//                                         in dir, and its top functions by self time in the JSON
//   BENCH_TURN_PEERLINK_ROOT=checkout ... peerlink from another built checkout (main, to compare)
//   BENCH_TURN_PERF=dir ...               `perf record` of peerlink during each uclient run, in dir,
//                                         and its CPU by binary (kernel, node, libc, JIT) in the JSON
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { allocateChannels, allocateMany } from './allocate.mjs';
import { summarizeCpuProfile } from './cpu-profile.mjs';
import {
  CLIENT_IP,
  FLOOD_IP,
  PASSWORD,
  PEER_IP,
  SERVER_IP,
  USER,
  buildTurnload,
  startEcho,
  startServer,
  turnload,
  watchSocketDrops,
} from './servers.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'data-only': { type: 'boolean', default: false },
    'uclient-only': { type: 'boolean', default: false },
    'data-path': { type: 'string' },
  },
});
const quick = values.quick;
const dataPath = values['data-path'];
if (dataPath !== undefined && !['native', 'js', 'auto'].includes(dataPath)) {
  throw new Error('--data-path: native, js or auto');
}
const cpuProfDir = process.env.BENCH_TURN_CPU_PROF || undefined;
if (cpuProfDir !== undefined) mkdirSync(cpuProfDir, { recursive: true });
const perfDir = process.env.BENCH_TURN_PERF || undefined;
if (perfDir !== undefined) mkdirSync(perfDir, { recursive: true });

/** `perf record` of `pid` until stop(); stop() resolves to the CPU share per binary (dso). */
function perfRecord(pid, name) {
  const file = `${perfDir}/${name}.perf.data`;
  const child = spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    async stop() {
      child.kill('SIGINT');
      await exited;
      const { stdout } = await promisify(execFile)(
        'perf',
        ['report', '-i', file, '--stdio', '--no-children', '--sort', 'dso', '--percent-limit', '0.5'],
        { maxBuffer: 64 << 20 },
      );
      const rows = [...stdout.matchAll(/^\s+([\d.]+)%\s+(\S.*?)\s*$/gm)].map((m) => ({
        dso: m[2],
        percent: Number(m[1]),
      }));
      return { file, byBinary: rows };
    },
  };
}
const log = (s) => process.stderr.write(`bench/turn: ${s}\n`);
const SERVER_CORE = '0';
const GEN_CORE = '1';
const PORT = 34878;
const ECHO_PORT = 34879;
const CLIENTS = 50;
const SIZE = 170;
const FIXED_RATES = quick ? [10_000] : [5_000, 10_000, 20_000];
const SATURATION_RATES = quick ? [80_000] : [40_000, 80_000, 160_000];
const SECONDS = quick ? 2 : 3;
const ALLOCATIONS = quick ? 2_000 : 10_000;
const FLOOD_RATE = 20_000;
const KINDS = ['peerlink', 'coturn'];

const bin = buildTurnload();
const echo = await startEcho(bin, ECHO_PORT, GEN_CORE);
const peer = { family: 4, address: PEER_IP, port: ECHO_PORT };
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** turnload gen through `target` (a server port, or the echo itself with channel 0). */
const gen = (target, ports, channel, rate, seconds = SECONDS, core = GEN_CORE) =>
  turnload(bin, core, [
    'gen',
    target === ECHO_PORT ? PEER_IP : SERVER_IP,
    String(target),
    CLIENT_IP,
    ports.join(','),
    String(channel),
    String(rate),
    String(seconds),
    String(SIZE),
  ]);

/** One generator run with the server's CPU over it: adds perSecond and cpuSecondsPerMillion. */
async function measured(server, ports, channel, rate) {
  const cpu0 = server.cpu();
  const r = await gen(server.port, ports, channel, rate);
  const cpu = server.cpu() - cpu0;
  return {
    ...r,
    receivedPerSecond: Math.round(r.received / SECONDS),
    serverCpuSeconds: round(cpu),
    cpuSecondsPerMillion: r.received > 0 ? round((cpu / r.received) * 1e6) : null,
  };
}

async function headroom() {
  const ports = Array.from({ length: CLIENTS }, (_, i) => 36000 + i);
  const steps = [];
  for (const rate of SATURATION_RATES) steps.push(await gen(ECHO_PORT, ports, 0, rate));
  return { steps, maxPerSecond: Math.max(...steps.map((s) => Math.round(s.received / SECONDS))) };
}

/** Stops a server; under BENCH_TURN_CPU_PROF, `into.cpuProfile` gets its profile's summary. */
async function stopped(server, into) {
  const profile = await server.stop();
  if (profile !== undefined) into.cpuProfile = summarizeCpuProfile(profile);
}

/** The kernel's UDP counters (/proc/net/snmp), machine-wide: drops at full socket buffers. */
function udpCounters() {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const [names, nums] = lines.map((l) => l.split(/\s+/).slice(1));
  return Object.fromEntries(names.map((n, i) => [n, Number(nums[i])]));
}

async function dataPlane(kind) {
  const server = await startServer(kind, { port: PORT, core: SERVER_CORE, cpuProfDir, dataPath });
  const result = {};
  try {
    const { ports, channel } = await allocateChannels(PORT, peer, CLIENTS);
    const fixed = [];
    for (const rate of FIXED_RATES) fixed.push(await measured(server, ports, channel, rate));
    const saturation = [];
    for (const rate of SATURATION_RATES) saturation.push(await measured(server, ports, channel, rate));
    const rate = FIXED_RATES.at(-1);
    const flood = turnload(bin, GEN_CORE, [
      'flood',
      SERVER_IP,
      String(PORT),
      FLOOD_IP,
      String(FLOOD_RATE),
      String(SECONDS + 1),
    ]);
    const underFlood = await measured(server, ports, channel, rate);
    await flood;
    const best = saturation.reduce((a, b) => (b.receivedPerSecond > a.receivedPerSecond ? b : a));
    return Object.assign(result, {
      fixed,
      saturation,
      saturatedPerSecond: best.receivedPerSecond,
      cpuSecondsPerMillion: best.cpuSecondsPerMillion,
      flood: { allocatesPerSecond: FLOOD_RATE, from: FLOOD_IP, legit: underFlood, without: fixed.at(-1) },
      peakRssBytes: server.peakRss(),
    });
  } finally {
    await stopped(server, result);
  }
}

/**
 * turnutils_uclient with `clients` clients, the command of issue #19 (ChannelData, `-c`, through
 * the echo; `-X -g` as there). Also the kernel's UDP drop counters over the run, machine-wide
 * (RcvbufErrors: a datagram that found a socket's buffer full).
 */
async function uclient(kind, clients = quick ? 20 : 100) {
  const perf = perfDir !== undefined && kind === 'peerlink';
  const server = await startServer(kind, {
    port: PORT,
    core: SERVER_CORE,
    cpuProfDir,
    perfMap: perf,
    dataPath,
  });
  const result = {};
  const recording = perf ? perfRecord(server.pid, `peerlink-m${clients}`) : undefined;
  try {
    const cpu0 = server.cpu();
    const udp0 = udpCounters();
    const drops = watchSocketDrops(server.pid);
    const args = ['-m', String(clients), '-n', '2000', '-l', String(SIZE), '-z', '1', '-c', '-X', '-g'];
    const { stdout } = await promisify(execFile)(
      'taskset',
      [
        ...['-c', GEN_CORE, 'turnutils_uclient', ...args, '-u', USER, '-w', PASSWORD],
        ...['-e', PEER_IP, '-r', String(ECHO_PORT), '-p', String(PORT), SERVER_IP],
      ],
      { timeout: 180_000, maxBuffer: 64 << 20, env: process.env },
    ).catch((e) => e); // a failed run still prints its totals
    const out = stdout ?? '';
    const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
    const udp1 = udpCounters();
    const cpu = server.cpu() - cpu0;
    if (recording !== undefined) result.perf = await recording.stop();
    const lossPercent = num(/Total lost packets \d+ \(([\d.]+)%\)/);
    const echoed = clients * 2000 * (1 - lossPercent / 100);
    return Object.assign(result, {
      args: args.join(' '),
      lossPercent,
      rttMs: num(/Average round trip delay ([\d.]+) ms/),
      connectSeconds: num(/Total connect time is (\d+)/),
      allocationMismatch437: (out.match(/error 437/g) ?? []).length,
      serverCpuSeconds: round(cpu),
      // per message sent, and per message that came back (what a lost message cost is in both)
      cpuMicrosecondsPerMessage: round((cpu / (clients * 2000)) * 1e6, 1),
      cpuMicrosecondsPerEchoed: echoed > 0 ? round((cpu / echoed) * 1e6, 1) : null,
      // the server's own sockets, then the whole machine's (uclient's and the echo's too)
      serverSocketDrops: drops.stop(),
      kernelUdpDrops: {
        RcvbufErrors: udp1.RcvbufErrors - udp0.RcvbufErrors,
        SndbufErrors: udp1.SndbufErrors - udp0.SndbufErrors,
        InErrors: udp1.InErrors - udp0.InErrors,
      },
    });
  } finally {
    await stopped(server, result);
  }
}

async function allocations(kind) {
  const server = await startServer(kind, { port: PORT, core: SERVER_CORE, dataPath });
  const rss0 = server.rss();
  const marks = [...new Set([1_000, ALLOCATIONS / 2, ALLOCATIONS])];
  const points = [];
  let close = () => {};
  try {
    close = await allocateMany(PORT, ALLOCATIONS, 64, marks, (count, seconds) => {
      points.push({ count, seconds: round(seconds), rssBytes: server.rss() });
    });
    const last = points.at(-1);
    return {
      points,
      allocationsPerSecond: Math.round(last.count / last.seconds),
      bytesPerAllocation: Math.round((last.rssBytes - rss0) / last.count),
    };
  } finally {
    close();
    await server.stop();
  }
}

async function twoCores(kind) {
  const server = await startServer(kind, { port: PORT, core: undefined, threads: 2, dataPath });
  try {
    const { ports, channel } = await allocateChannels(PORT, peer, CLIENTS);
    const steps = [];
    for (const rate of SATURATION_RATES) steps.push(await measured(server, ports, channel, rate));
    return { saturatedPerSecond: Math.max(...steps.map((s) => s.receivedPerSecond)), steps };
  } finally {
    await server.stop();
  }
}

const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b !== 0 ? round(a / b) : null);
const result = {
  machine: `${(await import('node:os')).cpus().length} cores, loadavg ${(await import('node:os')).loadavg().map((l) => round(l, 1))}`,
  clients: CLIENTS,
  payloadBytes: SIZE,
};
const mode = values['uclient-only'] ? 'uclient-only' : values['data-only'] ? 'data-only' : 'full';
result.mode = mode;
result.peerlinkRoot = process.env.BENCH_TURN_PEERLINK_ROOT || 'this checkout';
result.peerlinkDataPath = dataPath ?? 'server default (auto)';
try {
  if (mode === 'uclient-only') {
    // Issue #19's gate: nothing lost at 50 and 100 clients. Each server fresh for each run.
    for (const clients of [50, 100]) {
      for (const kind of KINDS) {
        log(`${kind}: turnutils_uclient -m ${clients}`);
        (result[kind] ??= {})[`uclient${clients}`] = await uclient(kind, clients);
      }
    }
    result.ratios = Object.fromEntries(
      [50, 100].map((m) => [
        `uclient${m}ServerCpu`,
        ratio(result.peerlink[`uclient${m}`].serverCpuSeconds, result.coturn[`uclient${m}`].serverCpuSeconds),
      ]),
    );
  } else {
    log('generator against the C echo (its ceiling)');
    result.generator = await headroom();
    for (const kind of KINDS) {
      log(`${kind}: data plane (one core)`);
      result[kind] = { dataPlane: await dataPlane(kind) };
      if (mode === 'data-only') continue;
      log(`${kind}: turnutils_uclient`);
      result[kind].uclient = await uclient(kind);
      log(`${kind}: allocations`);
      result[kind].allocations = await allocations(kind);
      log(`${kind}: two cores`);
      result[kind].twoCores = await twoCores(kind);
    }
    const p = result.peerlink;
    const c = result.coturn;
    result.ratios = {
      saturatedPerSecond: ratio(p.dataPlane.saturatedPerSecond, c.dataPlane.saturatedPerSecond),
      cpuPerMessage: ratio(p.dataPlane.cpuSecondsPerMillion, c.dataPlane.cpuSecondsPerMillion),
      peakRss: ratio(p.dataPlane.peakRssBytes, c.dataPlane.peakRssBytes),
    };
    if (mode === 'full') {
      Object.assign(result.ratios, {
        uclientServerCpu: ratio(p.uclient.serverCpuSeconds, c.uclient.serverCpuSeconds),
        allocationsPerSecond: ratio(p.allocations.allocationsPerSecond, c.allocations.allocationsPerSecond),
        bytesPerAllocation: ratio(p.allocations.bytesPerAllocation, c.allocations.bytesPerAllocation),
        twoCoreSaturated: ratio(p.twoCores.saturatedPerSecond, c.twoCores.saturatedPerSecond),
      });
    }
    result.generatorHasHeadroom =
      result.generator.maxPerSecond >
      Math.max(p.dataPlane.saturatedPerSecond, c.dataPlane.saturatedPerSecond);
  }
} finally {
  echo.stop();
}
result.loadavgAfter = (await import('node:os')).loadavg().map((l) => round(l, 1));
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
