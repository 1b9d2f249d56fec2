// The KVS WebRTC C SDK's side of signaling against a running server, over raw WebSockets: URLs
// presigned the C SDK's way (not the JS SDK's: every value encoded once, `name=value` strings sorted,
// X-Amz-Expires from the credentials, the host signed and sent without a port, as the SDK dials 443),
// frames written by its template (PascalCase, `\n\t`, an empty RecipientClientId from a viewer, the
// IceServerList on an SDP_OFFER, the CorrelationId variant), and every frame the server sends checked
// against what the SDK's receive path requires. The server runs with --public-url on 443, the C SDK's
// deployment; the test dials its real ephemeral port with the Host header the SDK would send.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { cSdkFrame, cSdkReadProblems, type CSdkIceServer } from '@peerlink/testing';
import { kvsCFixture, type KvsCFixture } from './helpers/kvs-c-fixture.js';
import { CSdkSocket } from './helpers/kvs-c-socket.js';
import { signalingClient } from './helpers/kvs-sdk.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

let f: KvsCFixture;
let iceServers: CSdkIceServer[];

/** Every frame a C SDK client got is one its receive path takes. */
function assertCSdkReads(...sockets: CSdkSocket[]): void {
  for (const s of sockets)
    for (const g of s.got) assert.deepEqual(cSdkReadProblems(g.data, g.binary), [], g.data);
}

before(async () => {
  f = await kvsCFixture({
    region: 'eu-central-1',
    channel: 'doorbell.c',
    flags: { 'turn-secret': 'kvs-c-sdk-turn' },
  });
  // The ICE servers the SDK asks for before it offers (on the real port: --public-url is not served here).
  const sig = signalingClient(
    { region: f.region, credentials: f.credentials, agent: f.tlsAgent },
    f.server.httpsUrl,
  );
  try {
    const { IceServerList } = await sig.send(
      new GetIceServerConfigCommand({ ChannelARN: f.channelARN, ClientId: 'cam-viewer-1' }),
    );
    iceServers = (IceServerList ?? []).map((s) => ({
      password: s.Password ?? '',
      ttl: s.Ttl ?? 0,
      uris: s.Uris ?? [],
      username: s.Username ?? '',
    }));
  } finally {
    sig.destroy();
  }
});
after(() => f.close());

