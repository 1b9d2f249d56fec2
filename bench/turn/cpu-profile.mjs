// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function: where peerlink's
// JavaScript thread spent a bench run. "(program)" is native time outside JavaScript (libuv,
// syscalls, the kernel's share is not visible here: use perf for that), "(garbage collector)" GC.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The `top` functions by self time, each { fn, at, percent, ms }, and the total sampled ms. */
export function summarizeCpuProfile(path, top = 15) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'}\t${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => {
      const [fn, at] = key.split('\t');
      return { fn, at, percent: Math.round((us / total) * 1000) / 10, ms: Math.round(us / 1000) };
    });
  return { file: path, sampledMs: Math.round(total / 1000), top: rows };
}
