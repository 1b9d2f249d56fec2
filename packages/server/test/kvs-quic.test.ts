// KVS signaling over QUIC on a running server (docs/quic-signaling.md): a Node QUIC client on
// @matrixai/quic joins with a KVS token or a presigned URL and talks to a viewer on wss in the same
// channel; refusals carry a reason; GET_ICE_CONFIG hands out fresh TURN credentials; drain sends
// GO_AWAY; GetSignalingChannelEndpoint lists the QUIC endpoint only when asked for it; --quic-keepalive
// sets the interval of the server's PINGs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { formatChannelArn, mintKvsToken, mintPeerToken } from '@peerlink/signaling';
import { kvsPresign } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { quicJoin, type Frame } from './helpers/quic-client.js';
import { putKvsChannel } from './helpers/kvs-channel.js';
import { SECRET, start } from './helpers/start-server.js';

const REGION = 'us-west-2';
const CREATED = 1700000000000;
const ARN = formatChannelArn({ region: REGION, account: '123456789012', name: 'porch', created: CREATED });
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

let server: RunningServer;
let cert: string;
let key: { AccessKeyId: string; SecretAccessKey: string };
const port = (): number => server.quic?.port as number;
const presign = (query: Record<string, string>): string =>
  kvsPresign({
    endpoint: `${server.httpsUrl.replace(/^https/, 'wss')}/kvs`,
    accessKeyId: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: REGION,
    query,
  });
const token = (
  role: 'master' | 'viewer',
  clientId = '',
  channel = 'porch',
  ttlSeconds = 600,
): Promise<string> => mintKvsToken({ secret: SECRET, channel, role, clientId, ttlSeconds });

