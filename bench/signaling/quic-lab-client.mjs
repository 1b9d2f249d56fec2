#!/usr/bin/env node
// The client side of bench/signaling/quic-lab.mjs, run inside a NAT lab host's namespace (behind the
// lossy link): connect-to-joined over QUIC and over WSS, then ICE_CANDIDATEs master -> viewer on each
// carrier, both ends here (so every message crosses the link twice). Prints one JSON line.
//
//   node bench/signaling/quic-lab-client.mjs CONFIG_JSON
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { kvsPresign } from '@peerlink/testing';
import { candidateB64, joinTimes, windowedRun } from './quic-measure.mjs';

const root = new URL('../../', import.meta.url).pathname;
const { quicJoin } = await import(join(root, 'packages/server/dist/test/helpers/quic-client.js'));
const c = JSON.parse(process.argv[2]);
const cert = readFileSync(c.certPath, 'utf8');

const quicOpen = async (role, clientId) => {
  const { c: client, answer } = await quicJoin(
    c.quicPort,
    cert,
    {
      channel_name: c.channel,
      role,
      ...(clientId ? { client_id: clientId } : {}),
      token: role === 'master' ? c.masterToken : c.viewerTokens[clientId],
    },
    { host: c.host, timeoutMs: 30_000 },
  );
  if (answer.messageType !== 'JOINED') throw new Error(JSON.stringify(answer));
  return client;
};
const wssOpen = (clientId) =>
  new Promise((resolve, reject) => {
    const url = kvsPresign({
      endpoint: `${c.httpsUrl.replace(/^https/, 'wss')}/kvs`,
      accessKeyId: c.key,
      secret: c.secret,
      region: c.region,
      query: clientId
        ? { 'X-Amz-ChannelARN': c.arn, 'X-Amz-ClientId': clientId }
        : { 'X-Amz-ChannelARN': c.arn },
    });
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

const joined = await joinTimes(c.joins, quicOpen, wssOpen);

const frame = { action: 'ICE_CANDIDATE', RecipientClientId: 'tp', MessagePayload: candidateB64 };
const counter = () => ({ received: 0, wake: undefined });
const seen = (v) => () => {
  v.received++;
  v.wake?.();
};

const wv = counter();
const wm = await wssOpen();
const wViewer = await wssOpen('tp');
wViewer.on('message', seen(wv));
const wssRate = await windowedRun(c.messages, c.window, () => wm.send(JSON.stringify(frame)), wv);
wm.close();
wViewer.close();

const qv = counter();
const qm = await quicOpen('master');
const qViewer = await quicOpen('viewer', 'tp');
void (async () => {
  const count = seen(qv);
  for (;;) {
    await qViewer.next();
    count();
  }
})();
const quicRate = await windowedRun(c.messages, c.window, () => qm.send(frame), qv);
await Promise.all([qm.close(), qViewer.close()]);

console.log(
  JSON.stringify({
    connect_to_joined_ms: joined,
    messages_per_second: { quic: quicRate.rate, wss: wssRate.rate },
    cpu_us_per_message_client: { quic: quicRate.cpuUs, wss: wssRate.cpuUs },
  }),
);
process.exit(0);
