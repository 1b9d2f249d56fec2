// The admin API and reloads on a running server: every route behind the data dir's token, and a
// reload that re-reads the config file: the rotated TURN secret signs new GetIceServerConfig
// credentials, KVS clients are told RECONNECT_ICE_SERVER, options that need a restart are named, and
// a config that no longer parses changes nothing.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { kvsPresign } from '@peerlink/testing';
import { turnRestPassword } from '@peerlink/wire';
import WebSocket from 'ws';
import { ADMIN_TOKEN_FILE, type RunningServer } from '../src/index.js';
import { configChanges } from '../src/admin/config-diff.js';
import { KVS_REGION, putKvsChannel } from './helpers/kvs-channel.js';
import { signalingClient } from './helpers/kvs-sdk.js';
import { nextFrame } from './helpers/kvs-socket.js';
import { start } from './helpers/start-server.js';

let server: RunningServer;
let configFile: string;
let token: string;
let arn: string;
let key: { AccessKeyId: string; SecretAccessKey: string };

const admin = (path: string, init: { method?: string; token?: string | undefined } = {}): Promise<Response> =>
  fetch(`${server.adminUrl}${path}`, {
    method: init.method ?? 'POST',
    headers: init.token === undefined ? {} : { authorization: `Bearer ${init.token}` },
  });

function kvsSocket(query: Record<string, string>): Promise<WebSocket> {
  const endpoint = `${server.httpsUrl.replace(/^https/, 'wss')}/kvs`;
  const url = kvsPresign({
    endpoint,
    accessKeyId: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: KVS_REGION,
    query,
  });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function iceServers(clientId: string) {
  const sig = signalingClient(
    {
      region: KVS_REGION,
      credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
      agent: new Agent({ rejectUnauthorized: false }),
    },
    server.httpsUrl,
  );
  const { IceServerList } = await sig.send(
    new GetIceServerConfigCommand({ ChannelARN: arn, ClientId: clientId, Service: 'TURN' }),
  );
  return IceServerList ?? [];
}

describe('the admin API and reloads', () => {
  before(async () => {
    configFile = join(mkdtempSync(join(tmpdir(), 'peerlink-reload-')), 'peerlink.yaml');
    writeFileSync(configFile, 'turn-secret: [old-turn-secret]\nlog-level: warn\n');
    server = await start({}, { config: configFile });
    token = readFileSync(join(server.dataDir.path, ADMIN_TOKEN_FILE), 'utf8').trim();
    key = await server.accessKeys.create(Date.now());
    arn = await putKvsChannel(server, 'porch');
  });
  after(() => server.close());

  it('listens on loopback and refuses every route without the token, unknown ones included', async () => {
    assert.match(server.adminUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    for (const [path, t] of [
      ['/admin/reload', undefined],
      ['/admin/reload', 'not-the-token'],
      ['/admin/nothing-here', undefined],
    ] as const) {
      const r = await admin(path, { token: t });
      assert.equal(r.status, 401, path);
      assert.equal(((await r.json()) as { error: string }).error, 'ADMIN_TOKEN_REQUIRED');
    }
    assert.equal((await admin('/admin/nothing-here', { token })).status, 404);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /^peerlink_admin_refused_total 3$/m);
  });

  it('reloads a rotated TURN secret: new credentials, RECONNECT_ICE_SERVER to KVS clients, restarts named', async () => {
    const [before] = await iceServers('phone-1');
    assert.equal(before?.Password, turnRestPassword('old-turn-secret', before?.Username ?? ''));
    const master = await kvsSocket({ 'X-Amz-ChannelARN': arn });
    const viewer = await kvsSocket({ 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': 'phone-1' });
    try {
      const told = [nextFrame(master), nextFrame(viewer)];
      writeFileSync(
        configFile,
        'turn-secret: [new-turn-secret, old-turn-secret]\nlog-level: silent\nrealm: elsewhere\n',
      );
      const r = await admin('/admin/reload', { token });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), {
        applied: ['turn-secret', 'log-level'],
        restartRequired: ['realm'],
        iceChanged: true,
        reconnectIceServer: 2,
      });
      for (const frame of await Promise.all(told))
        assert.deepEqual(frame, { messageType: 'RECONNECT_ICE_SERVER' }); // no payload: the C SDK drops an empty one
      const [after] = await iceServers('phone-1');
      assert.equal(after?.Password, turnRestPassword('new-turn-secret', after?.Username ?? ''));
      assert.deepEqual(server.ice.turnSecrets, ['new-turn-secret', 'old-turn-secret']);
      assert.equal(server.config.logLevel, 'silent');
      assert.equal(server.config.realm, 'peerlink', 'a restart-only option keeps its running value');
    } finally {
      master.close();
      viewer.close();
    }
  });

  it('a reload that changes nothing tells no client; a broken config file changes nothing', async () => {
    const same = (await (await admin('/admin/reload', { token })).json()) as Record<string, unknown>;
    assert.equal(same['iceChanged'], false);
    assert.deepEqual(same['applied'], []);
    assert.deepEqual(same['restartRequired'], ['realm'], 'still waiting for a restart');
    assert.equal(same['reconnectIceServer'], 0);
    writeFileSync(configFile, 'turn-secret: [a\n  broken: yaml: here\n');
    const r = await admin('/admin/reload', { token });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: string }).error, 'CONFIG_INVALID');
    assert.deepEqual(server.ice.turnSecrets, ['new-turn-secret', 'old-turn-secret']);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /^peerlink_config_reloads_total\{outcome="failed"\} 1$/m);
    assert.match(metrics, /^peerlink_config_reloads_total\{outcome="ok"\} 2$/m);
  });
});

describe('configChanges', () => {
  it('names changed options by their flag, split into live and restart-only', async () => {
    const { loadServeConfig } = await import('../src/index.js');
    const a = loadServeConfig({ flags: { 'turn-secret': 'x', 'turn-user': 'u:p' }, env: {} });
    const b = loadServeConfig({
      flags: {
        'turn-secret': 'y,x',
        'turn-user': 'u:q',
        'ice-server': 'turn:h:3478',
        'ice-server-secret': 's',
      },
      env: {},
    });
    assert.deepEqual(configChanges(a, b), { live: ['turn-secret', 'ice-server'], restart: ['turn-user'] });
    assert.deepEqual(configChanges(a, a), { live: [], restart: [] });
  });
});