function wssViewer(clientId: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(presign({ 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': clientId }), {
      rejectUnauthorized: false,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
const nextWs = (ws: WebSocket): Promise<Frame> =>
  new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as Frame)));

describe('KVS signaling over QUIC on a running server', () => {
  before(async () => {
    server = await start({ quicOptions: { joinTimeoutMs: 1500, closeGraceMs: 300 } });
    cert = readFileSync(join(server.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8');
    key = await server.accessKeys.create(Date.now());
    assert.equal(await putKvsChannel(server, 'porch', {}, CREATED), ARN);
  });
  after(() => server.close());

  it('a QUIC master and a wss viewer exchange offer, answer and candidates both ways', async () => {
    const { c: master, answer } = await quicJoin(port(), cert, {
      channel_name: 'porch',
      role: 'master',
      token: await token('master'),
    });
    const viewer = await wssViewer('phone-1');
    try {
      assert.equal(answer['messageType'], 'JOINED');
      assert.equal(answer['channelArn'], ARN);
      assert.equal(answer['role'], 'MASTER');
      assert.equal(answer['keepaliveMs'], 15000);
      const ice = answer['iceServers'] as {
        uris: string[];
        username?: string;
        password?: string;
        ttl: number;
      }[];
      assert.ok(ice.length >= 2 && ice.length <= 5);
      assert.match(ice[0]?.uris[0] ?? '', /^stun:/);
      assert.ok(
        ice.slice(1).every((s) => s.uris.every((u) => u.startsWith('turn')) && s.username && s.password),
      );
      assert.ok(ice.every((s) => s.uris.length <= 4 && s.ttl === 300));

      const offer = { type: 'offer', sdp: 'v=0' };
      viewer.send(JSON.stringify({ action: 'SDP_OFFER', recipientClientId: '', messagePayload: b64(offer) }));
      assert.deepEqual(await master.next(), {
        senderClientId: 'phone-1',
        messageType: 'SDP_OFFER',
        messagePayload: b64(offer),
      });
      const atViewer = nextWs(viewer);
      await master.send({
        action: 'SDP_ANSWER',
        RecipientClientId: 'phone-1',
        MessagePayload: b64({ type: 'answer' }),
      });
      assert.deepEqual(await atViewer, {
        messageType: 'SDP_ANSWER',
        messagePayload: b64({ type: 'answer' }),
      });
      const cand = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host' };
      const atViewer2 = nextWs(viewer);
      await master.send({ action: 'ICE_CANDIDATE', RecipientClientId: 'phone-1', MessagePayload: b64(cand) });
      assert.deepEqual(await atViewer2, { messageType: 'ICE_CANDIDATE', messagePayload: b64(cand) });
      viewer.send(
        JSON.stringify({ action: 'ICE_CANDIDATE', recipientClientId: '', messagePayload: b64(cand) }),
      );
      assert.deepEqual(await master.next(), {
        senderClientId: 'phone-1',
        messageType: 'ICE_CANDIDATE',
        messagePayload: b64(cand),
      });
      // A failing message with a CorrelationId gets its STATUS_RESPONSE, as over wss.
      await master.send({
        action: 'SDP_ANSWER',
        RecipientClientId: 'nobody',
        MessagePayload: b64({}),
        CorrelationId: 'c-1',
      });
      const status = (await master.next())['statusResponse'] as Record<string, string>;
      assert.deepEqual([status['correlationId'], status['statusCode']], ['c-1', '404']);
    } finally {
      viewer.close();
      await master.close();
    }
  });

  it('a QUIC viewer joins with a presigned URL and GET_ICE_CONFIG answers with fresh credentials', async () => {
    const { c: viewer, answer } = await quicJoin(port(), cert, {
      channel_arn: ARN,
      role: 'viewer',
      client_id: 'cam-viewer',
      presigned_url: presign({ 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'cam-viewer' }),
    });
    try {
      assert.equal(answer['messageType'], 'JOINED');
      assert.equal(answer['clientId'], 'cam-viewer');
      await viewer.send({ action: 'GET_ICE_CONFIG', CorrelationId: 'c-17' });
      const ice = await viewer.next();
      assert.equal(ice['messageType'], 'ICE_CONFIG');
      assert.equal(ice['correlationId'], 'c-17');
      const turn = (ice['iceServers'] as { username?: string }[]).find((s) => s.username);
      assert.match(turn?.username ?? '', /^\d+:porch\/cam-viewer$/);
    } finally {
      await viewer.close();
    }
  });

  it('refuses a bad token, a peer token, another channel and an unknown channel with a reason', async () => {
    const refused = async (
      join: Frame,
    ): Promise<{ answer: Frame; closed: { code: number; reason: string } }> => {
      const { c, answer } = await quicJoin(port(), cert, join);
      const closed = await c.closed;
      await c.close();
      return { answer, closed };
    };
    const expired = await mintKvsToken({
      secret: SECRET,
      channel: 'porch',
      role: 'master',
      clientId: '',
      ttlSeconds: 1,
      now: 1000,
    });
    const r1 = await refused({ channel_name: 'porch', role: 'master', token: expired });
    assert.deepEqual(r1.answer, {
      messageType: 'JOIN_ERROR',
      statusCode: 403,
      errorType: 'AccessDeniedException',
      reason: 'token expired',
    });
    assert.deepEqual(r1.closed, { code: 4003, reason: 'token expired', app: true });

    const peer = await mintPeerToken({ secret: SECRET, id: 'alice', ttlSeconds: 60 });
    const r2 = await refused({ channel_name: 'porch', role: 'master', token: peer });
    assert.equal(r2.answer['reason'], 'not a peerlink-kvs token');

    const r3 = await refused({
      channel_name: 'porch',
      role: 'viewer',
      client_id: 'x',
      token: await token('master'),
    });
    assert.equal(r3.answer['statusCode'], 403);
    assert.match(String(r3.answer['reason']), /the token is for the master of channel porch/);

    const r4 = await refused({
      channel_name: 'attic',
      role: 'master',
      token: await token('master', '', 'attic'),
    });
    assert.equal(r4.answer['statusCode'], 404);
    assert.equal(r4.answer['errorType'], 'ResourceNotFoundException');

    const r5 = await refused({ channel_name: 'porch', role: 'master' });
    assert.deepEqual([r5.answer['statusCode'], r5.answer['reason']], [400, 'give token or presigned_url']);
    // IM is off on this server (no --jwt-secret): a JOIN for it is refused, not sent elsewhere.
    const r6 = await refused({ protocol: 'im', token: 'x' });
    assert.deepEqual(r6.answer, {
      messageType: 'JOIN_ERROR',
      statusCode: 404,
      errorType: 'ResourceNotFoundException',
      reason: 'protocol im is not served here',
    });
  });

  it('lists the QUIC endpoint only when the request asks for it', async () => {
    const ask = fetchEndpoint;
    const withQuic = await ask(['WSS', 'HTTPS', 'QUIC']);
    assert.deepEqual(
      withQuic.find((e) => e.Protocol === 'QUIC')?.ResourceEndpoint,
      `quic://127.0.0.1:${port()}`,
    );
    assert.equal(
      (await ask(['WSS', 'HTTPS'])).some((e) => e.Protocol === 'QUIC'),
      false,
    );
  });

  it('sends GO_AWAY to a QUIC client on drain, and refuses a JOIN while draining', async () => {
    const { c, answer } = await quicJoin(port(), cert, {
      channel_name: 'porch',
      role: 'master',
      token: await token('master'),
    });
    assert.equal(answer['messageType'], 'JOINED');
    const drained = server.drain(1500);
    assert.deepEqual(await c.next(), { messageType: 'GO_AWAY' });
    const late = await quicJoin(port(), cert, {
      channel_name: 'porch',
      role: 'master',
      token: await token('master'),
    });
    assert.deepEqual([late.answer['messageType'], late.answer['statusCode']], ['JOIN_ERROR', 503]);
    assert.equal((await c.closed).code, 1001);
    await Promise.all([c.close(), late.c.close()]);
    await drained;
    server = await start({ quicOptions: { joinTimeoutMs: 1500, closeGraceMs: 300 } }); // for after()
  });
});

async function fetchEndpoint(protocols: string[]): Promise<{ Protocol: string; ResourceEndpoint: string }[]> {
  const { controlClient } = await import('./helpers/kvs-sdk.js');
  const { GetSignalingChannelEndpointCommand } = await import('@aws-sdk/client-kinesis-video');
  const { Agent } = await import('node:https');
  const kv = controlClient(
    {
      region: REGION,
      credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
      agent: new Agent({ ca: cert }),
    },
    server.httpsUrl,
  );
  const { ResourceEndpointList } = await kv.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: ARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: protocols as 'WSS'[], Role: 'MASTER' },
    }),
  );
  return (ResourceEndpointList ?? []) as { Protocol: string; ResourceEndpoint: string }[];
}

