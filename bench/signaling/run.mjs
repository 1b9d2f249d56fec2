#!/usr/bin/env node
// bench/signaling: peerlink's peer protocol against the PeerJS server (npm `peer`) in the same run,
// plus a trivial forwarder that shows the load generator has headroom. Each server runs in its own
// process; the load generator in another. Prints JSON.
//
//   node bench/signaling/run.mjs [--pairs 500] [--seconds 5] [--idle 10000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '5' },
    idle: { type: 'string', default: '10000' },
  },
});
const SECRET = 'bench-secret';

function waitLine(child, re) {
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
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const rssBytes = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function startServer(kind, port) {
  let child;
  if (kind === 'peerlink') {
    child = spawn(
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
        '--stun-port',
        '0',
        '--auth-secret',
        SECRET,
        '--message-rate',
        '100000',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await waitLine(child, /^peerlink: ready/);
    return { child, url: `ws://127.0.0.1:${port}` };
  }
  child = spawn(process.execPath, [join(here, 'servers', `${kind}.mjs`), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitLine(child, /^ready/);
  return { child, url: `ws://127.0.0.1:${port}` };
}

async function throughput(kind, port) {
  const server = await startServer(kind, port);
  try {
    const gen = spawn(
      process.execPath,
      [
        join(here, 'loadgen.mjs'),
        '--kind',
        kind,
        '--url',
        server.url,
        '--pairs',
        values.pairs,
        '--seconds',
        values.seconds,
        '--secret',
        SECRET,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let cpuStart = 0;
    let cpuEnd = 0;
    const rl = createInterface({ input: gen.stdout });
    const line = await new Promise((resolve, reject) => {
      rl.on('line', (l) => {
        if (l === 'mark start') cpuStart = cpuSeconds(server.child.pid);
        else if (l === 'mark end') cpuEnd = cpuSeconds(server.child.pid);
        else if (l.startsWith('{')) resolve(l);
      });
      gen.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
    });
    const r = JSON.parse(line);
    const serverCpu = cpuEnd - cpuStart;
    r.serverCpuSeconds = +serverCpu.toFixed(2);
    r.routedPerServerCpuSecond =
      serverCpu > 0 ? Math.round((r.routedPerSecond * Number(values.seconds)) / serverCpu) : null;
    return r;
  } finally {
    server.child.kill('SIGKILL');
  }
}

async function idleMemory(kind, port) {
  const server = await startServer(kind, port);
  try {
    const before = rssBytes(server.child.pid);
    const gen = spawn(
      process.execPath,
      [join(here, 'idle.mjs'), '--kind', kind, '--url', server.url, '--n', values.idle, '--secret', SECRET],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const m = await waitLine(gen, /^ready (\d+)/);
    await new Promise((r) => setTimeout(r, 1000)); // let the server settle before reading RSS
    const after = rssBytes(server.child.pid);
    gen.stdin.end();
    return {
      peers: Number(m[1]),
      rssBeforeMiB: +(before / 2 ** 20).toFixed(1),
      rssAfterMiB: +(after / 2 ** 20).toFixed(1),
      bytesPerPeer: Math.round((after - before) / Number(m[1])),
    };
  } finally {
    server.child.kill('SIGKILL');
  }
}

const results = {};
let port = 19080;
for (const kind of ['trivial', 'peerlink', 'peerjs']) {
  results[kind] = await throughput(kind, port++);
  process.stderr.write(`bench: ${kind} ${JSON.stringify(results[kind])}\n`);
}
const idle = {};
for (const kind of ['peerlink', 'peerjs']) idle[kind] = await idleMemory(kind, port++);

const ratio = (a, b) => (a && b ? +(a / b).toFixed(2) : null);
console.log(
  JSON.stringify(
    {
      bench: 'signaling',
      pairs: Number(values.pairs),
      seconds: Number(values.seconds),
      throughput: results,
      idle,
      ratios: {
        peerlinkVsPeerjsRoutedPerSecond: ratio(
          results.peerlink.routedPerSecond,
          results.peerjs.routedPerSecond,
        ),
        peerlinkVsPeerjsRoutedPerServerCpuSecond: ratio(
          results.peerlink.routedPerServerCpuSecond,
          results.peerjs.routedPerServerCpuSecond,
        ),
        loadgenHeadroomTrivialVsPeerlink: ratio(
          results.trivial.routedPerSecond,
          results.peerlink.routedPerSecond,
        ),
        peerlinkVsPeerjsBytesPerIdlePeer: ratio(idle.peerlink.bytesPerPeer, idle.peerjs.bytesPerPeer),
      },
      goals: { routedVsPeerjs: 5, idlePeers10kUnderGiB: idle.peerlink.rssAfterMiB < 1024 },
    },
    null,
    2,
  ),
);
