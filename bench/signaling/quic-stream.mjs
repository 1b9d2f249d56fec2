#!/usr/bin/env node
// bench/signaling/quic-stream.mjs: one @matrixai/quic stream on loopback, the library as it ships
// (the named peer, `stock`) against the same with peerlink's coalesced recv/send (`fast`,
// installQuicFastPath, docs/quic-signaling.md "The library's cost per packet"). A client writes
// --mb MB on one bidirectional stream to a server in the same process, which reads it all. Each
// variant runs in its own child process (the patch is per process), stock first. Per variant: the
// seconds and CPU seconds (both ends) until the server has read everything, and quiche's counters
// of the client's connection: packets sent and received (the server's ACKs), lost, RTT and
// congestion window at the end. Both ends ask for a 4 MiB socket receive buffer, as peerlink does.
// Prints JSON with the ratios fast / stock and the load average. Build first (`npx tsc -b`).
//
//   node bench/signaling/quic-stream.mjs [--mb 4] [--out FILE]
import { execFileSync } from 'node:child_process';
import { createHmac, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '4' }, variant: { type: 'string' }, out: { type: 'string' } },
});

if (values.variant) {
  console.log(JSON.stringify(await measure(values.variant === 'fast', Number(values.mb))));
} else {
  const load = loadavg();
  const run = (variant) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--variant', variant, '--mb', values.mb],
        {
          encoding: 'utf8',
        },
      ),
    );
  const stock = run('stock');
  const fast = run('fast');
  const report = {
    bench: 'quic-stream',
    mb: Number(values.mb),
    stock,
    fast,
    fastOverStock: {
      seconds: Number((fast.seconds / stock.seconds).toFixed(2)),
      cpuSeconds: Number((fast.cpuSeconds / stock.cpuSeconds).toFixed(2)),
    },
    loadavg: {
      before: load.map((l) => Number(l.toFixed(2))),
      after: loadavg().map((l) => Number(l.toFixed(2))),
    },
    node: process.version,
  };
  const text = JSON.stringify(report, null, 2);
  if (values.out) writeFileSync(values.out, `${text}\n`);
  console.log(text);
}

async function measure(fast, mb) {
  const { default: Logger, LogLevel } = await import('@matrixai/logger');
  const { QUICClient, QUICServer, events } = await import('@matrixai/quic');
  if (fast) (await import('@peerlink/signaling')).installQuicFastPath();
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'quic-stream bench' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  const { cert, private: key } = pems;
  const hmac = (k, d) => createHmac('sha256', Buffer.from(k)).update(Buffer.from(d)).digest();
  const config = { verifyPeer: false, readableChunkSize: 64 * 1024 };
  const server = new QUICServer({
    crypto: {
      key: webcrypto.getRandomValues(new Uint8Array(32)).buffer,
      ops: {
        sign: async (k, d) => new Uint8Array(hmac(k, d)).buffer,
        verify: async (k, d, sig) => Buffer.compare(hmac(k, d), Buffer.from(sig)) === 0,
      },
    },
    config: { ...config, cert, key },
    logger: new Logger('server', LogLevel.SILENT),
  });
  const total = mb * 1024 * 1024;
  let done;
  const readAll = new Promise((resolve) => (done = resolve));
  server.addEventListener(events.EventQUICServerConnection.name, (e) => {
    e.detail.addEventListener(events.EventQUICConnectionStream.name, async (se) => {
      const reader = se.detail.readable.getReader();
      let n = 0;
      while (n < total) {
        const { value, done: end } = await reader.read();
        if (end) break;
        n += value.length;
      }
      done(n);
    });
  });
  await server.start({ host: '127.0.0.1', port: 0 });
  server.socket.socket.setRecvBufferSize(4 * 1024 * 1024);
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port: server.port,
    crypto: { ops: { randomBytes: async (b) => void webcrypto.getRandomValues(new Uint8Array(b)) } },
    config,
    logger: new Logger('client', LogLevel.SILENT),
  });
  client.socket.socket.setRecvBufferSize(4 * 1024 * 1024);
  const writer = client.connection.newStream('bidi').writable.getWriter();
  writer.closed.catch(() => {});
  const chunk = new Uint8Array(16 * 1024);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let sent = 0; sent < total; sent += chunk.length) await writer.write(chunk);
  const got = await readAll;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const quiche = client.connection.conn;
  const stats = quiche.stats();
  const path = [...quiche.pathStats()][0];
  await client.destroy({ force: true });
  await server.stop({ force: true });
  if (got !== total) throw new Error(`read ${got} of ${total} bytes`);
  return {
    seconds: Number(seconds.toFixed(2)),
    mbPerSecond: Number((mb / seconds).toFixed(2)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    packetsSent: stats.sent,
    packetsReceived: stats.recv,
    lost: stats.lost,
    rttMs: path?.rtt,
    cwndBytes: path?.cwnd,
  };
}
