// An Io that records what a command prints, for in-process CLI tests.
import type { Io } from '../../src/index.js';

export function memoryIo(env: Record<string, string> = {}): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    env,
    // Resolved at once: a command that unexpectedly starts serving stops again, so a test fails
    // on its assertions instead of hanging.
    stopSignal: Promise.resolve('SIGTERM'),
  };
}
