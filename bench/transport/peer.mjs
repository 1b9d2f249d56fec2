// One end of a benchmark run, started inside a namespace by run.mjs:
//
//   node peer.mjs SYSTEM ROLE TEST HOST PORT SECONDS [RATE]
//
// SYSTEM: session-normal | session-fast | session-turbo | session-fast-fec (our encrypted KCP
// session over UDP; -fec adds adaptive Reed-Solomon FEC) or
// tcp (kernel TCP; kcptun is tcp through kcptun-client/-server). ROLE: server | client. TEST:
// goodput (client streams bulk data; the server counts bytes delivered in SECONDS after the first)
// or latency (client sends 1 KB messages at RATE per second stamped with CLOCK_MONOTONIC, shared by
// every namespace on this host; the server reports one-way latency percentiles). The server prints
// one JSON line with its measurement and CPU time, then exits.
import { createSocket } from 'node:dgram';
import { createServer, connect } from 'node:net';
import { createIdentity, PathSession, Session } from '../../packages/transport/dist/src/index.js';
import {
  monotonicClock,
  nodeAead,
  runPathSession,
  UdpPath,
} from '../../packages/transport/dist/src/node/index.js';

const [system, role, test, host, portText, secondsText, rateText] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText);
const rate = Number(rateText ?? 200);
const MESSAGE = 1024;
// KCP windows in segments: 1024 as kcptun here, unless PLTB_WINDOW says otherwise.
const WINDOW = Number(process.env.PLTB_WINDOW ?? 1024);
const nowNs = () => process.hrtime.bigint();

/** The receiving side's bookkeeping, shared by every system. */
function meter() {
  let first = 0n;
  let bytes = 0;
  const latencies = [];
  let pending = Buffer.alloc(0);
  const finish = () => {
    const cpu = process.cpuUsage();
    const result = { bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    if (test === 'goodput') result.mbit = (bytes * 8) / seconds / 1e6;
    else {
      latencies.sort((a, b) => a - b);
      const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
      Object.assign(result, {
        messages: latencies.length,
        p50ms: pct(50),
        p99ms: pct(99),
        maxMs: latencies.at(-1),
      });
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  };
  return {
    /** Bytes of the stream (goodput) or of back-to-back 1 KB messages (latency). */
    take(data) {
      const t = nowNs();
      if (first === 0n) {
        first = t;
        setTimeout(finish, seconds * 1000);
      }
      if (test === 'goodput') {
        bytes += data.length;
        return;
      }
      pending = pending.length ? Buffer.concat([pending, data]) : Buffer.from(data);
      while (pending.length >= MESSAGE) {
        const sent = pending.readBigUInt64LE(0);
        latencies.push(Number(t - sent) / 1e6);
        bytes += MESSAGE;
        pending = pending.subarray(MESSAGE);
      }
    },
  };
}

function stamped() {
  const m = Buffer.alloc(MESSAGE, 0x5a);
  m.writeBigUInt64LE(nowNs(), 0);
  return m;
}

/** Sends at `rate` messages per second, catching up after timer lateness so the rate holds. */
function steady(send) {
  const start = nowNs();
  let sent = 0;
  setInterval(() => {
    const due = Math.floor((Number(nowNs() - start) / 1e9) * rate);
    while (sent < due) {
      send(stamped());
      sent++;
    }
  }, 2);
}

async function runSession() {
  const [mode, fec] = system.replace('session-', '').split('-');
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise((resolve) =>
    socket.bind(role === 'server' ? port : 0, role === 'server' ? host : undefined, resolve),
  );
  const m = meter();
  const session = new Session({
    role: role === 'client' ? 'initiator' : 'responder',
    identity: createIdentity(),
    mode,
    fec: fec === 'fec' ? 'adaptive' : 'off',
    aead: nodeAead,
    sendWindow: WINDOW,
    receiveWindow: WINDOW,
  });
  let opened;
  const open = new Promise((resolve) => (opened = resolve));
  const ps = new PathSession(
    session,
    monotonicClock,
    (e) => {
      if (e.type === 'open') opened();
      else if (e.type === 'stream-data' || e.type === 'message') m.take(e.data);
      else if (e.type === 'error') throw e.error;
    },
    1200,
  );
  const attach = (address, remotePort) => {
    const path = new UdpPath(socket, { address, port: remotePort });
    ps.addPath(path);
    ps.select(path.id);
  };
  if (role === 'client') {
    attach(host, port);
    runPathSession(ps);
  } else {
    // The bench server learns its peer from the first datagram (the P2P engine knows it beforehand).
    socket.once('message', (bytes, rinfo) => {
      attach(rinfo.address, rinfo.port);
      runPathSession(ps);
      socket.emit('message', bytes, rinfo);
    });
    process.stdout.write('listening\n');
    return;
  }
  await open;
  if (test === 'latency') return steady((msg) => ps.sendMessage(msg));
  const stream = ps.openStream();
  const chunk = new Uint8Array(64 * 1024);
  const topUp = () => {
    while (session.pendingSegments < 2 * WINDOW) ps.writeStream(stream, chunk);
  };
  setInterval(topUp, 2);
}

async function runTcp() {
  const m = meter();
  if (role === 'server') {
    const server = createServer((sock) => {
      sock.setNoDelay(true);
      sock.on('data', (d) => m.take(d));
    });
    await new Promise((resolve) => server.listen(port, host, resolve));
    process.stdout.write('listening\n');
    return;
  }
  const sock = connect({ host, port });
  sock.setNoDelay(true);
  await new Promise((resolve) => sock.once('connect', resolve));
  if (test === 'latency') return steady((msg) => sock.write(msg));
  const chunk = Buffer.alloc(64 * 1024, 1);
  const pump = () => {
    while (sock.write(chunk));
  };
  sock.on('drain', pump);
  pump();
}

await (system === 'tcp' ? runTcp() : runSession());
