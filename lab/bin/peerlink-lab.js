#!/usr/bin/env node
// Thin launcher for the NAT lab's commands (built to dist/ by `npm install`). Runs as root.
import { installSignalTeardown, labMain } from '../dist/src/cli.js';

installSignalTeardown();
labMain(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`peerlink-lab: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    process.exitCode = err.code === 'LAB_USAGE' || String(err.code).startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
