// The matrix runner's plumbing, end to end on kernel NATs, with a stand-in for `peerlink
// token/listen/connect` that speaks issue #7's JSON contract. The stand-in's one real act is to
// fetch the server's /status from host A through its NATs (so `connected` means the lab's TCP path
// to the server works); it always reports the relay path, so the runner must call a pair that the
// table expects direct "missed" and a relay-only pair "ok". Its results are never shown as a matrix.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labNamespaces, NS_PREFIX, runMatrix } from '../src/index.js';

const STAND_IN = `
const [cmd, ...rest] = process.argv.slice(2);
const arg = (n) => rest[rest.indexOf(n) + 1];
if (rest.includes('--help')) process.exit(0);
if (cmd === 'token') console.log('stand-in-token-' + arg('--id'));
if (cmd === 'listen') {
  console.log(JSON.stringify({ event: 'listening' }));
  setInterval(() => {}, 1 << 30);
}
if (cmd === 'connect') {
  const t0 = performance.now();
  try {
    const res = await fetch(new URL('/status', arg('--server')), { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error('status ' + res.status);
    const ms = Math.round(performance.now() - t0);
    console.log(JSON.stringify({ event: 'connected', path: 'relay', ms }));
    console.log(JSON.stringify({ event: 'done', bytes: Number(arg('--bytes')), sha256: 'stand-in', ms, path: 'relay' }));
  } catch (e) {
    console.log(JSON.stringify({ event: 'error', code: 'STAND_IN', message: String(e) }));
    process.exit(1);
  }
}
`;

describe('matrix runner plumbing (stand-in client)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'peerlink-lab-stand-in-'));
    writeFileSync(join(dir, 'peerlink.mjs'), STAND_IN);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds each pair, measures its links, runs listen and connect in the hosts, judges, tears down', async () => {
    const results = await runMatrix({
      pairs: [
        ['public', 'cgnat'],
        ['udp-blocked', 'public'],
      ],
      clientBin: join(dir, 'peerlink.mjs'),
      condition: { rttMs: 20, jitterMs: 0, lossAtoBPct: 0, lossBtoAPct: 0 },
      bytes: 1000,
    });
    const [direct, relay] = results;
    assert.equal(direct?.status, 'missed', direct?.note ?? '');
    assert.equal(direct?.connected, true);
    assert.equal(direct?.path, 'relay');
    assert.equal(direct?.bytesVerified, true);
    assert.ok((direct?.firstByteMs ?? -1) >= 0);
    assert.equal(direct?.links.length, 2);
    assert.ok(
      direct!.links.every((l) => l.rttMedianMs >= 10),
      JSON.stringify(direct!.links),
    );
    assert.equal(relay?.status, 'ok', relay?.note ?? '');
    assert.equal(relay?.links.length, 1, 'a UDP-blocked site has no UDP link to measure');
    assert.deepEqual(
      (await labNamespaces()).filter((n) => n.startsWith(`${NS_PREFIX}${process.pid}-`)),
      [],
    );
  });
});
