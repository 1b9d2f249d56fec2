// AWS's own KVS WebRTC SDK for JavaScript (amazon-kinesis-video-streams-webrtc), unchanged, as a
// master and two viewers in Node against a running server: the channel and its endpoints come from
// the AWS SDK v3 with an access key the server issued, the SDK presigns its wss URL itself (SigV4
// over WebCrypto), and offers, answers and ICE candidates go where they are addressed and nowhere
// else. The SDK opens `new WebSocket(url)` on the global: here ws's, trusting the dev certificate.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CreateSignalingChannelCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { turnRestPassword } from '@peerlink/wire';
import type { RunningServer } from '../src/index.js';
import { channelEndpoints, controlClient, signalingClient } from './helpers/kvs-sdk.js';
import { start } from './helpers/start-server.js';

const REGION = 'us-west-2';
const TURN_SECRET = 'kvs-js-sdk-turn-secret';

type Payload = Record<string, unknown>;
type Received = { kind: string; payload: Payload; sender: string | undefined };
// The SDK types its payloads with the DOM's WebRTC types, which Node's lib does not have.
type Sdp = Parameters<SignalingClient['sendSdpOffer']>[0];
type Candidate = Parameters<SignalingClient['sendIceCandidate']>[0];

let server: RunningServer;
let tlsAgent: Agent;
let credentials: { accessKeyId: string; secretAccessKey: string };
let channelARN: string;
let savedWebSocket: unknown;

/** ws's WebSocket with the server's dev certificate as its CA, for `new WebSocket(url)`. */
function trustingWebSocket(ca: string): unknown {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { ca });
    }
  };
}

/** A control-plane client on the server's HTTPS port, signing with the issued key. */
const control = (): KinesisVideoClient =>
  controlClient({ region: REGION, credentials, agent: tlsAgent }, server.httpsUrl);

/** The endpoints GetSignalingChannelEndpoint gives `role`, by protocol. */
const endpoints = (kv: KinesisVideoClient, role: 'MASTER' | 'VIEWER'): Promise<Record<string, string>> =>
  channelEndpoints(kv, channelARN, role);

/** A SignalingClient that records every offer, answer, ICE candidate and status response. */
function client(
  role: Role,
  channelEndpoint: string,
  clientId?: string,
): { sc: SignalingClient; got: Received[] } {
  const sc = new SignalingClient({
    channelARN,
    channelEndpoint,
    role,
    region: REGION,
    credentials,
    systemClockOffset: 0,
    ...(clientId !== undefined ? { clientId } : {}),
  });
  const got: Received[] = [];
  for (const kind of ['sdpOffer', 'sdpAnswer', 'iceCandidate'])
    sc.on(kind, (payload: Payload, sender?: string) => got.push({ kind, payload, sender }));
  sc.on('statusResponse', (s: object) =>
    got.push({ kind: 'statusResponse', payload: { ...s }, sender: undefined }),
  );
  return { sc, got };
}

