// `peerlink access-keys` as an operator runs it: the built binary in child processes against a data
// dir, beside a server started in this process on the same data dir. The server sees what the
// command does without a restart; the secret is in no file in clear; a wrong KEK is one line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadServeConfig, ServerError, startServer, type RunningServer } from '@peerlink/server';
import { main } from '../src/index.js';
import { memoryIo } from './helpers/memory-io.js';
import { BIN } from './helpers/spawn-server.js';

const exec = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `peerlink access-keys ...` in a child process, with a clean environment. */
async function cli(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, 'access-keys', ...args], { env: {} });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function created(dataDir: string): Promise<{ AccessKeyId: string; SecretAccessKey: string }> {
  const out = await cli('create', '--json', '--data-dir', dataDir);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stderr, '');
  assert.match(out.stdout, /^\{"AccessKeyId":"AKIA[A-Z2-7]{16}","SecretAccessKey":"[A-Za-z0-9+/]{40}"\}\n$/);
  return JSON.parse(out.stdout) as { AccessKeyId: string; SecretAccessKey: string };
}

function startOn(dataDir: string, flags: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadServeConfig({
    flags: {
      'data-dir': dataDir,
      host: '127.0.0.1',
      'http-port': '0',
      'https-port': '0',
      'admin-listen': '127.0.0.1:0',
      'stun-port': '0',
      'log-level': 'silent',
      ...flags,
    },
    env: {},
  });
  return startServer(config);
}

describe('peerlink access-keys', () => {
  it('create, list, revoke through the CLI; a running server sees each change at once', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'peerlink-ak-')), 'data');
    const first = await created(dataDir);
    const server = await startOn(dataDir);
    try {
      assert.equal(server.backend.durable.kind, 'sqlite');
      assert.equal(await server.accessKeys.secretOf(first.AccessKeyId), first.SecretAccessKey);
      const second = await created(dataDir); // while the server holds the file open
      assert.equal(
        await server.accessKeys.secretOf(second.AccessKeyId),
        second.SecretAccessKey,
        'a key made after the server started, without a restart',
      );

      const listed = await cli('list', '--json', '--data-dir', dataDir);
      assert.equal(listed.code, 0, listed.stderr);
      const keys = JSON.parse(listed.stdout) as { AccessKeyId: string; Status: string; CreatedAt: string }[];
      assert.deepEqual(
        keys.map((k) => [k.AccessKeyId, k.Status]),
        [
          [first.AccessKeyId, 'Active'],
          [second.AccessKeyId, 'Active'],
        ],
      );
      assert.ok(keys.every((k) => !Number.isNaN(Date.parse(k.CreatedAt))));
      assert.ok(!listed.stdout.includes(first.SecretAccessKey), 'list never shows a secret');

      const revoked = await cli('revoke', first.AccessKeyId, '--data-dir', dataDir);
      assert.deepEqual(revoked, { code: 0, stdout: `revoked ${first.AccessKeyId}\n`, stderr: '' });
      assert.equal(await server.accessKeys.secretOf(first.AccessKeyId), undefined, 'refused at once');
      const again = await cli('revoke', first.AccessKeyId, '--data-dir', dataDir);
      assert.equal(again.stdout, `${first.AccessKeyId} was already revoked\n`);
      const text = await cli('list', '--data-dir', dataDir);
      assert.match(text.stdout, new RegExp(`^${first.AccessKeyId}\\s+Revoked\\s+created `, 'm'));
      assert.match(text.stdout, new RegExp(`^${second.AccessKeyId}\\s+Active\\s+created `, 'm'));

      // Every byte the data dir holds, the open database's WAL included: no secret in clear.
      for (const name of readdirSync(dataDir, { recursive: true }) as string[]) {
        const bytes = (() => {
          try {
            return readFileSync(join(dataDir, name));
          } catch {
            return Buffer.alloc(0); // a directory
          }
        })();
        for (const s of [first.SecretAccessKey, second.SecretAccessKey])
          assert.equal(bytes.includes(Buffer.from(s)), false, `${name} holds a secret in clear`);
      }
    } finally {
      await server.close();
    }
  });

  it('a wrong KEK: the CLI says so in one line (exit 1), the server refuses to start with KEK_MISMATCH', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-ak-'));
    await created(dataDir);
    const other = join(dataDir, 'other.key');
    writeFileSync(other, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o600 });
    for (const sub of ['create', 'list']) {
      const out = await cli(sub, '--data-dir', dataDir, '--kek-file', other);
      assert.equal(out.code, 1);
      assert.equal(out.stdout, '');
      assert.match(
        out.stderr,
        /^peerlink access-keys: this store's access keys are sealed with KEK [0-9a-f]{16}, but .*other\.key is KEK [0-9a-f]{16}.*\n$/,
      );
    }
    await assert.rejects(
      startOn(dataDir, { 'kek-file': other }),
      (e) => e instanceof ServerError && e.code === 'KEK_MISMATCH',
    );
  });

  it("a user's mistakes are one line and exit 2; an unknown key is one line and exit 1", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-ak-'));
    for (const [argv, code, pattern] of [
      [['revoke', '--data-dir', dataDir], 2, /the access key id is required/],
      [['rotate'], 2, /unknown subcommand "rotate"/],
      [['list', '--data-dir', join(dataDir, 'nope')], 2, /no data dir at .*nope/],
      [['list', '--bogus'], 2, /Unknown option '--bogus'/],
      [['revoke', 'AKIAAAAAAAAAAAAAAAAA', '--data-dir', dataDir], 1, /no access key "AKIAAAAAAAAAAAAAAAAA"/],
    ] as const) {
      const io = memoryIo();
      assert.equal(await main(['access-keys', ...argv], io), code, argv.join(' '));
      assert.equal(io.stderr.length, 1, argv.join(' '));
      assert.match(io.stderr[0] as string, pattern);
    }
    const help = memoryIo();
    assert.equal(await main(['access-keys', '--help'], help), 0);
    assert.match(help.stdout.join('\n'), /peerlink access-keys create/);
  });

  it('create without --json is one readable line; the environment names the data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-ak-'));
    const io = memoryIo({ PEERLINK_DATA_DIR: dataDir });
    assert.equal(await main(['access-keys', 'create'], io), 0);
    assert.equal(io.stdout.length, 1);
    assert.match(
      io.stdout[0] as string,
      /^AccessKeyId AKIA[A-Z2-7]{16} SecretAccessKey [A-Za-z0-9+/]{40} \(/,
    );
    const listed = memoryIo({ PEERLINK_DATA_DIR: dataDir });
    assert.equal(await main(['access-keys', 'list', '--json'], listed), 0);
    assert.equal((JSON.parse(listed.stdout[0] as string) as unknown[]).length, 1);
  });
});
