// A private redis-server for a test file: its own free port on 127.0.0.1, no persistence, killed when
// the test process exits. Never the machine's shared Redis on 6379. `stop()` and `restart()` (same
// port) play an outage: the data is lost, unless stop was asked to keep it (a SAVE to the server's
// own temporary directory first, loaded again on restart). Readiness is a PING answered, polled
// against a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './haproxy.js';

const START_ATTEMPTS = 5;
const READY_DEADLINE_MS = 10_000;

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGTERM, resolved when the process has exited. `keepData`: SAVE first, so restart() loads it. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port (after stop()); resolved when it answers PING. */
  restart(): Promise<void>;
}

/** Starts redis-server on a free port, retrying with another port if that one was taken meanwhile. */
export async function startRedisServer(): Promise<RedisServer> {
  let lastError: unknown;
  for (let i = 0; i < START_ATTEMPTS; i++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-redis-'));
    dirs.add(dir);
    try {
      let child = await launch(port, dir);
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        stop: async (opts = {}) => {
          if (opts.keepData && running(child) && !(await command(port, 'SAVE', '+OK')))
            throw new Error(`redis-server on port ${port} did not SAVE`);
          await stopChild(child);
          if (!opts.keepData) rmSync(join(dir, 'dump.rdb'), { force: true }); // a restart starts empty
        },
        restart: async () => {
          await stopChild(child);
          child = await launch(port, dir);
        },
      };
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`redis-server did not start in ${START_ATTEMPTS} attempts`, { cause: lastError });
}

const killOnExit = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const c of killOnExit) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    killOnExit.delete(child);
  });
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server on port ${port} exited: ${output.trim()}`);
    if (await command(port, 'PING', '+PONG')) return child;
    await new Promise((r) => setTimeout(r, 20)); // the poll interval, not a synchronisation
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_DEADLINE_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (!running(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** One inline command over a fresh connection: true when the reply starts `expected`, else false. */
function command(port: number, line: string, expected: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write(`${line}\r\n`));
    sock.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith(expected));
    });
  });
}
