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

export const rssBytes = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

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

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitLine(child, /Ready to accept connections/);
  return { child, url: `redis://127.0.0.1:${port}` };
}

async function startNode(secret, extra, env) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(root, 'apps/cli/bin/peerlink.js'),
      'serve',
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'bench-')),
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
  return { child, url: `ws://127.0.0.1:${port}` };
}

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
  const started = [];
  const stop = () => {
    for (const n of started) n.child.kill('SIGKILL');
    redis?.child.kill('SIGKILL');
  };
  try {
    const prefix = `bench-${process.pid}-${Date.now()}:`;
    for (let i = 0; i < nodes; i++) {
      const cluster = redis
        ? ['--redis-url', redis.url, '--redis-prefix', prefix, '--node-id', `bench-node-${i + 1}`]
        : [];
      started.push(await startNode(secret, [...cluster, ...args], env));
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
