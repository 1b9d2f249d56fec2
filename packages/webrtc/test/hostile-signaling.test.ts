// Hostile signaling to a Node master through a real server: a raw viewer socket sends bad SDP, bad
// candidates, out-of-order messages and 100 random payloads. Each is refused and counted by the
// master, which stays up and still connects a well-behaved viewer afterwards.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import {
  createKvsMaster,
  createKvsViewer,
  presignKvsUrl,
  resolveChannel,
  type KvsMaster,
} from '../src/index.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';
import { until } from './helpers/until.js';

let srv: KvsTestServer;
before(async () => {
  srv = await kvsTestServer();
});
after(async () => {
  await srv?.close();
});

const frame = (action: string, payload: unknown): string =>
  JSON.stringify({ action, messagePayload: Buffer.from(JSON.stringify(payload)).toString('base64') });

describe('hostile signaling to a Node master', () => {
  it('refuses and counts every bad message, and still serves a good viewer', async () => {
    const target = await srv.channel('hostile');
    const master: KvsMaster = await createKvsMaster(target);
    const codes = new Map<string, number>();
    master.on('refused', (e) => codes.set(e.code, (codes.get(e.code) ?? 0) + 1));
    const ch = await resolveChannel(target, 'VIEWER', 'mallory');
    const url = await presignKvsUrl({
      wss: ch.wss,
      channelArn: ch.arn,
      clientId: 'mallory',
      region: 'us-west-2',
      credentials: srv.credentials,
    });
    const ws = new WebSocket(url, { ca: srv.ca });
    await once(ws, 'open');
    try {
      const sent: string[] = [
        frame('ICE_CANDIDATE', { candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ host', sdpMid: '0' }), // before any offer
        frame('SDP_OFFER', { type: 'offer', sdp: 'v=0\r\n' }),
        frame('SDP_OFFER', { type: 'offer', sdp: 'garbage' }),
        frame('SDP_OFFER', { type: 'answer', sdp: 'v=0' }),
        frame('SDP_OFFER', 'just a string'),
        frame('SDP_OFFER', { type: 'offer', sdp: 'v=0\r\n'.padEnd(7000, 'x') }),
        frame('SDP_ANSWER', { type: 'answer', sdp: 'v=0' }),
      ];
      const randoms = fc.sample(
        fc.oneof(
          fc.json(),
          fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
        ),
        { numRuns: 100, seed: 17 },
      );
      for (const [i, r] of randoms.entries())
        sent.push(frame(i % 5 === 0 ? 'SDP_OFFER' : 'ICE_CANDIDATE', r));
      // Paced under the server's per-connection rates (5 offers/s, 20 candidates/s), which would
      // otherwise drop them before the master sees them: this tests the master, not the server.
      for (const f of sent) {
        ws.send(f);
        await new Promise((r) => setTimeout(r, 70));
      }
      await until(
        () => master.refused >= sent.length,
        () => `${master.refused} of ${sent.length} refused: ${JSON.stringify([...codes])}`,
      );
      assert.equal(master.refused, sent.length);
      assert.ok((codes.get('WEBRTC_SDP_INVALID') ?? 0) >= 5, JSON.stringify([...codes]));
      assert.ok((codes.get('WEBRTC_OUT_OF_ORDER') ?? 0) >= 2, JSON.stringify([...codes]));
      assert.equal(master.viewers().size, 0);
    } finally {
      ws.close();
    }
    const viewer = await createKvsViewer({ ...target, clientId: 'alice', receive: [] });
    try {
      const ch2 = viewer.dataChannel!;
      await until(() => ch2.readyState === 'open', 'the good viewer connects');
      assert.equal(viewer.refused, 0);
    } finally {
      await viewer.close();
      await master.close();
    }
  });
});
