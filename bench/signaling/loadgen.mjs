// Load generator: `pairs` pairs of peers ping-pong candidate messages through the server for
// `seconds` (routed messages per second, one-way latency), then relay 16 KiB frames (MB/s).
// Prints one JSON line. Run by run.mjs in its own process.
import { parseArgs } from 'node:util';
import { protocols } from './protocols.mjs';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    url: { type: 'string' },
    pairs: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '5' },
    'relay-seconds': { type: 'string', default: '3' },
    'relay-pairs': { type: 'string', default: '4' },
    secret: { type: 'string', default: '' },
  },
});
const proto = protocols[values.kind];
const pairs = Number(values.pairs);

async function inBatches(n, size, fn) {
  const out = [];
  for (let i = 0; i < n; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => fn(i + k)))));
  }
  return out;
}

const peers = await inBatches(pairs, 50, async (i) => {
  const a = await proto.connect(values.url, `p${i}a`, values.secret);
  const b = await proto.connect(values.url, `p${i}b`, values.secret);
  const session = await proto.pair(a, b, `p${i}b`);
  return { a, b, session, i };
});

// ---- routed messages: each pair ping-pongs one message at a time ----
const latencies = [];
let routed = 0;
let measuring = false;
let running = true;
for (const p of peers) {
  const bounce = (from, to, dst) => {
    from.on('message', (data, isBinary) => {
      if (isBinary) return;
      const payload = proto.read(JSON.parse(data.toString()));
      if (payload === undefined) return;
      if (measuring) {
        routed++;
        latencies.push(performance.now() - payload.t);
      }
      if (running) to.send(proto.candidate(p.session, dst, { t: performance.now() }));
    });
  };
  bounce(p.b, p.b, `p${p.i}a`);
  bounce(p.a, p.a, `p${p.i}b`);
}
for (const p of peers) p.a.send(proto.candidate(p.session, `p${p.i}b`, { t: performance.now() }));
await new Promise((r) => setTimeout(r, 1000)); // warm-up, not measured
measuring = true;
process.stdout.write('mark start\n');
const t0 = performance.now();
await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
measuring = false;
process.stdout.write('mark end\n');
const elapsed = (performance.now() - t0) / 1000;
running = false;
latencies.sort((x, y) => x - y);
const pct = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? null;

// ---- relay throughput ----
let relayMBps = null;
if (proto.relay) {
  await new Promise((r) => setTimeout(r, 200));
  const relayPairs = peers.slice(0, Number(values['relay-pairs']));
  let bytes = 0;
  let relaying = true;
  const payload = Buffer.alloc(16 * 1024, 7);
  for (const p of relayPairs) {
    p.b.on('message', (data, isBinary) => {
      if (isBinary && relaying) bytes += data.length;
    });
    const frame = proto.frame(p.session, payload);
    const pump = () => {
      while (relaying && p.a.bufferedAmount < 1 << 20) p.a.send(frame);
      if (relaying) setImmediate(pump);
    };
    pump();
  }
  const r0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(values['relay-seconds']) * 1000));
  relaying = false;
  relayMBps = bytes / ((performance.now() - r0) / 1000) / 1e6;
}

process.stdout.write(
  JSON.stringify({
    kind: values.kind,
    pairs,
    routedPerSecond: Math.round(routed / elapsed),
    latencyMs: { p50: pct(0.5), p99: pct(0.99) },
    relayMBps,
  }) + '\n',
);
for (const p of peers) {
  p.a.terminate();
  p.b.terminate();
}
process.exit(0);
