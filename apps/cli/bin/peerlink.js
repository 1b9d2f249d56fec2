#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built to dist/ by `npm install` (prepare).
// The runtime check comes first, as a dynamic import, so an old Node gets one clear line instead of
// a syntax or API error from deep inside the build.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `peerlink: needs Node.js 22.13 or newer (24 LTS recommended); this is ${process.version}. See the README's Quick start.\n`,
  );
  process.exit(1);
}
const { main } = await import('../dist/src/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`peerlink: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
