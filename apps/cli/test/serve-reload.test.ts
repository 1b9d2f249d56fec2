// `peerlink serve` reloads on SIGHUP: a TURN secret rotated in the data dir's secrets.json is put in
// force without a restart, and the banner names the admin API and where its token is.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';

let server: SpawnedServer;

/** The next stdout line matching `re` (the child's output is read as it comes). */
function nextLine(s: SpawnedServer, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => re.test(l));
      if (line === undefined) return;
      s.child.stdout?.off('data', onData);
      resolve(line);
    };
    s.child.stdout?.on('data', onData);
    s.child.once('exit', (code) => reject(new Error(`server exited ${code} before ${re}`)));
  });
}

describe('peerlink serve: SIGHUP', () => {
  before(async () => {
    server = await spawnServer();
  });
  after(() => server.stop());

  it('prints the admin API and its token file, which only the owner can read', () => {
    const line = server.lines.find((l) => l.startsWith('peerlink: admin '));
    assert.match(
      line ?? '',
      /^peerlink: admin http:\/\/127\.0\.0\.1:\d+\/admin\/ {2}\(token: .*admin-token;/,
    );
    assert.equal(statSync(join(server.dataDir, 'admin-token')).mode & 0o777, 0o600);
  });

  it('reloads a TURN secret rotated in secrets.json', async () => {
    const file = join(server.dataDir, 'secrets.json');
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    writeFileSync(file, JSON.stringify({ ...secrets, turnSecret: 'rotated-by-the-operator' }));
    const reloaded = nextLine(server, /^peerlink: reload/);
    server.child.kill('SIGHUP');
    assert.match(
      await reloaded,
      /^peerlink: reloaded \(applied: turn-secret \(data dir\); RECONNECT_ICE_SERVER to 0 KVS clients\)$/,
    );
    const again = nextLine(server, /^peerlink: reload/);
    server.child.kill('SIGHUP');
    assert.equal(await again, 'peerlink: reloaded (applied: nothing changed)');
  });
});
