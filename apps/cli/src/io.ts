/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
  /** Calls `handler` on every reload request (SIGHUP); returns the function that stops listening. */
  onReload?(handler: () => void): () => void;
}

export function processIo(): Io {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
    stopSignal: new Promise((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve(sig));
    }),
    onReload: (handler) => {
      process.on('SIGHUP', handler);
      return () => process.off('SIGHUP', handler);
    },
  };
}

/** A user's mistake: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
}
