/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Real Chromium through our TURN: two RTCPeerConnections in one page, relay-only, our server as the
// only ICE server, REST credentials. The data channel must carry every message, the fake camera's
// video must decode, and getStats must show a relay/relay candidate pair.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTurnRestCredentials } from '@peerlink/wire';
import { chromiumLaunchOptions } from '@peerlink/testing';
import { chromium, type Browser } from 'playwright-core';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';

interface CallResult {
  messages: string[];
  framesDecoded: number;
  localType: string;
  remoteType: string;
  relayProtocol: string;
}

/** Runs in the page: sets up the call, returns what arrived and what the stats say. */
async function callThroughTurn(ice: RTCIceServer): Promise<CallResult> {
  const config: RTCConfiguration = { iceServers: [ice], iceTransportPolicy: 'relay' };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  a.onicecandidate = (e) => void (e.candidate && b.addIceCandidate(e.candidate));
  b.onicecandidate = (e) => void (e.candidate && a.addIceCandidate(e.candidate));
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  for (const t of stream.getTracks()) a.addTrack(t, stream);
  const dc = a.createDataChannel('chat');
  const messages: string[] = [];
  const allArrived = new Promise<void>((resolve) => {
    b.ondatachannel = (e) => {
      e.channel.onmessage = (m) => {
        messages.push(String(m.data));
        if (messages.length === 20) resolve();
      };
    };
  });
  b.ontrack = (e) => {
    const v = document.createElement('video');
    v.muted = true;
    v.srcObject = e.streams[0] ?? new MediaStream([e.track]);
    document.body.append(v);
    void v.play();
  };
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  await new Promise<void>((resolve) => {
    if (dc.readyState === 'open') resolve();
    else dc.onopen = () => resolve();
  });
  for (let i = 0; i < 20; i++) dc.send(`message ${i}`);
  await allArrived;
  let framesDecoded = 0;
  for (let i = 0; i < 200 && framesDecoded < 10; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const stats = await b.getStats();
    stats.forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded = s.framesDecoded ?? 0;
    });
  }
  const stats = await a.getStats();
  let pairId = '';
  stats.forEach((s: { type: string; selectedCandidatePairId?: string }) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = stats.get(pairId) as { localCandidateId: string; remoteCandidateId: string };
  const local = stats.get(pair.localCandidateId) as { candidateType: string; relayProtocol?: string };
  const remote = stats.get(pair.remoteCandidateId) as { candidateType: string };
  a.close();
  b.close();
  return {
    messages,
    framesDecoded,
    localType: local.candidateType,
    remoteType: remote.candidateType,
    relayProtocol: local.relayProtocol ?? '',
  };
}

describe('Chromium WebRTC through peerlink TURN', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let secret: string;

  before(async () => {
    server = await spawnServer(['--allow-loopback-peers']);
    secret = (
      JSON.parse(readFileSync(join(server.dataDir, 'secrets.json'), 'utf8')) as { turnSecret: string }
    ).turnSecret;
    browser = await chromium.launch(chromiumLaunchOptions());
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`data channel and video over a relay/relay pair (TURN over ${transport.toUpperCase()})`, async () => {
      const page = await browser.newPage();
      try {
        // A page from the server itself: loopback http is a secure context, so getUserMedia works.
        await page.goto(`${server.httpUrl}/`);
        const c = makeTurnRestCredentials(secret, 'browser', 600, Date.now() / 1000);
        const ice = {
          urls:
            transport === 'tls'
              ? `turns:localhost:${server.tls?.port}?transport=tcp`
              : `turn:127.0.0.1:${server.stun.port}?transport=${transport}`,
          username: c.username,
          credential: c.password,
        };
        let timer: ReturnType<typeof setTimeout> | undefined;
        const r = await Promise.race([
          page.evaluate(callThroughTurn, ice),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('call timed out after 60 s')), 60_000);
          }),
        ]).finally(() => clearTimeout(timer));
        assert.deepEqual(
          r.messages,
          Array.from({ length: 20 }, (_, i) => `message ${i}`),
        );
        assert.ok(r.framesDecoded >= 10, `decoded ${r.framesDecoded} frames`);
        assert.equal(r.localType, 'relay');
        assert.equal(r.remoteType, 'relay');
        assert.equal(r.relayProtocol, transport);
      } finally {
        await page.close();
      }
    });
  }
});
