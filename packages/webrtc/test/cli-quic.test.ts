// `peerlink kvs-master --quic` and `peerlink kvs-viewer` over QUIC signaling, as real processes
// against a real server: the master finds the QUIC endpoint through the control plane and joins
// presigned; the viewer joins a quic:// endpoint with a KVS token and no access key. The viewer gets
// the master's VP8 and its data channel message echoed. A refused token is one line and exit 1.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { mintKvsToken } from '@peerlink/signaling';
import { PEERLINK, startJsonLines } from './helpers/json-lines.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';
import { mediaFile } from './helpers/media-files.js';

let srv: KvsTestServer;
let caFile: string;
let quicUrl: string;
const children: ChildProcess[] = [];

before(async () => {
  srv = await kvsTestServer();
  caFile = join(srv.server.dataDir.path, 'quic-test-ca.pem');
  writeFileSync(caFile, srv.ca);
  quicUrl = `quic://127.0.0.1:${srv.server.quic?.port ?? 0}`;
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
  await srv?.close();
});

const viewerToken = (channel: string, clientId: string): Promise<string> =>
  mintKvsToken({
    secret: srv.server.config.authSecret ?? srv.server.dataDir.secrets.authSecret,
    channel,
    role: 'viewer',
    clientId,
    ttlSeconds: 300,
  });

describe('peerlink kvs-master / kvs-viewer --quic', () => {
  it('a session over QUIC signaling: VP8 arrives, the data channel echoes', async () => {
    await srv.channel('cli-quic');
    const key = [
      '--access-key-id',
      srv.credentials.accessKeyId,
      '--secret-access-key',
      srv.credentials.secretAccessKey,
    ];
    const common = ['--channel', 'cli-quic', '--ca', caFile, '--stats-interval', '1'];
    const run = (args: string[]) =>
      startJsonLines(process.execPath, [PEERLINK, ...args], { stepMs: 60_000, children });
    const master = run([
      'kvs-master',
      ...common,
      '--endpoint',
      srv.server.httpsUrl,
      ...key,
      '--quic',
      '--file',
      mediaFile('vp8.ivf'),
    ]);
    const ready = await master.next('ready', (l) => l.event === 'ready');
    assert.equal(ready['signaling'], 'quic');
    const token = await viewerToken('cli-quic', 'cli-viewer');
    const viewer = run([
      'kvs-viewer',
      ...common,
      '--endpoint',
      quicUrl,
      '--token',
      token,
      '--client-id',
      'cli-viewer',
    ]);
    const offered = await viewer.next('offered', (l) => l.event === 'offered');
    assert.equal(offered['signaling'], 'quic');
    await viewer.next('the echo', (l) => l.event === 'message' && l['data'] === 'hello from cli-viewer');
    await viewer.next(
      'video RTP',
      (l) => l.event === 'stats' && ((l['rtp'] as { video: number }).video ?? 0) > 0,
    );
    viewer.child.kill('SIGINT');
    master.child.kill('SIGINT');
  });

  it('a refused token is one line on stderr and exit 1; --token without QUIC is a usage error', async () => {
    const exec = (args: string[]) =>
      promisify(execFile)(process.execPath, [PEERLINK, ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    const bad = await exec([
      'kvs-viewer',
      '--channel',
      'cli-quic',
      '--endpoint',
      quicUrl,
      '--ca',
      caFile,
      '--token',
      'not-a-jwt',
    ]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /^peerlink kvs-viewer: the server refused the KVS join: 40[13] \S+: .+\n$/);
    const usage = await exec(['kvs-master', '--channel', 'c', '--token', 't']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--token joins over QUIC: add --quic/);
  });
});
