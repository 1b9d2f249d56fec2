// A private HAProxy for a test: a generated configuration, `haproxy -db` as a child process on a free
// port, killed when the test process exits. TCP mode, round-robin over the backends, optionally with
// the PROXY protocol v2 header to them (`send-proxy-v2`); health checks every 200 ms and redispatch,
// so a backend that dies is skipped the way a production balancer skips it. Ready once it accepts a
// connection and its admin socket reports every backend UP, polled against a deadline. A check may
// take up to 1 s and a server is DOWN after two failed ones: with one 200 ms check a loaded CI machine
// took a live backend out, and round-robin sent two clients in a row to the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HaproxyOptions {
  readonly backends: readonly { host: string; port: number }[];
  /** Send the PROXY protocol v2 header to the backends (health checks too). */
  readonly sendProxyV2?: boolean;
  /** Source address of HAProxy's connections to the backends (what they list as trusted). */
  readonly source?: string;
}

export interface Haproxy {
  readonly port: number;
  /** What HAProxy wrote to stderr so far (server state changes: `Server be/s0 is DOWN ...`). */
  log(): string;
  /** Each backend server's state from the admin socket (`s0` -> `UP`, `DOWN`, ...). */
  states(): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** A TCP port free on `host` a moment ago (the caller retries if another process takes it meanwhile). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function config(port: number, socket: string, o: HaproxyOptions): string {
  const proxy = o.sendProxyV2 ? ' send-proxy-v2 check-send-proxy' : '';
  const source = o.source !== undefined ? [`  source ${o.source}`] : [];
  return [
    'global',
    '  maxconn 4096',
    `  stats socket ${socket} mode 600 level admin`,
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  timeout tunnel 1h',
    '  timeout check 1s',
    '  retries 3',
    '  option redispatch',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend be',
    'backend be',
    '  balance roundrobin',
    ...source,
    ...o.backends.map((b, i) => `  server s${i} ${b.host}:${b.port} check inter 200ms fall 2 rise 2${proxy}`),
    '',
  ].join('\n');
}

/** One command on the admin socket; its whole answer. */
function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const c = createConnection({ path: socket }, () => c.end(`${command}\n`));
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.once('error', reject);
    c.once('close', () => resolve(out));
  });
}

/** `show stat` as server name -> status, for the backend `be`. */
async function serverStates(socket: string): Promise<Map<string, string>> {
  const csv = await adminCommand(socket, 'show stat');
  const lines = csv.split('\n');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const [px, sv, status] = ['pxname', 'svname', 'status'].map((k) => header.indexOf(k));
  const states = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[px!] === 'be' && f[sv!] !== 'BACKEND' && f[sv!] !== undefined)
      states.set(f[sv!]!, f[status!] ?? '');
  }
  return states;
}

async function allUp(socket: string, count: number): Promise<boolean> {
  try {
    const states = await serverStates(socket);
    return states.size === count && [...states.values()].every((s) => s === 'UP');
  } catch {
    return false;
  }
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function startHaproxy(o: HaproxyOptions): Promise<Haproxy> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-haproxy-'));
    const socket = join(dir, 'admin.sock');
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config(port, socket, o));
    const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 10_000;
    const ready = async (): Promise<boolean> =>
      (await accepts(port)) && (await allUp(socket, o.backends.length));
    while (child.exitCode === null && Date.now() < deadline && !(await ready()))
      await new Promise((r) => setTimeout(r, 20));
    if (child.exitCode === null && (await ready())) {
      return {
        port,
        log: () => stderr,
        states: () => serverStates(socket),
        stop: async () => {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          await once(child, 'exit');
          children.delete(child);
        },
      };
    }
    child.kill('SIGKILL');
    children.delete(child);
    lastError = new Error(`haproxy did not start on ${port} with every backend UP: ${stderr.trim()}`);
  }
  throw lastError;
}
