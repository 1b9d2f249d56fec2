// A child process whose stdout is JSON lines (the CLI's kvs-master and kvs-viewer): `lines` collects
// them, `next(what, pred)` waits for one, failing after `stepMs` with the process's last lines and
// its stderr, so a session that stalls under load says where instead of hanging the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PEERLINK = fileURLToPath(new URL('../../../../../apps/cli/bin/peerlink.js', import.meta.url));

export type Line = Record<string, unknown> & { event?: string };

export interface JsonLinesProcess {
  readonly child: ChildProcess;
  readonly lines: Line[];
  next(what: string, pred: (l: Line) => boolean): Promise<Line>;
  stderr(): string;
}

/** Starts `cmd args`; the child is pushed on `children` for the caller's cleanup. */
export function startJsonLines(
  cmd: string,
  args: string[],
  o: { env?: Record<string, string>; stepMs: number; children: ChildProcess[] },
): JsonLinesProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  o.children.push(child);
  const lines: Line[] = [];
  const waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
    } catch {
      return;
    }
    lines.push(l);
    for (const w of waiters.filter((x) => x.pred(l))) w.resolve(l);
  });
  // Waits for a line `pred` accepts; fails after o.stepMs naming the step, with the process's last
  // lines and its stderr, so a session that stalls under load says where instead of hanging the suite.
  const next = (what: string, pred: (l: Line) => boolean): Promise<Line> => {
    const have = lines.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const last = lines.slice(-3).map((l) => JSON.stringify(l).slice(0, 400));
        reject(
          new Error(
            `${args[1]}: no ${what} in ${o.stepMs} ms; last lines ${last.join(' | ')}; stderr: ${stderr}`,
          ),
        );
      }, o.stepMs);
      waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${cmd} exited ${code}: ${stderr}`));
      });
    });
  };
  return { child, lines, next, stderr: () => stderr };
}
