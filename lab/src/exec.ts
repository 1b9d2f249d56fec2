/**
 * Running commands for the lab: one-shot commands (`ip`, `nft`) that must succeed, and
 * long-lived processes inside a namespace whose readiness is a line they print, awaited with a
 * deadline (never a sleep).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LabError } from './errors.js';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; rejects with LAB_COMMAND_FAILED (and its stderr) on a non-zero exit. */
export function run(cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.trim() || err.message;
        reject(new LabError('LAB_COMMAND_FAILED', `${cmd} ${args.join(' ')}: ${why}`));
      } else resolve({ stdout, stderr });
    });
    // A command that dies before reading its input (its namespace deleted by a teardown mid-run)
    // breaks the pipe: that is its failure, reported through its exit, not a crash of the lab.
    child.stdin?.on('error', () => {});
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs a command to completion and resolves with its exit code and output, whatever the code. */
export function runStatus(cmd: string, args: readonly string[]): Promise<RunResult & { code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** `ip netns exec NS cmd args...` */
export const inNs = (ns: string, cmd: string, args: readonly string[], input?: string): Promise<RunResult> =>
  run('ip', ['netns', 'exec', ns, cmd, ...args], input);

/**
 * Sets a kernel parameter inside a namespace through /proc/sys (per namespace for net.*), so the lab
 * needs no `sysctl` binary (procps is not on every minimal machine).
 */
export const setSysctl = (ns: string, key: string, value: string | number): Promise<RunResult> =>
  inNs(ns, 'sh', ['-c', `echo ${Number(value)} > /proc/sys/${key.replaceAll('.', '/')}`]);

/** Reads a kernel parameter inside a namespace. */
export const getSysctl = async (ns: string, key: string): Promise<string> =>
  (await inNs(ns, 'cat', [`/proc/sys/${key.replaceAll('.', '/')}`])).stdout.trim();

/** A long-lived process and the lines it has printed so far. */
export interface LabProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first stdout line matching, or rejects at the deadline or on exit. */
  waitForLine(match: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited within 2 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * Spawns `cmd` (inside namespace `ns` when given). Its stdin is a pipe held open by us: helpers such
 * as tap-link exit when it closes, so a crashed lab leaves no process behind.
 */
export function start(ns: string | null, cmd: string, args: readonly string[], label: string): LabProcess {
  const argv = ns ? ['netns', 'exec', ns, cmd, ...args] : args;
  const child = spawn(ns ? 'ip' : cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.on('error', () => {}); // a helper gone before us: its exit says so
  const lines: string[] = [];
  let err = '';
  let exited = child.exitCode !== null;
  const waiters = new Set<() => void>();
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters) w();
  });
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      for (const w of waiters) w();
      resolve();
    }),
  );
  child.on('error', () => {}); // reported through exit and the waiters
  return {
    child,
    lines,
    stderr: () => err,
    waitForLine(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find((l) => match.test(l));
          if (hit !== undefined) done(() => resolve(hit));
          else if (exited)
            done(() =>
              reject(new LabError('LAB_PROCESS_EXITED', `${label} exited before ${match}: ${err.trim()}`)),
            );
        };
        const timer = setTimeout(
          () =>
            done(() => reject(new LabError('LAB_TIMEOUT', `${label}: no ${match} within ${timeoutMs} ms`))),
          timeoutMs,
        );
        const done = (f: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Is a command on PATH? */
export async function hasTool(name: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}
