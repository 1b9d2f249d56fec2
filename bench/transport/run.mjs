#!/usr/bin/env node
// bench/transport: our encrypted KCP session (each mode) against kernel TCP (BBR, CUBIC) and kcptun,
// side by side in one run, at 50 ms RTT and 0/1/5/10% loss per direction (README "Transport
// benchmark"). Needs root (network namespaces, nftables), cc, and kcptun for its rows. Prints one
// JSON document on stdout and a markdown table on stderr.
//
//   sudo node bench/transport/run.mjs [--seconds 8] [--loss 0,1,5,10] [--rate 200] [--only tcp-bbr,...]
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { ADDR_B, createLink, NS_A, NS_B, setLoss, setTcpCongestion } from './netns.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const seconds = Number(args.seconds ?? 8);
const losses = String(args.loss ?? '0,1,5,10')
  .split(',')
  .map(Number);
const rate = Number(args.rate ?? 200);
const peer = new URL('./peer.mjs', import.meta.url).pathname;
const hasKcptun = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v kcptun-server && command -v kcptun-client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const systems = [
  { name: 'session-normal', kind: 'session-normal' },
  { name: 'session-fast', kind: 'session-fast' },
  { name: 'session-turbo', kind: 'session-turbo' },
  { name: 'session-fast-fec', kind: 'session-fast-fec' },
  { name: 'tcp-bbr', kind: 'tcp', cc: 'bbr' },
  { name: 'tcp-cubic', kind: 'tcp', cc: 'cubic' },
  ...(hasKcptun ? [{ name: 'kcptun-fast', kind: 'tcp', kcptun: true, cc: 'bbr' }] : []),
].filter((s) => !args.only || args.only.split(',').includes(s.name));

function inNs(ns, cmd, cmdArgs) {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...cmdArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const line = (match) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = out.split('\n').find((l) => match(l));
        if (found !== undefined) resolve(found);
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`)));
      check();
    });
  return { child, line };
}

/** CPU seconds a process has used so far (utime + stime from /proc). */
function cpuOf(pid) {
  try {
    const stat = execFileSync('cat', [`/proc/${pid}/stat`]).toString();
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function measure(system, test, loss) {
  const port = 40000 + Math.floor(Math.random() * 10000);
  const kind = system.kind;
  const children = [];
  try {
    const server = inNs(NS_B, 'node', [
      peer,
      kind,
      'server',
      test,
      ADDR_B,
      String(port),
      String(seconds),
      String(rate),
    ]);
    children.push(server.child);
    await server.line((l) => l === 'listening');
    let target = { host: ADDR_B, port };
    let tunnel = [];
    if (system.kcptun) {
      const kcpPort = port + 1;
      const common = [
        '--mode',
        'fast',
        '--crypt',
        'none',
        '--nocomp',
        '--sndwnd',
        '1024',
        '--rcvwnd',
        '1024',
        '--quiet',
      ];
      const ks = inNs(NS_B, 'kcptun-server', [
        '-t',
        `${ADDR_B}:${port}`,
        '-l',
        `${ADDR_B}:${kcpPort}`,
        ...common,
      ]);
      const kc = inNs(NS_A, 'kcptun-client', [
        '-r',
        `${ADDR_B}:${kcpPort}`,
        '-l',
        `127.0.0.1:${port + 2}`,
        ...common,
      ]);
      tunnel = [ks.child, kc.child];
      children.push(...tunnel);
      await waitForTcp(NS_A, '127.0.0.1', port + 2);
      target = { host: '127.0.0.1', port: port + 2 };
    }
    const client = inNs(NS_A, 'node', [
      peer,
      kind,
      'client',
      test,
      target.host,
      String(target.port),
      String(seconds),
      String(rate),
    ]);
    children.push(client.child);
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), (seconds + 30) * 1000),
    );
    const result = JSON.parse(await Promise.race([server.line((l) => l.startsWith('{')), timeout]));
    // CPU of both ends: the server reports its own; the client's and kcptun's are read from /proc
    // (`ip netns exec` execs, so the child's pid is the program's).
    const clientCpu = cpuOf(client.child.pid);
    const tunnelCpu = tunnel.reduce((n, c) => n + cpuOf(c.pid), 0);
    return {
      system: system.name,
      test,
      loss,
      ...result,
      clientCpuSeconds: clientCpu,
      ...(system.kcptun ? { tunnelCpuSeconds: tunnelCpu } : {}),
    };
  } catch (err) {
    return { system: system.name, test, loss, error: String(err.message ?? err) };
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}

async function waitForTcp(ns, host, port) {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('ip', ['netns', 'exec', ns, 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], {
        stdio: 'ignore',
        shell: false,
      });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listening on ${host}:${port}`);
}

const teardown = await createLink({ oneWayDelayMs: 25 });
process.on('SIGINT', () => {
  teardown();
  process.exit(130);
});
const results = [];
try {
  for (const loss of losses) {
    setLoss(loss);
    for (const system of systems) {
      if (system.cc) setTcpCongestion(system.cc);
      for (const test of ['goodput', 'latency']) {
        const r = await measure(system, test, loss);
        process.stderr.write(`${JSON.stringify(r)}\n`);
        results.push(r);
      }
    }
  }
} finally {
  teardown();
}

const cell = (loss, name, test) =>
  results.find((r) => r.loss === loss && r.system === name && r.test === test);
const rows = [
  '| loss each way | system | goodput Mbit/s | p50 ms | p99 ms | CPU s/GB (goodput run) |',
  '| --- | --- | --- | --- | --- | --- |',
];
for (const loss of losses) {
  for (const s of systems) {
    const g = cell(loss, s.name, 'goodput');
    const l = cell(loss, s.name, 'latency');
    const gb = g?.bytes ? g.bytes / 1e9 : 0;
    // Our session: both peers' CPU. kcptun: its two processes (the TCP endpoints are not counted).
    // Kernel TCP: the user-space endpoints only, so the kernel's work is missing from that column.
    const used = g ? (s.kcptun ? g.tunnelCpuSeconds : g.cpuSeconds + g.clientCpuSeconds) : 0;
    const cpu = g && gb ? (used / gb).toFixed(0) : '-';
    const fmt = (v, d = 1) => (typeof v === 'number' ? v.toFixed(d) : (g?.error ?? l?.error ?? '-'));
    rows.push(`| ${loss}% | ${s.name} | ${fmt(g?.mbit)} | ${fmt(l?.p50ms)} | ${fmt(l?.p99ms)} | ${cpu} |`);
  }
}
process.stderr.write(`\n${rows.join('\n')}\n`);
process.stdout.write(
  `${JSON.stringify({ rttMs: 50, seconds, rate, messageBytes: 1024, results }, null, 2)}\n`,
);
