#!/usr/bin/env node
// bench/signaling/quic-relay.mjs: the peer protocol's relay over QUIC against the same relay over
// WebSocket (the named peer), one server, one run, loopback. Two SDK nodes (direct paths off, so
// every byte crosses the server's relay) echo a --mb MB stream; the time until the echo is back,
// for each pairing of signaling carriers:
//   ws->ws     both nodes on ws://        (the baseline)
//   ws<->quic  the sender on ws://, the echoer on quic://
//   quic->quic both nodes on quic://
// Prints JSON with seconds, MB/s and the ratio to ws->ws, the relay frames each node dropped at its
// QUIC queue cap, and the load average. The server runs in this process. Build first (`npx tsc -b`).
//
// --relay-queue KB sets the SDK's QUIC relay queue cap (default: the SDK's, 512 KiB); --mode the
// nodes' KCP mode (default the SDK's, fast). Per pairing also: the process's CPU seconds (every
// thread, the server's QUIC worker included) and the sender's KCP retransmissions.
//
//   node bench/signaling/quic-relay.mjs [--mb 4] [--only ws-ws,ws-quic,quic-quic] [--relay-queue KB]
//     [--mode fast|normal|turbo] [--out FILE]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PeerNode } from '@peerlink/client';
import { loadServeConfig, startServer } from '@peerlink/server';
import { mintPeerToken } from '@peerlink/signaling';
import { roundTrip } from '@peerlink/testing';
import { pino } from 'pino';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '4' },
    only: { type: 'string', default: 'ws-ws,ws-quic,quic-quic' },
    'relay-queue': { type: 'string' },
    mode: { type: 'string' },
    out: { type: 'string' },
  },
});
const SECRET = 'bench-secret-0123456789';
const bytes = Math.round(Number(values.mb) * 1024 * 1024);
const server = await startServer(
  loadServeConfig({
    flags: {
      'data-dir': mkdtempSync(join(tmpdir(), 'peerlink-bench-')),
      host: '127.0.0.1',
      'http-port': '0',
      'https-port': '0',
      'admin-listen': '127.0.0.1:0',
      'stun-port': '0',
      'tls-port': '0',
      'auth-secret': SECRET,
      'relay-rate': String(1024 * 1024 * 1024),
    },
    env: {},
  }),
  { logger: pino({ level: 'silent' }) },
);
const cert = readFileSync(join(server.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8');
const urls = { ws: server.httpUrl, quic: `quic://127.0.0.1:${server.quic.port}` };
const start = (id, carrier) =>
  PeerNode.start({
    server: urls[carrier],
    ca: cert,
    id,
    token: () => mintPeerToken({ secret: SECRET, id, ttlSeconds: 3600 }),
    direct: false,
    portMapping: false,
    ...(values.mode ? { mode: values.mode } : {}),
    ...(values['relay-queue'] ? { relayQueueBytes: Number(values['relay-queue']) * 1024 } : {}),
  });

async function run(name, sender, echoer) {
  const a = await start(`a-${name}`, sender);
  const b = await start(`b-${name}`, echoer);
  b.on('connection', (c) => c.on('stream', (s) => s.pipe(s)));
  try {
    const conn = await a.connect(`b-${name}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { sent, got } = await roundTrip(conn.createStream(), bytes);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const session = conn.stats().session;
    if (sent !== got) throw new Error(`${name}: the echo differs`);
    return {
      seconds: Number(seconds.toFixed(2)),
      mbPerSecond: Number((Number(values.mb) / seconds).toFixed(3)),
      relayDroppedFrames: { sender: a.relayDroppedFrames, echoer: b.relayDroppedFrames },
      senderRetransmits: { timeout: session.timeoutRetransmits, fast: session.fastRetransmits },
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    };
  } finally {
    a.close();
    b.close();
  }
}

const pairs = { 'ws-ws': ['ws', 'ws'], 'ws-quic': ['ws', 'quic'], 'quic-quic': ['quic', 'quic'] };
const results = {};
const loadBefore = loadavg();
for (const name of values.only.split(',')) {
  const [s, e] = pairs[name];
  results[name] = await run(name, s, e);
  process.stderr.write(`${name}: ${JSON.stringify(results[name])}\n`);
}
const base = results['ws-ws']?.seconds;
if (base) for (const r of Object.values(results)) r.vsWsWs = Number((r.seconds / base).toFixed(2));
const report = {
  bench: 'quic-relay',
  echoMB: Number(values.mb),
  relayQueueKiB: values['relay-queue'] ? Number(values['relay-queue']) : 512,
  mode: values.mode ?? 'fast',
  results,
  loadavg: {
    before: loadBefore.map((l) => Number(l.toFixed(2))),
    after: loadavg().map((l) => Number(l.toFixed(2))),
  },
  node: process.version,
};
await server.close();
const text = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, `${text}\n`);
console.log(text);
