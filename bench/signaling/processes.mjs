// Starts the servers under test for run.mjs: the PeerJS server and the trivial forwarder (one process
// each), or peerlink as one or more `peerlink serve` nodes, in memory or sharing a private
// redis-server (never the machine's 6379). Also reads a process's CPU time and RSS from /proc.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;

export function waitLine(child, re) {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      const m = re.exec(l);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${re}`)));
  });
}

/** CPU seconds (user + system) the process has used, from /proc (clock ticks of 1/100 s). */
export const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const statusKiB = (pid, field) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

export const rssBytes = (pid) => statusKiB(pid, 'VmRSS') * 1024;

/** The most resident memory the process has had since it started (the kernel's high-water mark,
 * which it updates lazily: never below the current RSS). */
export const peakRssBytes = (pid) => Math.max(statusKiB(pid, 'VmHWM'), statusKiB(pid, 'VmRSS')) * 1024;

/**
 * Follows a load generator's stdout to its JSON result line, calling sample() at each
 * `mark PHASE start|end` line it prints (so CPU is read exactly around each phase).
 * Resolves with the parsed result and the samples as marks[phase].start / .end.
 */
export function followGenerator(gen, sample) {
  const marks = {};
  const rl = createInterface({ input: gen.stdout });
  return new Promise((resolve, reject) => {
    rl.on('line', (l) => {
      const m = /^mark (\S+) (start|end)$/.exec(l);
      if (m) (marks[m[1]] ??= {})[m[2]] = sample();
      else if (l.startsWith('{')) resolve({ result: JSON.parse(l), marks });
    });
    gen.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
  });
}

/**
 * Runs a load generator script against `server` and follows it (followGenerator), sampling the
 * CPU seconds of the server's nodes, its Redis and the generator at each mark. Resolves with the
 * result and, per phase, `cpu(phase)`: the nodes' CPU seconds in it, their sum, Redis's and the
 * generator's.
 */
export async function runLoadgen(script, args, server, env = {}) {
  const gen = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const sample = () => ({
    nodes: server.pids.map(cpuSeconds),
    redis: server.redisPid ? cpuSeconds(server.redisPid) : 0,
    gen: cpuSeconds(gen.pid),
  });
  const { result, marks } = await followGenerator(gen, sample);
  const cpu = (phase) => {
    const { start, end } = marks[phase];
    const nodes = end.nodes.map((c, i) => +(c - start.nodes[i]).toFixed(2));
    return {
      nodes,
      server: nodes.reduce((a, b) => a + b, 0),
      redis: end.redis - start.redis,
      gen: +(end.gen - start.gen).toFixed(2),
    };
  };
  return { result, cpu };
}

/** A TCP port nothing listens on right now (the kernel's pick). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A private redis-server on a free loopback port (never the machine's 6379), without persistence. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitLine(child, /Ready to accept connections/);
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** The `peerlink` CLI's entry point, for `serve` and `access-keys`. */
export const PEERLINK_BIN = join(root, 'apps/cli/bin/peerlink.js');

/** One `peerlink serve` process on loopback, in `dataDir` (a fresh one unless given). */
export async function startNode(secret, extra, env, dataDir = mkdtempSync(join(tmpdir(), 'bench-'))) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      PEERLINK_BIN,
      'serve',
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--http-port',
      String(port),
      '--https-port',
      '0',
      '--admin-listen',
      '127.0.0.1:0',
      '--stun-port',
      '0',
      '--auth-secret',
      secret,
      '--message-rate',
      '100000',
      // Every bench peer comes from 127.0.0.1: lift the per-address cap a server holds a flood to.
      '--max-connections-per-ip',
      '1000000',
      '--log-level',
      'warn',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  await waitLine(child, /^peerlink: ready/);
  return { child, url: `ws://127.0.0.1:${port}`, dataDir };
}

/**
 * `count` `peerlink serve` nodes; with `redis`, sharing it through `clusterArgs` (--redis-url and
 * --redis-prefix at least), each with its own --node-id. In `dataDirs[i]`, or fresh data dirs.
 * Returns their URLs, pids, Redis's pid, and stop(), which kills them and Redis.
 */
export async function startNodes({
  secret,
  count,
  redis,
  clusterArgs = [],
  args = [],
  env = {},
  dataDirs = [],
}) {
  const started = [];
  const stop = () => {
    for (const n of started) n.child.kill('SIGKILL');
    redis?.child.kill('SIGKILL');
  };
  try {
    for (let i = 0; i < count; i++) {
      const cluster = redis ? [...clusterArgs, '--node-id', `bench-node-${i + 1}`] : [];
      started.push(await startNode(secret, [...cluster, ...args], env, dataDirs[i]));
    }
  } catch (err) {
    stop();
    throw err;
  }
  return {
    urls: started.map((n) => n.url),
    pids: started.map((n) => n.child.pid),
    redisPid: redis?.child.pid,
    stop,
  };
}

/** The flags that put a node on `redis` under `prefix`. */
export const redisArgs = (redis, prefix) => ['--redis-url', redis.url, '--redis-prefix', prefix];

/**
 * Starts a server under test. For peerlink: `nodes` processes, on the memory store (one node only)
 * or on a fresh redis-server they share under one prefix. Returns its URLs (one per node), the pids
 * whose CPU counts as the server's, Redis's pid apart, and stop().
 */
export async function startServer(kind, { secret, nodes = 1, store = 'memory', env = {}, args = [] } = {}) {
  if (kind !== 'peerlink') {
    const port = await freePort();
    const child = spawn(process.execPath, [join(here, 'servers', `${kind}.mjs`), String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await waitLine(child, /^ready/);
    return { urls: [`ws://127.0.0.1:${port}`], pids: [child.pid], stop: () => child.kill('SIGKILL') };
  }
  if (store === 'memory' && nodes !== 1) throw new Error('several nodes need --store redis');
  const redis = store === 'redis' ? await startRedis() : undefined;
  const clusterArgs = redis ? redisArgs(redis, `bench-${process.pid}-${Date.now()}:`) : [];
  return startNodes({ secret, count: nodes, redis, clusterArgs, args, env });
}
