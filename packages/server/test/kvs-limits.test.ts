// The KVS limits are the server's to set (`--kvs-max-viewers`, `--kvs-offer-rate` and the other rates,
// `--max-connections-per-ip`), on a running server over real sockets: a viewer past the channel's
// limit is refused saying why, an offer past the rate gets a STATUS_RESPONSE 429, and a connection
// past the per-address cap is closed with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CreateSignalingChannelCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { kvsPresign } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { nextFrame, openKvsSocket, type Refusal } from './helpers/kvs-socket.js';
import { start } from './helpers/start-server.js';

const REGION = 'us-west-2';
let server: RunningServer;
let key: { AccessKeyId: string; SecretAccessKey: string };
let arn: string;

/** A /kvs URL on the HTTP port (as behind a TLS-terminating proxy), presigned with the issued key. */
const url = (query: Record<string, string>): string =>
  kvsPresign({
    endpoint: `${server.httpUrl.replace(/^http/, 'ws')}/kvs`,
    accessKeyId: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: REGION,
    query: { 'X-Amz-ChannelARN': arn, ...query },
  });

const open = (u: string): Promise<WebSocket | Refusal> => openKvsSocket(u);
const next = nextFrame;

describe('KVS limits set on the server', () => {
  before(async () => {
    server = await start(
      {},
      { 'kvs-max-viewers': '1', 'kvs-offer-rate': '1', 'max-connections-per-ip': '2' },
    );
    key = await server.accessKeys.create(Date.now());
    const kv = new KinesisVideoClient({
      region: REGION,
      endpoint: server.httpUrl,
      credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
      maxAttempts: 1,
    });
    const made = await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'limits' }));
    kv.destroy();
    arn = made.ChannelARN ?? assert.fail('no ChannelARN');
  });
  after(() => server.close());

  it('refuses a second viewer, an offer over the rate, and a connection over the per-address cap', async () => {
    const master = (await open(url({}))) as WebSocket;
    const viewer = (await open(url({ 'X-Amz-ClientId': 'v1' }))) as WebSocket;
    try {
      assert.ok(master instanceof WebSocket && viewer instanceof WebSocket);
      const second = await open(url({ 'X-Amz-ClientId': 'v2' }));
      assert.ok(!(second instanceof WebSocket));
      assert.equal(second.status, 403);
      assert.deepEqual(JSON.parse(second.body), {
        __type: 'ClientLimitExceededException',
        message: 'channel limits has its maximum of 1 viewers',
      });

      const atMaster = next(master);
      const atViewer = next(viewer);
      const offer = (n: string): string =>
        JSON.stringify({
          action: 'SDP_OFFER',
          recipientClientId: '',
          messagePayload: 'e30=',
          correlationId: n,
        });
      viewer.send(offer('first'));
      viewer.send(offer('second'));
      assert.equal((await atMaster)['messageType'], 'SDP_OFFER');
      assert.deepEqual((await atViewer)['statusResponse'], {
        correlationId: 'second',
        errorType: 'ClientLimitExceededException',
        statusCode: '429',
        description: 'over the SDP_OFFER rate of this connection',
      });

      // Two are open from this address: a third is one too many, closed before the protocol sees it
      // (so it does not replace the viewer whose id it uses).
      const third = (await open(url({ 'X-Amz-ClientId': 'v1' }))) as WebSocket;
      const [code, reason] = await new Promise<[number, string]>((r) =>
        third.once('close', (c, why) => r([c, why.toString()])),
      );
      assert.equal(code, 1008);
      assert.equal(reason, 'too many connections from one address');
      const stillThere = next(master);
      viewer.send(JSON.stringify({ action: 'ICE_CANDIDATE', recipientClientId: '', messagePayload: 'e30=' }));
      assert.equal((await stillThere)['senderClientId'], 'v1');
    } finally {
      master.close();
      viewer.close();
    }
  });
});
