// Load generator: `pairs` pairs of peers ping-pong candidate messages through the server for
// `seconds` (routed messages per second, one-way latency), then relay 16 KiB frames (MB/s).
// Prints one JSON line. Run by run.mjs in its own process.
//
// With several server URLs (one per node), pair i's first peer goes to node i mod N and a fraction
// `split` of the pairs, spread evenly, put their second peer on the next node (cross-node pairs); the
// others keep both peers on one node. Relay is measured over node-local and cross-node pairs apart.
import { parseArgs } from 'node:util';
import { protocols } from './protocols.mjs';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    urls: { type: 'string' },
    split: { type: 'string', default: '0' },
    pairs: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '5' },
    'relay-seconds': { type: 'string', default: '3' },
    'relay-pairs': { type: 'string', default: '4' },
    secret: { type: 'string', default: '' },
  },
});
const proto = protocols[values.kind];
const pairs = Number(values.pairs);
const urls = values.urls.split(',');
const split = urls.length > 1 ? Number(values.split) : 0;

/** Pair i's nodes: first peer on i mod N; pairs are split in an even spread within each node's share. */
function placement(i) {
  const first = i % urls.length;
  const k = Math.floor(i / urls.length);
  const crosses = Math.floor((k + 1) * split) > Math.floor(k * split);
  return { first, second: crosses ? (first + 1) % urls.length : first, crosses };
}

async function inBatches(n, size, fn) {
  const out = [];
  for (let i = 0; i < n; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => fn(i + k)))));
  }
  return out;
}

const peers = await inBatches(pairs, 50, async (i) => {
  const { first, second, crosses } = placement(i);
  const a = await proto.connect(urls[first], `p${i}a`, values.secret);
  const b = await proto.connect(urls[second], `p${i}b`, values.secret);
  const session = await proto.pair(a, b, `p${i}b`);
  return { a, b, session, i, crosses };
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
process.stdout.write('mark routed start\n');
const t0 = performance.now();
await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
measuring = false;
process.stdout.write('mark routed end\n');
const elapsed = (performance.now() - t0) / 1000;
running = false;
latencies.sort((x, y) => x - y);
const pct = (q) => {
  const v = latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return v === undefined ? null : +v.toFixed(2);
};

// ---- relay throughput: node-local pairs, then cross-node pairs (when there are any) ----
/** MB that arrive, and MB/s, while the first `relay-pairs` of these pairs each stream 16 KiB frames
 * one way. The marks name the phase, for the server CPU it took. */
async function relay(phase, among) {
  if (!proto.relay || among.length === 0) return { MB: null, MBps: null };
  await new Promise((r) => setTimeout(r, 200));
  let bytes = 0;
  let relaying = true;
  const payload = Buffer.alloc(16 * 1024, 7);
  for (const p of among.slice(0, Number(values['relay-pairs']))) {
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
  process.stdout.write(`mark ${phase} start\n`);
  const r0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(values['relay-seconds']) * 1000));
  relaying = false;
  process.stdout.write(`mark ${phase} end\n`);
  const MB = bytes / 1e6;
  return { MB: +MB.toFixed(1), MBps: +(MB / ((performance.now() - r0) / 1000)).toFixed(1) };
}
const relayLocal = await relay(
  'relay',
  peers.filter((p) => !p.crosses),
);
const relayCross = await relay(
  'relayCrossNode',
  peers.filter((p) => p.crosses),
);

process.stdout.write(
  JSON.stringify({
    kind: values.kind,
    pairs,
    crossNodePairs: peers.filter((p) => p.crosses).length,
    routed,
    elapsedSeconds: +elapsed.toFixed(3),
    routedPerSecond: Math.round(routed / elapsed),
    latencyMs: { p50: pct(0.5), p99: pct(0.99) },
    relayMB: relayLocal.MB,
    relayMBps: relayLocal.MBps,
    relayCrossNodeMB: relayCross.MB,
    relayCrossNodeMBps: relayCross.MBps,
  }) + '\n',
);
for (const p of peers) {
  p.a.terminate();
  p.b.terminate();
}
process.exit(0);
