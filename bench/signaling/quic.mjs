#!/usr/bin/env node
// bench/signaling/quic.mjs: KVS signaling over QUIC against KVS over WSS (the named peer), the same
// server, the same run, on loopback. Prints JSON:
//   - connect-to-joined: QUIC (handshake with its Retry round, stream, JOIN, JOINED) vs WSS (TCP, TLS,
//     upgrade with the presigned URL's admission), p50/p95 over --joins sequential joins;
//   - the Retry round trip alone (first Initial to the server's Retry, on quiche's own API);
//   - messages/s: a master sends --messages ICE_CANDIDATEs to a viewer on the same carrier, --window
//     in flight, until the viewer has them all; and the CPU time per message (the whole process).
// The server runs in this process (both carriers pay that equally), with KVS's per-connection rates
// lifted. Build first (`npx tsc -b`).
//
//   node bench/signaling/quic.mjs [--joins 50] [--messages 20000] [--window 200] [--out FILE]
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { native } from '@matrixai/quic';
import { loadServeConfig, startServer } from '@peerlink/server';
import { formatChannelArn, mintKvsToken, QUIC_ALPN } from '@peerlink/signaling';
import { kvsPresign } from '@peerlink/testing';
import { pino } from 'pino';

const root = new URL('../../', import.meta.url).pathname;
const { quicJoin } = await import(join(root, 'packages/server/dist/test/helpers/quic-client.js'));
const { values } = parseArgs({
  options: {
    joins: { type: 'string', default: '50' },
    messages: { type: 'string', default: '20000' },
    window: { type: 'string', default: '200' },
    out: { type: 'string' },
  },
});
const SECRET = 'bench-secret-0123456789';
const REGION = 'us-east-1';
const ARN = formatChannelArn({ region: REGION, account: '000000000000', name: 'bench', created: 1 });
const lifted = 1_000_000;
const server = await startServer(
  loadServeConfig({
    flags: {
      'data-dir': mkdtempSync(join(tmpdir(), 'bench-quic-')),
      host: '127.0.0.1',
      'http-port': '0',
      'https-port': '0',
      'stun-port': '0',
      'auth-secret': SECRET,
    },
    env: {},
  }),
  {
    logger: pino({ level: 'silent' }),
    kvsOptions: {
      offersPerSecond: lifted,
      answersPerSecond: lifted,
      candidatesPerSecond: lifted,
      messagesPerSecond: lifted,
      messageBurst: lifted,
    },
  },
);
const cert = readFileSync(join(server.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8');
await server.backend.durable.put('kvs/channel/bench', {
  v: 1,
  name: 'bench',
  arn: ARN,
  type: 'SINGLE_MASTER',
  status: 'ACTIVE',
  created: 1,
  version: '1',
  messageTtlSeconds: 60,
  tags: {},
});
const key = await server.accessKeys.create(Date.now());
const quicPort = server.quic.port;
const token = (role, clientId = '') =>
  mintKvsToken({ secret: SECRET, channel: 'bench', role, clientId, ttlSeconds: 3600 });
const presigned = (clientId) =>
  kvsPresign({
    endpoint: `${server.httpsUrl.replace(/^https/, 'wss')}/kvs`,
    accessKeyId: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: REGION,
    query: clientId ? { 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': clientId } : { 'X-Amz-ChannelARN': ARN },
  });

const wssOpen = (clientId) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(presigned(clientId), { ca: cert });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
const quicOpen = async (role, clientId) => {
  const { c, answer } = await quicJoin(quicPort, cert, {
    channel_name: 'bench',
    role,
    ...(clientId ? { client_id: clientId } : {}),
    token: await token(role, clientId),
  });
  if (answer.messageType !== 'JOINED') throw new Error(JSON.stringify(answer));
  return c;
};

const quantiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  return { p50: q(0.5), p95: q(0.95), n: s.length };
};

async function joinTimes() {
  const quic = [];
  const wss = [];
  for (let i = 0; i < Number(values.joins); i++) {
    let t0 = performance.now();
    const c = await quicOpen('viewer', `q${i}`);
    quic.push(performance.now() - t0);
    await c.close();
    t0 = performance.now();
    const ws = await wssOpen(`w${i}`);
    wss.push(performance.now() - t0);
    ws.close();
  }
  return { quic: quantiles(quic), wss: quantiles(wss) };
}

/** First Initial to the server's Retry, on quiche's own API (the library hides that round). */
async function retryRoundTrips(n) {
  const { quiche } = native;
  const config = quiche.Config.withBoringSslCtx(false, false, null, null, null, null);
  config.setApplicationProtos([QUIC_ALPN]);
  const out = [];
  for (let i = 0; i < n; i++) {
    const udp = createSocket('udp4');
    await new Promise((r) => udp.bind(0, '127.0.0.1', r));
    const local = { host: '127.0.0.1', port: udp.address().port };
    const conn = quiche.Connection.connect(
      null,
      randomBytes(20),
      local,
      { host: '127.0.0.1', port: quicPort },
      config,
    );
    const buf = Buffer.alloc(1500);
    const first = conn.send(buf);
    const t0 = performance.now();
    const got = new Promise((r) => udp.once('message', r));
    udp.send(buf.subarray(0, first[0]), quicPort, '127.0.0.1');
    await got;
    out.push(performance.now() - t0);
    udp.close();
  }
  return quantiles(out);
}

const b64 = Buffer.from(
  JSON.stringify({ candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host' }),
).toString('base64');

/**
 * master -> viewer ICE_CANDIDATEs on one carrier, `window` in flight: messages per second, and the
 * process's CPU time (all threads: server, QUIC worker and clients) per message.
 */
async function throughput(kind) {
  const n = Number(values.messages);
  const window = Number(values.window);
  let received = 0;
  let wake;
  const onMessage = () => {
    received++;
    wake?.();
  };
  let send;
  let closeAll;
  const quicMaster = async () => {
    const m = await quicOpen('master');
    return {
      m,
      send: () => m.send({ action: 'ICE_CANDIDATE', RecipientClientId: 'tp-viewer', MessagePayload: b64 }),
    };
  };
  if (kind === 'quic-to-wss') {
    const { m, send: s } = await quicMaster();
    const viewer = await wssOpen('tp-viewer');
    viewer.on('message', onMessage);
    send = s;
    closeAll = () => Promise.all([m.close(), viewer.close()]);
  } else if (kind === 'wss') {
    const master = await wssOpen();
    const viewer = await wssOpen('tp-viewer');
    viewer.on('message', onMessage);
    send = () =>
      master.send(
        JSON.stringify({ action: 'ICE_CANDIDATE', RecipientClientId: 'tp-viewer', MessagePayload: b64 }),
      );
    closeAll = () => (master.close(), viewer.close());
  } else {
    const master = await quicOpen('master');
    const viewer = await quicOpen('viewer', 'tp-viewer');
    void (async () => {
      for (;;) {
        await viewer.next();
        onMessage();
      }
    })();
    send = () =>
      master.send({ action: 'ICE_CANDIDATE', RecipientClientId: 'tp-viewer', MessagePayload: b64 });
    closeAll = () => Promise.all([master.close(), viewer.close()]);
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  while (received < n) {
    while (sent < n && sent - received < window) {
      void send();
      sent++;
    }
    await new Promise((r) => (wake = r));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await closeAll();
  return { rate: Math.round(n / seconds), cpuUs: Math.round((cpu.user + cpu.system) / n) };
}

const joined = await joinTimes();
const retry = await retryRoundTrips(Number(values.joins));
const wssRate = await throughput('wss');
const quicRate = await throughput('quic');
const quicToWssRate = await throughput('quic-to-wss');
const result = {
  bench: 'signaling-quic',
  when: new Date().toISOString(),
  loadavg: loadavg().map((x) => +x.toFixed(2)),
  note: 'loopback, server in-process; compare QUIC with WSS from the same run only',
  connect_to_joined_ms: {
    ...joined,
    ratio_p50_quic_over_wss: +(joined.quic.p50 / joined.wss.p50).toFixed(2),
  },
  retry_round_trip_ms: retry,
  messages_per_second: {
    quic: quicRate.rate,
    wss: wssRate.rate,
    ratio_quic_over_wss: +(quicRate.rate / wssRate.rate).toFixed(2),
    quic_master_to_wss_viewer: quicToWssRate.rate,
  },
  cpu_us_per_message: {
    quic: quicRate.cpuUs,
    wss: wssRate.cpuUs,
    ratio_quic_over_wss: +(quicRate.cpuUs / wssRate.cpuUs).toFixed(2),
    quic_master_to_wss_viewer: quicToWssRate.cpuUs,
  },
};
const text = JSON.stringify(result, null, 2);
console.log(text);
if (values.out) writeFileSync(values.out, `${text}\n`);
await server.close();
process.exit(0);
