#!/usr/bin/env node
// `npm test`: format and lint check, type check (the build), then every suite in scripts/suites.mjs.
// Prints a closing line `tests: N passed, N failed, N skipped` and exits non-zero on any failure or,
// with PEERLINK_REQUIRE_ALL=1, on any suite that could not run here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { suites } from './suites.mjs';

const root = new URL('..', import.meta.url).pathname;
const requireAll = process.env.PEERLINK_REQUIRE_ALL === '1';
const only = process.argv.slice(2); // optional suite names: `npm test -- unit`
const skipStatic = process.env.PEERLINK_SKIP_LINT === '1';

function step(name, cmd, args) {
  process.stdout.write(`\n== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write(`\n${name} failed\ntests: 0 passed, 1 failed\n`);
    process.exit(1);
  }
}

function testFiles() {
  const out = [];
  const walk = (dir) => {
    for (const name of safeEntries(dir)) {
      const p = join(dir, name);
      if (name === 'node_modules') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.js')) out.push(p);
    }
  };
  for (const top of ['packages', 'apps', 'lab']) {
    for (const pkg of safeList(join(root, top))) walk(join(root, top, pkg, 'dist', 'test'));
  }
  walk(join(root, 'lab', 'dist', 'test')); // lab/ is itself a package, not a folder of packages
  return out.sort();
}

function safeEntries(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeList(dir) {
  try {
    return readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());
  } catch {
    return [];
  }
}

async function runSuite(suite, files) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const stream = run({ files, concurrency: suite.concurrency, timeout: suite.budgetSeconds * 1000 });
  stream.on('test:pass', (e) => {
    if (e.details?.type === 'suite') return;
    if (e.skip || e.todo) skipped++;
    else passed++;
  });
  stream.on('test:fail', (e) => {
    if (e.details?.type === 'suite' && e.details?.error?.failureType === 'subtestsFailed') return;
    failed++;
  });
  const reporter = typeof spec === 'function' && spec.prototype ? new spec() : spec;
  const out = stream.compose(reporter);
  for await (const chunk of out) process.stdout.write(chunk);
  return { passed, failed, skipped };
}

if (!skipStatic) {
  step('format and lint', 'npx', ['eslint', '.']);
  step('format and lint', 'npx', ['prettier', '--check', '.']);
}
// The build: tsc -b, then the browser bundle of @peerlink/im-client that the IM call page serves.
step('type check and build', 'npm', ['run', 'build']);

const files = testFiles();
const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue;
  const mine = files.filter(suite.match);
  const missing = suite.needs();
  if (missing) {
    if (requireAll) {
      summary.push(`${suite.name}: FAILED (needs ${missing}; PEERLINK_REQUIRE_ALL=1)`);
      totals.failed++;
    } else {
      summary.push(`${suite.name}: SKIPPED (needs ${missing})`);
    }
    continue;
  }
  if (mine.length === 0) {
    summary.push(`${suite.name}: FAILED (no test files found)`);
    totals.failed++;
    continue;
  }
  process.stdout.write(`\n== suite ${suite.name} (${mine.length} files, budget ${suite.budgetSeconds}s)\n`);
  const started = Date.now();
  const r = await runSuite(suite, mine);
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  summary.push(`${suite.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${secs}s`);
}

process.stdout.write(`\n== summary\n${summary.map((s) => `  ${s}`).join('\n')}\n`);
process.stdout.write(`  files: ${files.map((f) => relative(root, f)).length}\n`);
process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exitCode = totals.failed > 0 ? 1 : 0;
