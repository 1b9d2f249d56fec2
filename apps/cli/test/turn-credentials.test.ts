import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { main } from '../src/index.js';
import { memoryIo as io } from './helpers/memory-io.js';
import { BIN } from './helpers/spawn-server.js';

const run = promisify(execFile);

const hmac = (secret: string, username: string): string =>
  createHmac('sha1', secret).update(username).digest('base64');

describe('peerlink turn-credentials', () => {
  it('prints a REST pair as JSON that HMAC-SHA1 of the secret confirms', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { stdout } = await run(process.execPath, [
      BIN,
      'turn-credentials',
      '--secret',
      'S',
      '--user',
      'U',
      '--ttl',
      '3600',
      '--json',
    ]);
    const after = Math.ceil(Date.now() / 1000);
    const c = JSON.parse(stdout) as { username: string; password: string; ttl: number; expiresAt: number };
    assert.match(c.username, /^\d+:U$/);
    assert.equal(Number(c.username.split(':')[0]), c.expiresAt);
    // Minted while the process ran, however long it took to start on a loaded machine.
    assert.ok(
      c.expiresAt >= before + 3600 && c.expiresAt <= after + 3600,
      JSON.stringify({ before, after, c }),
    );
    assert.equal(c.password, hmac('S', c.username));
    assert.equal(c.ttl, 3600);
  });

  it('prints text by default and reads the secret from the environment or the data dir', async () => {
    const a = io({ PEERLINK_TURN_SECRET: 'from-env,older' });
    assert.equal(await main(['turn-credentials', '--user', 'cam'], a), 0);
    const username = /^username: (\S+)$/.exec(a.stdout[0] ?? '')?.[1] ?? '';
    assert.equal(a.stdout[1], `password: ${hmac('from-env', username)}`);
    assert.match(a.stdout[2] ?? '', /^expires: {2}\d{4}-\d\d-\d\dT/);
    const dir = mkdtempSync(join(tmpdir(), 'peerlink-cred-'));
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ turnSecret: 'from-dir' }));
    const b = io();
    assert.equal(await main(['turn-credentials', '--data-dir', dir, '--json'], b), 0);
    const c = JSON.parse(b.stdout[0] ?? '{}') as { username: string; password: string };
    assert.match(c.username, /^\d+$/);
    assert.equal(c.password, hmac('from-dir', c.username));
  });

  it('refuses mistakes with one line and exit 2', async () => {
    for (const [argv, pattern] of [
      [['turn-credentials'], /--secret S is required/],
      [['turn-credentials', '--secret', 's', '--ttl', '0'], /--ttl must be a whole number/],
      [['turn-credentials', '--secret', 's', '--ttl', 'soon'], /--ttl must be a whole number/],
      [['turn-credentials', '--secret', 's', '--user', 'a:b'], /may not contain ":"/],
      [['turn-credentials', '--secret', 's', '--bogus'], /Unknown option '--bogus'/],
      [['turn-credentials', '--data-dir', '/nonexistent-peerlink'], /cannot read/],
    ] as const) {
      const x = io();
      assert.equal(await main([...argv], x), 2, argv.join(' '));
      assert.equal(x.stderr.length, 1);
      assert.match(x.stderr[0] ?? '', pattern);
    }
  });
});
