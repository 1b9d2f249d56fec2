// Node and Chromium on one KVS channel of a real server, both ways. A Node master sending Ogg Opus
// and IVF VP8 files to a Chromium viewer: Chromium decodes the video (framesDecoded grows), receives
// Opus packets and gets its data channel message echoed. A Chromium master (fake camera and
// microphone) to a Node viewer that also sends Opus: RTP arrives in Node, and Node's RTCP statistics
// are sane (packets received growing, fraction lost in [0, 1], round-trip time > 0).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumLaunchOptions } from '@peerlink/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  createKvsMaster,
  createKvsViewer,
  fileSource,
  resolveChannel,
  type KvsTarget,
} from '../src/index.js';
import { browserPeer, startBrowserPeer } from './helpers/browser-peer.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';
import { mediaFile } from './helpers/media-files.js';
import { until } from './helpers/until.js';

let srv: KvsTestServer;
let browser: Browser;
before(async () => {
  srv = await kvsTestServer();
  browser = await chromium.launch(chromiumLaunchOptions());
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

async function samplePage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${srv.server.httpsUrl}/kvs/sample/`);
  return page;
}

async function browserOn(
  page: Page,
  target: KvsTarget,
  role: 'viewer' | 'master',
  clientId: string,
): Promise<void> {
  const ch = await resolveChannel(target, role === 'viewer' ? 'VIEWER' : 'MASTER', clientId);
  await startBrowserPeer(page, {
    role,
    arn: ch.arn,
    wss: ch.wss,
    iceServers: ch.iceServers,
    credentials: srv.credentials,
    clientId,
  });
}

describe('Node and Chromium over KVS signaling', () => {
  it('Node master to Chromium viewer: video decoded, Opus received, data channel echoed', async () => {
    const target = await srv.channel('node-master');
    const master = await createKvsMaster({
      ...target,
      sources: [await fileSource(mediaFile('opus.ogg')), await fileSource(mediaFile('vp8.ivf'))],
    });
    master.on('datachannel', (_id, ch) => ch.onMessage.subscribe((m) => ch.send(`echo: ${m.toString()}`)));
    const page = await samplePage();
    try {
      await browserOn(page, target, 'viewer', 'chromium-viewer');
      await until(
        async () => (await browserPeer(page)).framesDecoded >= 10,
        async () => JSON.stringify(await browserPeer(page)),
        30_000,
      );
      const first = await browserPeer(page);
      await until(
        async () => (await browserPeer(page)).framesDecoded > first.framesDecoded + 5,
        'framesDecoded grows',
      );
      await until(async () => (await browserPeer(page)).audioPackets > 20, 'Opus packets in Chromium');
      await until(
        async () => (await browserPeer(page)).echoes.includes('echo: hello from chromium'),
        'the echo',
      );
      const s = await browserPeer(page);
      assert.equal(s.error, null);
      assert.match(s.pairTypes ?? '', /^(host|srflx|prflx|relay)\/(host|srflx|prflx|relay)$/);
      const m = await master.stats('chromium-viewer');
      assert.ok(m?.outbound.every((o) => o.packetsSent > 0));
      assert.equal(master.refused, 0);
    } finally {
      await page.close();
      await master.close();
    }
  });

  it('Chromium master to Node viewer: RTP received, RTCP statistics sane', async () => {
    const target = await srv.channel('chromium-master');
    const page = await samplePage();
    try {
      await browserOn(page, target, 'master', 'unused');
      await until(async () => (await browserPeer(page)).state === 'waiting', 'the Chromium master joins');
      const viewer = await createKvsViewer({
        ...target,
        clientId: 'node-viewer',
        sources: [await fileSource(mediaFile('opus.ogg'))],
      });
      try {
        const got = { audio: 0, video: 0 };
        viewer.on('track', (t) => t.onReceiveRtp.subscribe(() => void got[t.kind as 'audio' | 'video']++));
        await until(
          () => got.audio > 50 && got.video > 50,
          () => `RTP in Node ${JSON.stringify(got)}`,
          30_000,
        );
        const a = await viewer.stats();
        const before = a?.inbound.reduce((n, s) => n + s.packetsReceived, 0) ?? 0;
        await until(async () => {
          const s = await viewer.stats();
          return (s?.inbound.reduce((n, x) => n + x.packetsReceived, 0) ?? 0) > before + 50;
        }, 'packets received grow');
        await until(
          async () => (await viewer.stats())?.outbound.some((o) => (o.roundTripTime ?? 0) > 0) ?? false,
          "an RTT from Chromium's receiver reports",
        );
        const s = await viewer.stats();
        assert.ok(s);
        for (const i of s.inbound) assert.ok(i.packetsLost >= 0 && i.jitter >= 0, JSON.stringify(i));
        const out = s.outbound.find((o) => o.kind === 'audio');
        assert.ok(
          out && out.fractionLost !== undefined && out.fractionLost >= 0 && out.fractionLost <= 1,
          JSON.stringify(out),
        );
        assert.ok(
          out.roundTripTime !== undefined && out.roundTripTime > 0 && out.roundTripTime < 1,
          JSON.stringify(out),
        );
        assert.ok(s.selectedPair !== undefined);
        assert.equal(viewer.refused, 0);
        assert.equal((await browserPeer(page)).error, null);
      } finally {
        await viewer.close();
      }
    } finally {
      await page.close();
    }
  });
});
