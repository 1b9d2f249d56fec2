// The Node master and viewer over peerlink's QUIC signaling carrier (docs/quic-signaling.md) on a real
// server, real QUIC on loopback: a QUIC master (its endpoint from GetSignalingChannelEndpoint, a
// presigned JOIN) and a WSS viewer; both over QUIC with a quic:// endpoint (the master with a KVS token,
// the viewer with a presigned URL for the channel ARN); a refused JOIN is a typed error, not a crash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintKvsToken } from '@peerlink/signaling';
import {
  createKvsMaster,
  createKvsViewer,
  fileSource,
  resolveChannel,
  WebRtcError,
  WebRtcErrorCode,
  type KvsMaster,
  type KvsTarget,
  type KvsViewer,
} from '../src/index.js';
import { assertEchoes } from './helpers/echo.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';
import { mediaFile } from './helpers/media-files.js';
import { until } from './helpers/until.js';

let srv: KvsTestServer;
let quicUrl: string;
const token = (channel: string, role: 'master' | 'viewer', clientId = ''): Promise<string> =>
  mintKvsToken({
    secret: srv.server.config.authSecret ?? srv.server.dataDir.secrets.authSecret,
    channel,
    role,
    clientId,
    ttlSeconds: 300,
  });

before(async () => {
  srv = await kvsTestServer();
  assert.ok(srv.server.quic, 'the server listens for QUIC signaling');
  quicUrl = `quic://127.0.0.1:${srv.server.quic.port}`;
});
after(async () => {
  await srv?.close();
});

/** The master sends VP8 from a file and echoes its data channels; the viewer must get both. */
async function session(masterTarget: KvsTarget, viewerTarget: KvsTarget): Promise<[KvsMaster, KvsViewer]> {
  const master = await createKvsMaster({
    ...masterTarget,
    sources: [await fileSource(mediaFile('vp8.ivf'))],
  });
  master.on('datachannel', (_id, ch) => ch.onMessage.subscribe((m) => ch.send(m)));
  const viewer = await createKvsViewer({ ...viewerTarget, clientId: 'quic-viewer', receive: ['video'] });
  let rtp = 0;
  viewer.on('track', (t) => t.onReceiveRtp.subscribe(() => void rtp++));
  await assertEchoes(viewer.dataChannel!, 'over-quic');
  await until(
    () => rtp > 20,
    () => `RTP packets: ${rtp}`,
  );
  assert.equal(master.refused, 0);
  assert.equal(viewer.refused, 0);
  return [master, viewer];
}

describe('the Node KVS master and viewer over QUIC signaling', () => {
  it('a QUIC master (endpoint from the control plane) and a WSS viewer complete a session', async () => {
    const target = await srv.channel('quic-wss');
    let peers: [KvsMaster, KvsViewer] | undefined;
    try {
      peers = await session({ ...target, signaling: 'quic' }, target);
      const [master, viewer] = peers;
      assert.equal(master.joined?.signaling, 'quic');
      assert.equal(master.joined?.quic, quicUrl);
      assert.match(master.joined?.arn ?? '', /:channel\/quic-wss\//);
      assert.equal(master.joined?.keepaliveMs, 15_000);
      assert.ok(
        master.iceServers.some((s) => s.urls.startsWith('turn:') && s.credential),
        'TURN with credentials from JOINED',
      );
      assert.equal(viewer.joined?.signaling, 'wss');
    } finally {
      await Promise.all((peers ?? []).map((p) => p.close()));
    }
  });

  it('both over quic:// endpoints, the master with a token, the viewer presigned', async () => {
    const target = await srv.channel('quic-quic');
    const { ca, credentials } = srv;
    const { arn } = await resolveChannel(target, 'VIEWER', 'quic-viewer');
    let peers: [KvsMaster, KvsViewer] | undefined;
    try {
      peers = await session(
        { endpoint: quicUrl, channel: 'quic-quic', token: await token('quic-quic', 'master'), ca },
        { endpoint: quicUrl, channel: arn, credentials, ca },
      );
      assert.equal(peers[1].joined?.signaling, 'quic');
    } finally {
      await Promise.all((peers ?? []).map((p) => p.close()));
    }
  });

  it('a refused JOIN rejects with WEBRTC_JOIN_REFUSED and the reason, and the server serves on', async () => {
    const target = await srv.channel('quic-refused');
    const { arn } = await resolveChannel(target, 'MASTER', 'master');
    const refused = async (t: KvsTarget, why: RegExp): Promise<void> => {
      await assert.rejects(createKvsMaster(t), (e: unknown) => {
        assert.ok(e instanceof WebRtcError);
        assert.equal(e.code, WebRtcErrorCode.JoinRefused);
        assert.match(e.message, why);
        return true;
      });
    };
    const base = { endpoint: quicUrl, ca: srv.ca };
    await refused({ ...base, channel: 'quic-refused', token: 'not-a-jwt' }, /401|403/);
    await refused(
      { ...base, channel: 'quic-refused', token: await token('another-channel', 'master') },
      /403 AccessDeniedException/,
    );
    const wrongSecret = { accessKeyId: srv.credentials.accessKeyId, secretAccessKey: 'wrong' };
    await refused({ ...base, channel: arn, credentials: wrongSecret }, /403/);
    await refused(
      { ...base, channel: 'no-such-channel', token: await token('no-such-channel', 'master') },
      /404 ResourceNotFoundException/,
    );
    const master = await createKvsMaster({ ...target, signaling: 'quic' });
    await master.close();
  });
});
