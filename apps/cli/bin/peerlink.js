#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built to dist/ by `npm install` (prepare).
import { main } from '../dist/src/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`peerlink: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
