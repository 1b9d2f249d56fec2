// `peerlink listen` and `peerlink connect` as the lab runs them: real processes, JSON events.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BIN, spawnServer } from './helpers/spawn-server.js';

const run = promisify(execFile);

async function tokenFor(dataDir: string, id: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'token', '--id', id, '--data-dir', dataDir]);
  return stdout.trim();
}

describe('peerlink listen / connect', () => {
  it('connects through the relay, reports the first byte, moves direct, and verifies the echoed bytes', async () => {
    const server = await spawnServer();
    const keyFile = `${server.dataDir}/bob.key`;
    const bobKey = (await run(process.execPath, [BIN, 'keys', '--out', keyFile])).stdout.trim();
    const listener = spawn(
      process.execPath,
      [
        BIN,
        'listen',
        '--no-port-mapping',
        '--server',
        server.httpUrl,
        '--id',
        'bob',
        '--token',
        await tokenFor(server.dataDir, 'bob'),
        '--key-file',
        keyFile,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const first = await new Promise<string>((resolve) =>
        createInterface({ input: listener.stdout }).once('line', resolve),
      );
      const listening = JSON.parse(first) as { event: string; publicKey: string };
      assert.equal(listening.event, 'listening');
      assert.equal(listening.publicKey, bobKey, 'listen uses the identity from --key-file');
      const { stdout } = await run(process.execPath, [
        BIN,
        'connect',
        '--no-port-mapping',
        '--server',
        server.httpUrl,
        '--id',
        'alice',
        '--token',
        await tokenFor(server.dataDir, 'alice'),
        '--to',
        'bob',
        '--bytes',
        '3000000',
        '--peer-key',
        listening.publicKey,
        '--json',
      ]);
      const events = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const connected = events.find((e) => e['event'] === 'connected');
      const done = events.find((e) => e['event'] === 'done');
      assert.ok(connected && done, stdout);
      // The probe starts on the relay; on loopback the direct path may win the race for its echo.
      assert.match(String(connected['path']), /^(relay|direct)$/);
      assert.ok(Number(connected['ms']) >= Number(connected['signalingMs']));
      assert.equal(done['bytes'], 3000000);
      assert.match(String(done['sha256']), /^[0-9a-f]{64}$/);
      // On loopback the direct path always works: the bulk goes direct, make-before-break.
      const switched = events.find((e) => e['event'] === 'path');
      assert.equal(switched?.['path'], 'direct', stdout);
      assert.match(String(switched?.['remote']), /^127\.0\.0\.1:\d+$/);
      assert.equal(done['path'], 'direct');
    } finally {
      listener.kill('SIGTERM');
      await server.stop();
    }
  });

  it('reports an offline peer as an error event and exits non-zero', async () => {
    const server = await spawnServer();
    try {
      const r = await run(process.execPath, [
        BIN,
        'connect',
        '--no-port-mapping',
        '--server',
        server.httpUrl,
        '--id',
        'alice',
        '--token',
        await tokenFor(server.dataDir, 'alice'),
        '--to',
        'nobody',
        '--json',
      ]).then(
        () => ({ code: 0, stdout: '' }),
        (e: { code: number; stdout: string }) => e,
      );
      assert.equal(r.code, 1);
      const last = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
      assert.deepEqual([last['event'], last['code']], ['error', 'CLIENT_PEER_OFFLINE']);
    } finally {
      await server.stop();
    }
  });
});
