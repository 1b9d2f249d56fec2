// A private HAProxy for a test: a generated configuration, `haproxy -db` as a child process on a free
// port, killed when the test process exits. TCP mode, round-robin over the backends, optionally with
// the PROXY protocol v2 header to them (`send-proxy-v2`); health checks every 200 ms and redispatch,
// so a backend that dies is skipped the way a production balancer skips it. Ready once it accepts a
// connection, polled against a deadline.
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

function config(port: number, o: HaproxyOptions): string {
  const proxy = o.sendProxyV2 ? ' send-proxy-v2 check-send-proxy' : '';
  const source = o.source !== undefined ? [`  source ${o.source}`] : [];
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend be',
    'backend be',
    '  balance roundrobin',
    ...source,
    ...o.backends.map((b, i) => `  server s${i} ${b.host}:${b.port} check inter 200ms fall 1 rise 2${proxy}`),
    '',
  ].join('\n');
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
    const file = join(mkdtempSync(join(tmpdir(), 'peerlink-haproxy-')), 'haproxy.cfg');
    writeFileSync(file, config(port, o));
    const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 10_000;
    while (child.exitCode === null && Date.now() < deadline && !(await accepts(port)))
      await new Promise((r) => setTimeout(r, 20));
    if (child.exitCode === null && (await accepts(port))) {
      return {
        port,
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
    lastError = new Error(`haproxy did not start on ${port}: ${stderr.trim()}`);
  }
  throw lastError;
}
