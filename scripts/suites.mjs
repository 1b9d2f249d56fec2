// The test suites and what each needs from the machine. A suite whose needs are missing prints
// `SKIPPED (needs X)` and is skipped, unless PEERLINK_REQUIRE_ALL=1 (CI), where that is a failure.
// Test files pick their suite by name: `name.test.ts` is a unit test, `name.<suite>.test.ts` belongs to
// <suite>. Every suite has a time budget: a test file still running past it fails.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** @type {{ name: string; match: (file: string) => boolean; needs: () => string | null; budgetSeconds: number; concurrency: number }[]} */
export const suites = [
  {
    name: 'unit',
    match: (f) => /^[^.]+\.test\.js$/.test(f.split('/').pop() ?? ''),
    needs: () => null,
    budgetSeconds: 300,
    concurrency: 2,
  },
  {
    name: 'coturn',
    match: (f) => f.endsWith('.coturn.test.js'),
    needs: () =>
      has('turnutils_stunclient') && has('turnutils_natdiscovery')
        ? null
        : 'coturn tools (apt-get install coturn)',
    budgetSeconds: 300,
    concurrency: 1,
  },
  {
    name: 'go',
    match: (f) => f.endsWith('.go.test.js'),
    needs: () =>
      has('go') && existsSync('/usr/share/gocode/src/github.com/xtaci/kcp-go')
        ? null
        : 'go and kcp-go (apt-get install golang-go golang-github-xtaci-kcp-dev)',
    budgetSeconds: 300,
    concurrency: 1,
  },
];
