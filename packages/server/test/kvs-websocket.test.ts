// KVS signaling over real sockets on a running server: a master and a viewer admitted by URLs
// presigned the KVS SDKs' way with an access key the server issued, frames both ways over wss, and
// refusals that say why in AWS's shape (bad signature, unknown channel) before any upgrade.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { formatChannelArn } from '@peerlink/signaling';
import { kvsPresign } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { KVS_REGION as REGION, openOrRefused, putKvsChannel } from './helpers/kvs-channel.js';
import { nextFrame } from './helpers/kvs-socket.js';
import { start } from './helpers/start-server.js';

let ARN: string;
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

let server: RunningServer;
let key: { AccessKeyId: string; SecretAccessKey: string };
const endpoint = (): string => `${server.httpsUrl.replace(/^https/, 'wss')}/kvs`;

function url(query: Record<string, string>, secret = key.SecretAccessKey): string {
  return kvsPresign({ endpoint: endpoint(), accessKeyId: key.AccessKeyId, secret, region: REGION, query });
}

const open = openOrRefused;

const next = nextFrame;

describe('KVS signaling over wss on a running server', () => {
  before(async () => {
    server = await start();
    key = await server.accessKeys.create(Date.now());
    ARN = await putKvsChannel(server, 'front-door');
  });
  after(() => server.close());

  it('admits a master and a viewer with presigned URLs and carries an offer and an answer', async () => {
    const master = (await open(url({ 'X-Amz-ChannelARN': ARN }))) as WebSocket;
    const viewer = (await open(url({ 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'phone-1' }))) as WebSocket;
    try {
      assert.ok(master instanceof WebSocket && viewer instanceof WebSocket);
      const atMaster = next(master);
      viewer.send(
        JSON.stringify({
          action: 'SDP_OFFER',
          recipientClientId: '',
          messagePayload: b64({ type: 'offer' }),
        }),
      );
      assert.deepEqual(await atMaster, {
        senderClientId: 'phone-1',
        messageType: 'SDP_OFFER',
        messagePayload: b64({ type: 'offer' }),
      });
      const atViewer = next(viewer);
      master.send(
        `{\n\t"action": "SDP_ANSWER",\n\t"RecipientClientId": "phone-1",\n\t"MessagePayload": "${b64({ type: 'answer' })}"\n}`,
      );
      assert.deepEqual(await atViewer, {
        messageType: 'SDP_ANSWER',
        messagePayload: b64({ type: 'answer' }),
      });
      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      assert.match(metrics, /^peerlink_kvs_messages_total\{action="SDP_OFFER"\} 1$/m);
    } finally {
      master.close();
      viewer.close();
    }
  });

  it('refuses before the upgrade, saying why: a bad signature, an unknown channel', async () => {
    const bad = await open(url({ 'X-Amz-ChannelARN': ARN }, 'wrong-secret-wrong-secret-wrong-secret00'));
    assert.ok(!(bad instanceof WebSocket));
    assert.equal(bad.status, 403);
    assert.equal(JSON.parse(bad.body).__type, 'InvalidSignatureException');
    const other = formatChannelArn({ region: REGION, account: '123456789012', name: 'nowhere', created: 1 });
    const missing = await open(url({ 'X-Amz-ChannelARN': other }));
    assert.ok(!(missing instanceof WebSocket));
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).__type, 'ResourceNotFoundException');
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /peerlink_signaling_refused_total\{protocol="kvs",reason="signature"\} 1/);
  });
});
