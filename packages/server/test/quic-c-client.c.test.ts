// The C QUIC signaling client (clients/c, built here with cmake and AddressSanitizer) against a
// running server: a C master over QUIC and a viewer over WSS in one channel trade an offer, an
// answer and candidates both ways; a reload that rotates the TURN secret sends RECONNECT_ICE_SERVER
// and the C client fetches fresh credentials; drain's GO_AWAY makes it reconnect and join again (to
// the server started in its place); a bad token is refused with the server's reason.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintKvsToken } from '@peerlink/signaling';
import { kvsExchange, openKvsWssViewer } from '@peerlink/testing';
import { turnRestPassword } from '@peerlink/wire';
import type WebSocket from 'ws';
import type { RunningServer } from '../src/index.js';
import { buildCClient, runCExample, type CProgram } from './helpers/c-client.js';
import { KVS_REGION, putKvsChannel } from './helpers/kvs-channel.js';
import { SECRET, start } from './helpers/start-server.js';

const unb64 = (s: unknown): Record<string, unknown> =>
  JSON.parse(Buffer.from(String(s), 'base64').toString());

let configFile: string;
let server: RunningServer;
let arn: string;
let key: { AccessKeyId: string; SecretAccessKey: string };

const startServer = (flags: Record<string, string> = {}): Promise<RunningServer> =>
  start({ quicOptions: { closeGraceMs: 200 } }, { config: configFile, ...flags });
const caFile = (): string => join(server.dataDir.path, 'tls', 'dev-cert.pem');
const token = (role: 'master' | 'viewer', clientId = ''): Promise<string> =>
  mintKvsToken({ secret: SECRET, channel: 'porch', role, clientId, ttlSeconds: 600 });

async function master(extra: string[] = []): Promise<CProgram> {
  const args = ['--host', '127.0.0.1', '--port', String(server.quic?.port), '--channel', 'porch'];
  return runCExample('peerlink-quic-master', [
    ...args,
    '--token',
    await token('master'),
    '--ca-file',
    caFile(),
    ...extra,
  ]);
}

const wssViewer = (clientId: string): Promise<WebSocket> =>
  openKvsWssViewer({
    httpsUrl: server.httpsUrl,
    accessKeyId: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: KVS_REGION,
    channelArn: arn,
    clientId,
  });
const exchange = kvsExchange;

describe('the C QUIC signaling client against a running server', () => {
  before(async () => {
    await buildCClient();
    configFile = join(mkdtempSync(join(tmpdir(), 'peerlink-c-')), 'peerlink.yaml');
    writeFileSync(configFile, 'turn-secret: [old-turn-secret]\n');
    server = await startServer();
    key = await server.accessKeys.create(Date.now());
    arn = await putKvsChannel(server, 'porch');
  });
  after(() => server.close());

  it('a C master over QUIC and a WSS viewer trade offer, answer and candidates', async () => {
    const m = await master();
    const joined = await m.waitFor((e) => e.event === 'joined');
    assert.match(joined.uri ?? '', /^turns?:/, 'the JOINED frame carried TURN servers');
    assert.equal(joined.password, turnRestPassword('old-turn-secret', joined.username ?? ''));
    const viewer = await wssViewer('phone-1');
    try {
      const [answer, candidate] = await exchange(viewer);
      assert.equal(answer?.['messageType'], 'SDP_ANSWER');
      assert.equal(unb64(answer?.['messagePayload'])['type'], 'answer');
      assert.equal(candidate?.['messageType'], 'ICE_CANDIDATE');
      assert.match(String(unb64(candidate?.['messagePayload'])['candidate']), /typ host/);
      assert.equal(await m.exited, 0, m.stderr());
      const offer = m.events.find((e) => e.event === 'message' && e.type === 'SDP_OFFER');
      assert.equal(offer?.sender, 'phone-1');
      assert.deepEqual(JSON.parse(offer?.payload ?? '{}'), { type: 'offer', sdp: 'v=0\r\n' });
      assert.ok(
        m.events.some((e) => e.event === 'message' && e.type === 'ICE_CANDIDATE' && e.sender === 'phone-1'),
      );
    } finally {
      viewer.close();
    }
  });

  it('RECONNECT_ICE_SERVER after a TURN secret rotation: the C client fetches fresh credentials', async () => {
    const m = await master(['--timeout', '60']);
    try {
      await m.waitFor((e) => e.event === 'joined');
      writeFileSync(configFile, 'turn-secret: [new-turn-secret, old-turn-secret]\n');
      assert.equal((await server.reload()).iceChanged, true);
      await m.waitFor((e) => e.event === 'message' && e.type === 'RECONNECT_ICE_SERVER');
      const fresh = await m.waitFor(
        (e) =>
          e.event === 'ice_config' &&
          e.password !== '' &&
          m.events.indexOf(e) > 1 &&
          turnRestPassword('new-turn-secret', e.username ?? '') === e.password,
      );
      assert.equal(fresh.joins, '1', 'refreshed on the same connection');
    } finally {
      m.child.kill('SIGTERM');
      await m.exited;
    }
  });

  it('GO_AWAY on drain: the C client reconnects and joins again, and signaling carries on', async () => {
    const m = await master(['--exchanges', '2', '--timeout', '120']);
    await m.waitFor((e) => e.event === 'joined');
    const first = await wssViewer('phone-2');
    await exchange(first);
    first.close();
    const { path } = server.dataDir;
    const port = String(server.quic?.port);
    await server.drain(300);
    await server.close();
    await m.waitFor((e) => e.event === 'message' && e.type === 'GO_AWAY');
    server = await startServer({ 'data-dir': path, 'quic-port': port });
    await m.waitFor((e) => e.event === 'ice_config' && Number(e.joins) >= 2);
    const second = await wssViewer('phone-3');
    try {
      const [answer] = await exchange(second);
      assert.equal(answer?.['messageType'], 'SDP_ANSWER');
      assert.equal(await m.exited, 0, m.stderr());
    } finally {
      second.close();
    }
  });

  it('a bad token is refused with the server reason, and not retried', async () => {
    const bad = await mintKvsToken({
      secret: 'not-the-secret-0123456789',
      channel: 'porch',
      role: 'viewer',
      clientId: 'v',
      ttlSeconds: 600,
    });
    const args = [
      '--host',
      '127.0.0.1',
      '--port',
      String(server.quic?.port),
      '--channel',
      'porch',
      '--client-id',
      'v',
    ];
    const v = await runCExample('peerlink-quic-viewer', [...args, '--token', bad, '--ca-file', caFile()]);
    const refused = await v.waitFor((e) => e.event === 'connect_failed');
    assert.equal(refused.status, 'join refused');
    assert.match(refused.reason ?? '', /^40[13] \w+: .+/);
    assert.equal(await v.exited, 1);
    assert.equal(v.events.filter((e) => e.event === 'state' && e.state === 'CONNECTING').length, 1);
  });
});
