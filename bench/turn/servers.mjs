// The TURN servers bench/turn compares, started the same way: `peerlink serve` and coturn's
// `turnserver` with the same realm, user, port range and loopback flags, each optionally pinned to
// a core with taskset. Also the C programs (turnload.c) and the wait for a server to answer STUN.
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, peakRssBytes, rssBytes } from '../signaling/processes.mjs';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
/** Whose `peerlink serve` runs: this checkout's, or another built one's (main, to compare). */
const peerlinkRoot = process.env.BENCH_TURN_PEERLINK_ROOT || root;

export const REALM = 'peerlink';
export const USER = 'bench';
export const PASSWORD = 'bench';
export const SERVER_IP = '127.0.0.1';
/** Clients bind here, so their ports never collide with relay ports on SERVER_IP. */
export const CLIENT_IP = '127.0.0.2';
export const PEER_IP = '127.0.0.3';
export const FLOOD_IP = '127.0.0.4';

/** Builds turnload.c into a temporary directory; returns the binary's path. */
export function buildTurnload() {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-turn-')), 'turnload');
  execFileSync('cc', ['-O2', '-o', out, join(here, 'turnload.c')]);
  return out;
}

const pinned = (core, cmd, args) =>
  core === undefined ? [cmd, args] : ['taskset', ['-c', core, cmd, ...args]];

/** A STUN Binding request until something answers: the server is up. */
async function answersStun(port) {
  const sock = createSocket('udp4');
  await new Promise((r) => sock.bind(0, CLIENT_IP, r));
  const req = Buffer.from('000100002112a442000000000000000000000001', 'hex');
  try {
    for (let i = 0; i < 200; i++) {
      const got = new Promise((resolve) => {
        const answered = () => {
          clearTimeout(t);
          resolve(true);
        };
        const t = setTimeout(() => {
          sock.off('message', answered);
          resolve(false);
        }, 100);
        sock.once('message', answered);
      });
      sock.send(req, port, SERVER_IP);
      if (await got) return;
    }
    throw new Error(`nothing answers STUN on ${SERVER_IP}:${port}`);
  } finally {
    sock.close();
  }
}

/**
 * Starts one server: `kind` 'peerlink' or 'coturn', on `port`, pinned to `core` (undefined: no
 * pinning) with `threads` relay threads for coturn. With `cpuProfDir`, peerlink runs under
 * `node --cpu-prof` and writes its profile there when stopped (SIGTERM, so that it can).
 * With `perfMap`, node writes the map `perf` needs to name compiled JavaScript. `dataPath`:
 * peerlink's --turn-data-path (native, js, auto; unset: its default). Returns { kind,
 * pid, port, cpu(), rss(), peakRss(), stop() }; stop() resolves to the profile's path, if any.
 */
export async function startServer(kind, { port, core, threads = 1, cpuProfDir, perfMap = false, dataPath }) {
  const range = ['--min-port', '49152', '--max-port', '65535'];
  const prof = kind === 'peerlink' && cpuProfDir !== undefined;
  const profName = `peerlink-${port}-${Date.now()}.cpuprofile`;
  const [cmd, args] =
    kind === 'peerlink'
      ? pinned(core, process.execPath, [
          ...(prof ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', profName] : []),
          // perf names compiled JavaScript by the map node writes to /tmp/perf-<pid>.map.
          ...(perfMap ? ['--perf-basic-prof-only-functions'] : []),
          join(peerlinkRoot, 'apps/cli/bin/peerlink.js'),
          'serve',
          ...['--data-dir', mkdtempSync(join(tmpdir(), 'bench-turn-data-')), '--host', SERVER_IP],
          ...['--http-port', '0', '--https-port', '0', '--stun-port', String(port), '--tls-port', '0'],
          ...['--log-level', 'warn', '--allow-loopback-peers', '--turn-user', `${USER}:${PASSWORD}`],
          ...['--realm', REALM, ...range, '--relay-ip', SERVER_IP],
          ...['--user-quota', '20000', '--total-quota', '20000'],
          ...(dataPath !== undefined ? ['--turn-data-path', dataPath] : []),
        ])
      : pinned(core, 'turnserver', [
          ...['-n', '--no-cli', '--no-tls', '--no-dtls', '--log-file', 'stdout', '--simple-log'],
          ...['--listening-ip', SERVER_IP, '--listening-port', String(port), '--relay-ip', SERVER_IP],
          ...['--realm', REALM, '--lt-cred-mech', '--user', `${USER}:${PASSWORD}`, ...range],
          ...['--allow-loopback-peers', '--relay-threads', String(threads)],
          ...['--userdb', join(mkdtempSync(join(tmpdir(), 'bench-turn-db-')), 'turndb')],
        ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([
    answersStun(port),
    exited.then((code) => {
      throw new Error(`${kind} exited ${code}: ${stderr.slice(-500)}`);
    }),
  ]);
  const pid = child.pid;
  return {
    kind,
    pid,
    port,
    cpu: () => cpuSeconds(pid),
    rss: () => rssBytes(pid),
    peakRss: () => peakRssBytes(pid),
    async stop() {
      if (prof) {
        child.kill('SIGTERM'); // node writes the profile on a clean exit
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      } else {
        child.kill('SIGKILL');
        await exited;
      }
      await sleep(200); // let the kernel free the ports before the next server binds them
      return prof ? join(cpuProfDir, profName) : undefined;
    },
  };
}

/** Per socket inode of `pid`'s UDP sockets, the datagrams the kernel dropped there (full buffer). */
function socketDropsByInode(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const drops = new Map();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 13 && inodes.has(f[9])) drops.set(f[9], Number(f[12]));
    }
  }
  return drops;
}

/**
 * Watches the drops at `pid`'s own UDP sockets (the `drops` column of /proc/net/udp) every 200 ms
 * until stop(), which resolves to their sum: sockets closed meanwhile (an allocation's) keep the
 * count they last showed.
 */
export function watchSocketDrops(pid) {
  const seen = new Map();
  const sample = () => {
    try {
      for (const [inode, n] of socketDropsByInode(pid)) seen.set(inode, n);
    } catch {
      // the process is gone
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return [...seen.values()].reduce((a, b) => a + b, 0);
    },
  };
}

/** Starts the C echo peer on PEER_IP:port, pinned to `core`. */
export async function startEcho(turnload, port, core) {
  const [cmd, args] = pinned(core, turnload, ['echo', PEER_IP, String(port)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`echo exited ${code}`)));
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

/** Runs turnload (gen or flood) pinned to `core`; resolves to its JSON line. */
export function turnload(bin, core, args) {
  const [cmd, a] = pinned(core, bin, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`turnload ${code}`)),
    );
  });
}