describe('QUIC keepalive', () => {
  it('--quic-keepalive sets the PING interval: JOINED says it, and an idle client hears the PINGs', async () => {
    const s = await start({}, { 'quic-keepalive': '1' });
    try {
      const pem = readFileSync(join(s.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8');
      assert.equal(await putKvsChannel(s, 'porch', {}, CREATED), ARN);
      const { c, answer } = await quicJoin(s.quic?.port as number, pem, {
        channel_name: 'porch',
        role: 'master',
        token: await token('master'),
      });
      try {
        assert.equal(answer['keepaliveMs'], 1000);
        // The test client sends no PINGs of its own and nothing else happens on the connection: what
        // it receives from now on is the server's PINGs (the default, 15 s, would send none here).
        const quiche = (c.client.connection as unknown as { conn: { stats(): { recv: number } } }).conn;
        const before = quiche.stats().recv;
        const t0 = Date.now();
        while (quiche.stats().recv - before < 2 && Date.now() - t0 < 10_000)
          await new Promise((r) => setTimeout(r, 100));
        const heard = quiche.stats().recv - before;
        assert.ok(heard >= 2, `packets from the server while idle: ${heard} in ${Date.now() - t0} ms`);
        assert.ok(Date.now() - t0 >= 1000, 'no sooner than one interval');
      } finally {
        await c.close();
      }
    } finally {
      await s.close();
    }
  });
});
