// A Node master and a Node viewer on one channel of a real server: signaling over wss with a
// presigned URL, ICE servers from GetIceServerConfig, trickle ICE, the master's Ogg Opus and IVF VP8
// files forwarded as RTP, a data channel echo, and RTCP statistics on both sides.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createKvsMaster,
  createKvsViewer,
  fileSource,
  type KvsMaster,
  type KvsViewer,
} from '../src/index.js';
import { assertEchoes } from './helpers/echo.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';
import { mediaFile } from './helpers/media-files.js';
import { until } from './helpers/until.js';

let srv: KvsTestServer;
before(async () => {
  srv = await kvsTestServer();
});
after(async () => {
  await srv?.close();
});

describe('a Node master and a Node viewer', () => {
  it('connect, carry Opus and VP8, echo on the data channel and report RTCP', async () => {
    const target = await srv.channel('node-node');
    const sources = [await fileSource(mediaFile('opus.ogg')), await fileSource(mediaFile('vp8.ivf'))];
    let master: KvsMaster | undefined;
    let viewer: KvsViewer | undefined;
    try {
      master = await createKvsMaster({ ...target, sources });
      assert.ok(
        master.iceServers.some((s) => s.urls.startsWith('turn:')),
        'TURN from GetIceServerConfig',
      );
      master.on('datachannel', (_id, ch) => ch.onMessage.subscribe((m) => ch.send(m)));
      viewer = await createKvsViewer({ ...target, clientId: 'node-viewer' });
      const got = { audio: 0, video: 0 };
      viewer.on('track', (t) => t.onReceiveRtp.subscribe(() => void got[t.kind as 'audio' | 'video']++));
      await assertEchoes(viewer.dataChannel!, 'ping-1');
      await until(
        () => got.audio > 50 && got.video > 20,
        () => `RTP ${JSON.stringify(got)}`,
      );
      const v = await viewer.stats();
      const audioIn = v?.inbound.find((s) => s.kind === 'audio');
      assert.ok(audioIn && audioIn.packetsReceived > 0);
      await until(async () => {
        const m = await master!.stats('node-viewer');
        return m?.outbound.some((o) => o.roundTripTime !== undefined && o.roundTripTime > 0) ?? false;
      }, 'a receiver report with an RTT');
      const m = await master.stats('node-viewer');
      for (const o of m?.outbound ?? []) {
        assert.ok(o.packetsSent > 0);
        if (o.fractionLost !== undefined) assert.ok(o.fractionLost >= 0 && o.fractionLost <= 1);
      }
      assert.equal(master.refused, 0);
      assert.equal(viewer.refused, 0);
    } finally {
      await viewer?.close();
      await master?.close();
    }
  });
});
