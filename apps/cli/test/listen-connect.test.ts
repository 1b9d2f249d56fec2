// `peerlink listen` and `peerlink connect` as the lab runs them: real processes, JSON events.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BIN, spawnServer, type SpawnedServer } from './helpers/spawn-server.js';

const run = promisify(execFile);

async function tokenFor(dataDir: string, id: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'token', '--id', id, '--data-dir', dataDir]);
  return stdout.trim();
}

/** The flags every peer command gets here: port mapping off (never touch the machine's gateway). */
async function peerArgs(server: SpawnedServer, id: string): Promise<string[]> {
  return [
    '--no-port-mapping',
    '--server',
    server.httpUrl,
    '--id',
    id,
    '--token',
    await tokenFor(server.dataDir, id),
    '--json',
  ];
}

/** `peerlink listen` as bob, once it printed its first event (`listening`). */
async function listenAsBob(
  server: SpawnedServer,
  extra: string[] = [],
): Promise<{ child: ChildProcess; listening: { event: string; publicKey: string } }> {
  const child = spawn(process.execPath, [BIN, 'listen', ...(await peerArgs(server, 'bob')), ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve),
  );
  return { child, listening: JSON.parse(first) as { event: string; publicKey: string } };
}

/** `peerlink connect` as alice; resolves with its exit code and its events. */
async function connectAsAlice(
  server: SpawnedServer,
  extra: string[],
): Promise<{ code: number; stdout: string; events: Record<string, unknown>[] }> {
  const r = await run(process.execPath, [
    BIN,
    'connect',
    ...(await peerArgs(server, 'alice')),
    ...extra,
  ]).then(
    (ok) => ({ code: 0, stdout: ok.stdout }),
    (e: { code: number; stdout: string }) => e,
  );
  const lines = r.stdout.trim().split('\n').filter(Boolean);
  return { ...r, events: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('peerlink listen / connect', () => {
  it('connects through the relay, reports the first byte, moves direct, and verifies the echoed bytes', async () => {
    const server = await spawnServer();
    const keyFile = `${server.dataDir}/bob.key`;
    const bobKey = (await run(process.execPath, [BIN, 'keys', '--out', keyFile])).stdout.trim();
    const { child: listener, listening } = await listenAsBob(server, ['--key-file', keyFile]);
    try {
      assert.equal(listening.event, 'listening');
      assert.equal(listening.publicKey, bobKey, 'listen uses the identity from --key-file');
      const { code, stdout, events } = await connectAsAlice(server, [
        '--to',
        'bob',
        '--bytes',
        '3000000',
        '--peer-key',
        listening.publicKey,
      ]);
      assert.equal(code, 0, stdout);
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

  it('stays on the relay with connect --no-direct, even to a listener that punches', async () => {
    const server = await spawnServer();
    const { child: listener } = await listenAsBob(server);
    try {
      const { code, stdout, events } = await connectAsAlice(server, [
        '--no-direct',
        '--to',
        'bob',
        '--bytes',
        '200000',
        '--settle',
        '2',
      ]);
      assert.equal(code, 0, stdout);
      const connected = events.find((e) => e['event'] === 'connected');
      const done = events.find((e) => e['event'] === 'done');
      assert.ok(connected && done, stdout);
      assert.equal(connected['path'], 'relay');
      assert.deepEqual(
        events.filter((e) => e['event'] === 'path'),
        [],
        'no path switch: relay only',
      );
      assert.equal(done['path'], 'relay');
      assert.equal(done['pathSwitches'], 0);
      assert.equal(done['bytes'], 200000);
    } finally {
      listener.kill('SIGTERM');
      await server.stop();
    }
  });

  it(
    'connect --server quic://… --ca reaches a listener on ws:// through the relay',
    { timeout: 300_000 },
    async () => {
      const server = await spawnServer();
      const { child: listener } = await listenAsBob(server);
      try {
        const banner = server.lines.find((l) => l.startsWith('peerlink: QUIC')) ?? '';
        assert.match(banner, /\(KVS, peer and IM signaling, ALPN peerlink-signal\/1\)$/);
        const quic = /(quic:\/\/\S+)/.exec(banner)?.[1] as string;
        const ca = join(server.dataDir, 'tls', 'dev-cert.pem');
        // The later --server (quic://) wins over the ws one peerArgs gives.
        const r = await connectAsAlice(server, [
          '--server',
          quic,
          '--ca',
          ca,
          '--no-direct',
          '--to',
          'bob',
          '--bytes',
          '30000',
        ]);
        assert.equal(r.code, 0, r.stdout);
        const done = r.events.find((e) => e['event'] === 'done');
        assert.deepEqual([done?.['path'], done?.['bytes']], ['relay', 30000], r.stdout);
        const refused = await connectAsAlice(server, [
          '--server',
          quic,
          '--ca',
          join(server.dataDir, 'nope.pem'),
          '--to',
          'bob',
        ]);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stdout + JSON.stringify(refused), /--ca .*nope\.pem/);
      } finally {
        listener.kill('SIGTERM');
        await server.stop();
      }
    },
  );

  it('reports an offline peer as an error event and exits non-zero', async () => {
    const server = await spawnServer();
    try {
      const r = await connectAsAlice(server, ['--to', 'nobody']);
      assert.equal(r.code, 1);
      const last = r.events.at(-1) ?? {};
      assert.deepEqual([last['event'], last['code']], ['error', 'CLIENT_PEER_OFFLINE']);
    } finally {
      await server.stop();
    }
  });
});
