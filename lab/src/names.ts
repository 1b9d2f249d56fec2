/**
 * Names of everything a lab run creates. Each run has a unique id, and every namespace is named
 * `plab-<pid>-<id>-<role>`: parallel runs never collide, and a later run can tell a leftover of a
 * killed run (its pid no longer lives) from a namespace a live run still uses.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { run } from './exec.js';

export const NS_PREFIX = 'plab-';

export interface RunNames {
  readonly runId: string;
  /** Namespace name for a role (`core`, `s3r0` ...). */
  ns(role: string): string;
  /** A root-namespace interface name (at most 15 bytes), unique to this run. */
  ifname(role: string): string;
}

export function newRunNames(): RunNames {
  const id = randomBytes(3).toString('hex');
  const short = randomBytes(3).toString('hex').slice(0, 5);
  return {
    runId: `${process.pid}-${id}`,
    ns: (role) => `${NS_PREFIX}${process.pid}-${id}-${role}`,
    ifname: (role) => `pl${short}${role}`.slice(0, 15),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lists namespaces made by lab runs. */
export async function labNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NS_PREFIX));
}

/**
 * Deletes namespaces left by lab runs whose process is gone, after stopping the processes still
 * running inside them (servers and probes of that dead run). Returns the names removed.
 */
export async function cleanStale(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await labNamespaces()) {
    const pid = Number(/^plab-(\d+)-/.exec(ns)?.[1]);
    if (!Number.isFinite(pid) || alive(pid)) continue;
    await deleteNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/** Stops what runs inside a namespace, then deletes it (its veths and moved TAPs go with it). */
export async function deleteNamespace(ns: string): Promise<void> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', ns]);
    for (const p of stdout.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // namespace already gone
  }
  await run('ip', ['netns', 'del', ns]).catch(() => {});
  await rm(`/etc/netns/${ns}`, { recursive: true, force: true }); // its /etc/hosts (topology.ts)
}
