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
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { allocateChannels, allocateMany } from './allocate.mjs';
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
} from './servers.mjs';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
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

async function dataPlane(kind) {
  const server = await startServer(kind, { port: PORT, core: SERVER_CORE });
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
    return {
      fixed,
      saturation,
      saturatedPerSecond: best.receivedPerSecond,
      cpuSecondsPerMillion: best.cpuSecondsPerMillion,
      flood: { allocatesPerSecond: FLOOD_RATE, from: FLOOD_IP, legit: underFlood, without: fixed.at(-1) },
      peakRssBytes: server.peakRss(),
    };
  } finally {
    await server.stop();
  }
}

async function uclient(kind) {
  const server = await startServer(kind, { port: PORT, core: SERVER_CORE });
  try {
    const cpu0 = server.cpu();
    const args = ['-m', quick ? '20' : '100', '-n', '2000', '-l', String(SIZE), '-z', '1', '-c'];
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
    return {
      args: args.join(' '),
      lossPercent: num(/Total lost packets \d+ \(([\d.]+)%\)/),
      rttMs: num(/Average round trip delay ([\d.]+) ms/),
      connectSeconds: num(/Total connect time is (\d+)/),
      allocationMismatch437: (out.match(/error 437/g) ?? []).length,
      serverCpuSeconds: round(server.cpu() - cpu0),
    };
  } finally {
    await server.stop();
  }
}

async function allocations(kind) {
  const server = await startServer(kind, { port: PORT, core: SERVER_CORE });
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
  const server = await startServer(kind, { port: PORT, core: undefined, threads: 2 });
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
try {
  log('generator against the C echo (its ceiling)');
  result.generator = await headroom();
  for (const kind of KINDS) {
    log(`${kind}: data plane (one core)`);
    result[kind] = { dataPlane: await dataPlane(kind) };
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
    uclientServerCpu: ratio(p.uclient.serverCpuSeconds, c.uclient.serverCpuSeconds),
    allocationsPerSecond: ratio(p.allocations.allocationsPerSecond, c.allocations.allocationsPerSecond),
    bytesPerAllocation: ratio(p.allocations.bytesPerAllocation, c.allocations.bytesPerAllocation),
    twoCoreSaturated: ratio(p.twoCores.saturatedPerSecond, c.twoCores.saturatedPerSecond),
  };
  result.generatorHasHeadroom =
    result.generator.maxPerSecond > Math.max(p.dataPlane.saturatedPerSecond, c.dataPlane.saturatedPerSecond);
} finally {
  echo.stop();
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