/** Waits until `got` holds `n` entries (they arrive over a socket). */
async function until(got: Received[], n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (got.length < n) {
    if (Date.now() > deadline) assert.fail(`expected ${n} messages, got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

before(async () => {
  server = await start({}, { 'turn-secret': TURN_SECRET });
  const ca = (await server.dataDir.tls({})).cert;
  tlsAgent = new Agent({ ca });
  savedWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = trustingWebSocket(ca);
  const key = await server.accessKeys.create(Date.now());
  credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const kv = control();
  const { ChannelARN } = await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'js-sdk' }));
  assert.ok(ChannelARN);
  channelARN = ChannelARN;
  kv.destroy();
});
after(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = savedWebSocket;
  tlsAgent.destroy();
  await server.close();
});

describe('the KVS WebRTC JS SDK in Node against a running server', () => {
  it('carries offers, answers and ICE candidates between a master and two viewers, each to its addressee', async () => {
    const kv = control();
    const forMaster = await endpoints(kv, 'MASTER');
    const forViewer = await endpoints(kv, 'VIEWER');
    kv.destroy();
    const port = new URL(server.httpsUrl).port;
    assert.equal(forMaster['WSS'], `wss://127.0.0.1:${port}/kvs`);
    assert.equal(forViewer['WSS'], `wss://127.0.0.1:${port}/kvs`);

    const master = client(Role.MASTER, forMaster['WSS'] ?? '');
    const phone = client(Role.VIEWER, forViewer['WSS'] ?? '', 'phone-1');
    const tablet = client(Role.VIEWER, forViewer['WSS'] ?? '', 'tablet.2');
    const all = [master, phone, tablet];
    const errors: unknown[] = [];
    for (const c of all) c.sc.on('error', (e: unknown) => errors.push(e));
    try {
      const opened = all.map((c) => once(c.sc, 'open'));
      for (const c of all) c.sc.open();
      await Promise.all(opened);

      const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
      phone.sc.sendSdpOffer(offer as Sdp);
      const viewerCandidate = {
        candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
        usernameFragment: 'vwr1',
      };
      phone.sc.sendIceCandidate(viewerCandidate as Candidate);
      await until(master.got, 2);
      assert.deepEqual(master.got, [
        { kind: 'sdpOffer', payload: offer, sender: 'phone-1' },
        { kind: 'iceCandidate', payload: viewerCandidate, sender: 'phone-1' },
      ]);

      const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
      master.sc.sendSdpAnswer(answer as Sdp, 'phone-1');
      const masterCandidate = {
        candidate: 'candidate:2 1 udp 2122260223 192.0.2.20 50001 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
        usernameFragment: 'mstr',
      };
      master.sc.sendIceCandidate(masterCandidate as Candidate, 'phone-1');
      await until(phone.got, 2);
      // Messages from the master carry no senderClientId.
      assert.deepEqual(phone.got, [
        { kind: 'sdpAnswer', payload: answer, sender: undefined },
        { kind: 'iceCandidate', payload: masterCandidate, sender: undefined },
      ]);

      // Addressed to a viewer that is not connected, with a CorrelationId: a status response.
      master.sc.sendSdpAnswer(answer as Sdp, 'nobody-here', 'corr-1');
      await until(master.got, 3);
      const status = master.got[2] as Received | undefined; // deepEqual above narrowed master.got
      assert.equal(status?.kind, 'statusResponse');
      assert.equal(status?.payload['correlationId'], 'corr-1');
      assert.equal(typeof status?.payload['errorType'], 'string');

      // The second viewer, in the channel all along, got nothing; the master nothing more.
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(tablet.got, []);
      assert.equal(master.got.length, 3);
      assert.equal(phone.got.length, 2);

      // The second viewer's own exchange reaches only it.
      tablet.sc.sendSdpOffer(offer as Sdp);
      await until(master.got, 4);
      assert.deepEqual(master.got[3], { kind: 'sdpOffer', payload: offer, sender: 'tablet.2' });
      master.sc.sendSdpAnswer(answer as Sdp, 'tablet.2');
      await until(tablet.got, 1);
      assert.deepEqual(tablet.got, [{ kind: 'sdpAnswer', payload: answer, sender: undefined }]);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(phone.got.length, 2);
      assert.deepEqual(errors, []);
    } finally {
      const closed = all.map((c) => once(c.sc, 'close'));
      for (const c of all) c.sc.close();
      await Promise.all(closed);
    }
  });

  it("answers GetIceServerConfig on the HTTPS endpoint with this server's TURN and credentials it accepts", async () => {
    const kv = control();
    const https = (await endpoints(kv, 'VIEWER'))['HTTPS'];
    kv.destroy();
    assert.equal(https, server.httpsUrl.replace('localhost', '127.0.0.1'));
    const signaling = signalingClient({ region: REGION, credentials, agent: tlsAgent }, https as string);
    try {
      const { IceServerList } = await signaling.send(
        new GetIceServerConfigCommand({ ChannelARN: channelARN, ClientId: 'phone-1' }),
      );
      assert.equal(IceServerList?.length, 1);
      const s = IceServerList?.[0];
      const port = server.stun.primary.port;
      assert.deepEqual(s?.Uris?.slice(0, 2), [
        `turn:127.0.0.1:${port}?transport=udp`,
        `turn:127.0.0.1:${port}?transport=tcp`,
      ]);
      assert.equal(s?.Username?.split(':')[1], 'js-sdk/phone-1');
      assert.equal(s?.Password, turnRestPassword(TURN_SECRET, s?.Username ?? ''));
    } finally {
      signaling.destroy();
    }
  });
});