describe('the KVS C SDK over a raw WebSocket against a running server', () => {
  it('hands out a WSS endpoint without a port, as the SDK needs behind 443', () => {
    assert.equal(f.wss, 'wss://localhost/kvs');
    assert.ok(iceServers.length > 0 && iceServers[0]?.uris[0]?.startsWith('turn:'));
  });

  it('admits URLs presigned the C SDK way, for static and for expiring credentials', async () => {
    const master = await f.connected();
    const viewer = await f.connected('cam-viewer-1', { credentialsExpireAt: Date.now() + 3600_000 });
    master.close();
    viewer.close();
    // The signature covers the host the SDK signed: sent with a port instead, it is refused.
    const moved = await f.connect('cam-viewer-1', { hostHeader: `localhost:${f.port}` });
    assert.ok(!(moved instanceof CSdkSocket));
    assert.equal(moved.status, 403);
    assert.equal(JSON.parse(moved.body).__type, 'InvalidSignatureException');
  });

  it('carries SDP_OFFER (with IceServerList), SDP_ANSWER and ICE_CANDIDATE both ways in frames the SDK reads', async () => {
    const master = await f.connected();
    const viewer = await f.connected('cam-viewer-1');
    try {
      const offer = b64({ type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' });
      viewer.send(cSdkFrame('SDP_OFFER', '', offer, { iceServers }));
      assert.deepEqual(await master.frame(0), {
        senderClientId: 'cam-viewer-1',
        messageType: 'SDP_OFFER',
        messagePayload: offer,
      });
      const answer = b64({ type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' });
      master.send(cSdkFrame('SDP_ANSWER', 'cam-viewer-1', answer));
      assert.deepEqual(await viewer.frame(0), { messageType: 'SDP_ANSWER', messagePayload: answer });
      const mine = b64({ candidate: 'candidate:1 1 udp 2122260223 192.0.2.20 50001 typ host', sdpMid: '0' });
      master.send(cSdkFrame('ICE_CANDIDATE', 'cam-viewer-1', mine, { correlationId: 'm-1' }));
      assert.deepEqual(await viewer.frame(1), { messageType: 'ICE_CANDIDATE', messagePayload: mine });
      const theirs = b64({
        candidate: 'candidate:2 1 udp 2122260223 192.0.2.10 50000 typ host',
        sdpMid: '0',
      });
      viewer.send(cSdkFrame('ICE_CANDIDATE', '', theirs, { correlationId: 'v-1' }));
      assert.deepEqual(await master.frame(1), {
        senderClientId: 'cam-viewer-1',
        messageType: 'ICE_CANDIDATE',
        messagePayload: theirs,
      });
      assertCSdkReads(master, viewer);
    } finally {
      master.close();
      viewer.close();
    }
  });

  it('answers a failing message that carried a CorrelationId with a statusResponse the SDK parses', async () => {
    const master = await f.connected();
    try {
      master.send(
        cSdkFrame('SDP_ANSWER', 'nobody-here', b64({ type: 'answer' }), { correlationId: 'c-404' }),
      );
      master.send(cSdkFrame('SDP_ANSWER', 'nobody-here', b64({ type: 'answer' })));
      master.send(cSdkFrame('SDP_ANSWER', 'cam-viewer-1', 'not base64!', { correlationId: 'c-400' }));
      await master.until(() => master.got.length >= 2, 'two status responses');
      const statuses = master.got.map((g) => JSON.parse(g.data) as Record<string, unknown>);
      assert.deepEqual(
        statuses.map((s) => [s['messageType'], s['statusResponse']]),
        [
          [
            'STATUS_RESPONSE',
            {
              correlationId: 'c-404',
              errorType: 'ResourceNotFoundException',
              statusCode: '404',
              description: 'no viewer nobody-here is connected to doorbell.c',
            },
          ],
          [
            'STATUS_RESPONSE',
            {
              correlationId: 'c-400',
              errorType: 'InvalidArgumentException',
              statusCode: '400',
              description: 'MessagePayload is not base64',
            },
          ],
        ],
      );
      assertCSdkReads(master);
    } finally {
      master.close();
    }
  });

  it('lets a C SDK master talk to a KVS JS SDK viewer in the same channel', async () => {
    const master = await f.connected();
    const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
    // The JS SDK dials the endpoint it is given: the real port, trusting the dev certificate.
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { ca: f.ca });
      }
    };
    const js = new SignalingClient({
      channelARN: f.channelARN,
      channelEndpoint: f.server.httpsUrl.replace(/^https/, 'wss').replace('localhost', '127.0.0.1') + '/kvs',
      role: Role.VIEWER,
      region: f.region,
      credentials: f.credentials,
      clientId: 'js-viewer',
      systemClockOffset: 0,
    });
    try {
      const answers: unknown[] = [];
      js.on('sdpAnswer', (a: unknown) => answers.push(a));
      const opened = once(js, 'open');
      js.open();
      await opened;
      const offer = { type: 'offer', sdp: 'v=0\r\n' };
      js.sendSdpOffer(offer as Parameters<SignalingClient['sendSdpOffer']>[0]);
      const got = await master.frame(0);
      assert.equal(got['senderClientId'], 'js-viewer');
      assert.deepEqual(JSON.parse(Buffer.from(String(got['messagePayload']), 'base64').toString()), offer);
      const answered = once(js, 'sdpAnswer');
      master.send(cSdkFrame('SDP_ANSWER', 'js-viewer', b64({ type: 'answer', sdp: 'v=0\r\n' })));
      await answered;
      assert.deepEqual(answers, [{ type: 'answer', sdp: 'v=0\r\n' }]);
      assertCSdkReads(master);
    } finally {
      const closed = once(js, 'close');
      js.close();
      await closed;
      (globalThis as { WebSocket?: unknown }).WebSocket = saved;
      master.close();
    }
  });

  it('sends GO_AWAY, in a frame the SDK parses, when the server drains', async () => {
    const master = await f.connected();
    const draining = f.server.drain(2000);
    const goAway = await master.frame(0);
    assert.equal(goAway['messageType'], 'GO_AWAY');
    assertCSdkReads(master);
    master.close();
    await draining;
  });
});
