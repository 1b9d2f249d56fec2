// The KVS sample page (GET /kvs/sample/) in real Chromium: a master page with the fake camera and a
// viewer page on the same channel, both running AWS's KVS WebRTC JS SDK unchanged from the bundle the
// server serves. The channel, its WSS endpoint and the ICE servers come from the AWS SDK v3 in Node
// with an access key the server issued; the viewer must decode the master's video, and with
// iceTransportPolicy 'relay' the selected pair must be relay through peerlink's own TURN.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { CreateSignalingChannelCommand } from '@aws-sdk/client-kinesis-video';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { chromiumLaunchOptions } from '@peerlink/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../src/index.js';
import { channelEndpoints, controlClient, signalingClient } from './helpers/kvs-sdk.js';
import { start } from './helpers/start-server.js';

const REGION = 'us-west-2';
interface SampleState {
  state: string;
  error: string | null;
  selectedPairType: string | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  framesDecoded: number;
}

let server: RunningServer;
let browser: Browser;
let tlsAgent: Agent;
let credentials: { accessKeyId: string; secretAccessKey: string };

/** A channel named `name`, with its WSS endpoint and the ICE servers GetIceServerConfig gives `clientId`. */
async function channel(
  name: string,
  clientId: string,
): Promise<{
  arn: string;
  wss: string;
  iceServers: { urls: string[]; username: string; credential: string }[];
}> {
  const target = { region: REGION, credentials, agent: tlsAgent };
  const kv = controlClient(target, server.httpsUrl);
  try {
    const { ChannelARN: arn } = await kv.send(new CreateSignalingChannelCommand({ ChannelName: name }));
    assert.ok(arn);
    const ep = await channelEndpoints(kv, arn, 'VIEWER');
    assert.ok(ep['WSS'] && ep['HTTPS']);
    const signaling = signalingClient(target, ep['HTTPS']);
    try {
      const { IceServerList } = await signaling.send(
        new GetIceServerConfigCommand({ ChannelARN: arn, ClientId: clientId }),
      );
      const iceServers = (IceServerList ?? []).map((s) => ({
        urls: s.Uris ?? [],
        username: s.Username ?? '',
        credential: s.Password ?? '',
      }));
      assert.ok(iceServers.length > 0);
      return { arn, wss: ep['WSS'], iceServers };
    } finally {
      signaling.destroy();
    }
  } finally {
    kv.destroy();
  }
}

/** Opens the sample page as `role`, started by its query parameters. */
async function openSample(params: Record<string, string>): Promise<Page> {
  const page = await browser.newPage();
  const q = new URLSearchParams({ ...params, autostart: '1' });
  await page.goto(`${server.httpsUrl}/kvs/sample/?${q}`);
  return page;
}

const sampleState = (page: Page): Promise<SampleState> =>
  page.evaluate(() => (globalThis as unknown as { kvsSample: SampleState }).kvsSample);

/** Waits until the viewer has decoded `frames` frames and a pair is selected, or fails after 45 s. */
async function untilDecoding(viewer: Page, master: Page, frames: number): Promise<SampleState> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const v = await sampleState(viewer);
    if (v.framesDecoded >= frames && v.selectedPairType !== null) return v;
    const m = await sampleState(master);
    if (v.error !== null || m.error !== null || Date.now() > deadline)
      assert.fail(`viewer ${JSON.stringify(v)}, master ${JSON.stringify(m)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  // TURN must relay to the other page's loopback candidates.
  server = await start({}, { 'allow-loopback-peers': true });
  tlsAgent = new Agent({ ca: (await server.dataDir.tls({})).cert });
  const key = await server.accessKeys.create(Date.now());
  credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  browser = await chromium.launch(chromiumLaunchOptions());
});
after(async () => {
  await browser?.close();
  tlsAgent?.destroy();
  await server?.close();
});

describe('the KVS sample page in Chromium', () => {
  it('serves the page and the SDK bundle', async () => {
    const p = await browser.newPage();
    try {
      const res = await p.goto(`${server.httpsUrl}/kvs/sample/kvs-webrtc.min.js`);
      assert.equal(res?.status(), 200);
      assert.match(await res!.text(), /Amazon Kinesis Video Streams WebRTC SDK/);
      await p.goto(`${server.httpsUrl}/kvs/sample/`);
      assert.equal(
        await p.evaluate(() => typeof (globalThis as unknown as { KVSWebRTC?: unknown }).KVSWebRTC),
        'object',
      );
    } finally {
      await p.close();
    }
  });

  for (const policy of ['all', 'relay'] as const) {
    it(`a viewer page decodes the master page's video (iceTransportPolicy ${policy})`, async () => {
      const ch = await channel(`sample-${policy}`, 'viewer-1');
      const common = {
        region: REGION,
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        channelName: `sample-${policy}`,
        channelARN: ch.arn,
        endpoint: ch.wss,
        iceServers: JSON.stringify(ch.iceServers),
        iceTransportPolicy: policy,
      };
      const master = await openSample({ ...common, role: 'master' });
      try {
        const deadline = Date.now() + 10_000;
        while ((await sampleState(master)).state !== 'waiting for viewers') {
          if (Date.now() > deadline) assert.fail(`master: ${JSON.stringify(await sampleState(master))}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const viewer = await openSample({ ...common, role: 'viewer', clientId: 'viewer-1' });
        try {
          const v = await untilDecoding(viewer, master, 10);
          assert.ok(v.framesDecoded >= 10, `decoded ${v.framesDecoded} frames`);
          if (policy === 'relay') {
            // The only ICE servers the pages have are this server's TURN: relay means through it.
            const ports = [server.stun.primary.port, server.stun.tls?.port];
            const urls = ch.iceServers.flatMap((s) => s.urls);
            for (const u of urls)
              assert.ok(
                ports.includes(Number(/:(\d+)(\?|$)/.exec(u)?.[1])),
                `${u} is not this server's TURN`,
              );
            assert.equal(v.localCandidateType, 'relay');
            assert.equal(v.remoteCandidateType, 'relay');
          }
        } finally {
          await viewer.close();
        }
      } finally {
        await master.close();
      }
    });
  }
});
