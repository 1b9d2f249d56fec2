/**
 * The delay/jitter half of link emulation: lab/c/tap-link.c, compiled on first use with `cc -O2`
 * into a temp directory keyed by the source's hash (binaries are never committed), then run as a
 * cable between two TAP devices that the topology moves into namespaces.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, start, type LabProcess } from './exec.js';

const SOURCE = new URL('../../c/tap-link.c', import.meta.url).pathname;

let built: Promise<string> | undefined;

/** Compiles tap-link once per source version and returns the binary's path. */
export function buildTapLink(): Promise<string> {
  built ??= (async () => {
    const src = readFileSync(SOURCE);
    const hash = createHash('sha256').update(src).digest('hex').slice(0, 12);
    const dir = join(tmpdir(), `peerlink-lab-${hash}`);
    const bin = join(dir, 'tap-link');
    if (existsSync(bin)) return bin;
    mkdirSync(dir, { recursive: true });
    const partial = `${bin}.${process.pid}`;
    await run('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', partial, SOURCE]);
    renameSync(partial, bin); // atomic: a parallel run never executes a half-written binary
    return bin;
  })();
  return built;
}

export interface TapLinkSpec {
  /** Root-namespace names for the two TAP devices. */
  readonly a: string;
  readonly b: string;
  /** One-way delay a→b and b→a, ms. */
  readonly delayAtoBMs: number;
  readonly delayBtoAMs: number;
  /** Uniform extra delay in [0, jitterMs], never reordering. */
  readonly jitterMs: number;
  readonly seed: number;
}

/** Starts a tap-link and resolves once both TAP devices exist. */
export async function startTapLink(spec: TapLinkSpec): Promise<LabProcess> {
  const bin = await buildTapLink();
  const us = (ms: number): string => String(Math.round(ms * 1000));
  const p = start(
    null,
    bin,
    [spec.a, spec.b, us(spec.delayAtoBMs), us(spec.delayBtoAMs), us(spec.jitterMs), String(spec.seed)],
    `tap-link ${spec.a}`,
  );
  await p.waitForLine(/^ready$/, 5000);
  return p;
}
