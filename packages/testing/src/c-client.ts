// The C QUIC signaling client (clients/c) for tests: builds it once per test process with cmake into
// a temp dir (AddressSanitizer on, warnings as errors), runs its example programs (on this machine,
// or inside a network namespace of the NAT lab) and reads the JSON-line events they print (state,
// joined, message, sent, ice_config, error, done).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SOURCE = resolve(import.meta.dirname, '../../../../clients/c');
let built: Promise<string> | undefined;

/** Configures, builds and unit-tests clients/c once; resolves with the build directory. */
export function buildCClient(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-c-'));
    await run('cmake', ['-S', SOURCE, '-B', dir, '-DPEERLINK_ASAN=ON', '-DCMAKE_BUILD_TYPE=Debug']);
    await run('cmake', ['--build', dir, '-j', '2']);
    await run('ctest', ['--output-on-failure'], { cwd: dir });
    return dir;
  })();
  return built;
}

export type CEvent = Record<string, string> & { event: string };

export interface CProgram {
  readonly child: ChildProcess;
  readonly events: CEvent[];
  /** The first event (already seen or still to come) that matches; rejects if the program exits first. */
  waitFor(match: (e: CEvent) => boolean): Promise<CEvent>;
  /** The exit code (a signal counts as -1). */
  readonly exited: Promise<number>;
  /** stderr so far (AddressSanitizer reports land here). */
  stderr(): string;
}

export interface CExampleOptions {
  /** Run inside this network namespace (`ip netns exec`; needs root), e.g. a NAT lab host. */
  readonly netns?: string;
}

export async function runCExample(
  name: 'peerlink-quic-master' | 'peerlink-quic-viewer',
  args: string[],
  o: CExampleOptions = {},
): Promise<CProgram> {
  const dir = await buildCClient();
  const program = join(dir, name);
  const [file, argv] = o.netns ? ['ip', ['netns', 'exec', o.netns, program, ...args]] : [program, args];
  const child = spawn(file, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' },
  });
  const events: CEvent[] = [];
  const waiters: {
    match: (e: CEvent) => boolean;
    resolve: (e: CEvent) => void;
    reject: (err: Error) => void;
  }[] = [];
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let e: CEvent;
    try {
      e = JSON.parse(line) as CEvent;
    } catch {
      return; // not an event line
    }
    events.push(e);
    for (const w of waiters.splice(0)) {
      if (w.match(e)) w.resolve(e);
      else waiters.push(w);
    }
  });
  const exited = new Promise<number>((res) =>
    child.once('exit', (code) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`${name} exited (${code}) first; stderr: ${err}`));
      res(code ?? -1);
    }),
  );
  return {
    child,
    events,
    exited,
    stderr: () => err,
    waitFor: (match) => {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      if (child.exitCode !== null) return Promise.reject(new Error(`${name} already exited; stderr: ${err}`));
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    },
  };
}
