// KVS load generator: `channels` channels, each a master and `viewers` viewers. A viewer's round is
// an SDP_OFFER and `candidates` ICE_CANDIDATEs to its master; the master answers each offer with an
// SDP_ANSWER and as many candidates. Phases, each ended by a drain (no new rounds until every message
// sent has arrived, or `drain-seconds` pass):
//   warm-up      closed loop for 1 s, not measured;
//   saturation   closed loop (each viewer starts its next round when its last one is answered):
//                messages/s, and latency under saturation;
//   fixed        open loop at `rate` messages/s in all (rounds started on a steady clock, viewers in
//                turn): one-way latency p50/p99 at that offered load.
// It prints `mark PHASE start|end` around the measured phases (run.mjs reads server CPU there) and one
// JSON line. Every message is counted where it arrives; `lost` is what a drain did not see arrive,
// `misrouted` what arrived at a client it was not meant for.
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { masterId, payloadMaker, protocols, readPayload, viewerId } from './frames.mjs';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    urls: { type: 'string' },
    placement: { type: 'string', default: 'one' },
    channels: { type: 'string', default: '50' },
    viewers: { type: 'string', default: '10' },
    candidates: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '2000' },
    'offer-bytes': { type: 'string', default: '3000' },
    'answer-bytes': { type: 'string', default: '2000' },
    'candidate-bytes': { type: 'string', default: '160' },
    'drain-seconds': { type: 'string', default: '10' },
  },
});
const proto = protocols[values.kind];
const setup = JSON.parse(process.env.KVS_BENCH_SETUP ?? '{}');
const urls = values.urls.split(',');
const channels = Number(values.channels);
const viewersPer = Number(values.viewers);
const K = Number(values.candidates);
const seconds = Number(values.seconds);
const perRound = 2 * (K + 1);

/** Which node (index into urls) a master (v undefined) or viewer v of channel ch connects to. */
const placements = {
  one: () => 0,
  split: (_ch, v) => (v === undefined ? 0 : 1), // masters on node A, viewers on node B
  mixed: (ch, v) => (v === undefined ? ch : ch + v + 1) % urls.length, // half the viewers beside their master
};
const place = (ch, v) => placements[values.placement](ch, v) % urls.length;

const payload = {
  SDP_OFFER: payloadMaker('offer', Number(values['offer-bytes'])),
  SDP_ANSWER: payloadMaker('answer', Number(values['answer-bytes'])),
  ICE_CANDIDATE: payloadMaker('candidate', Number(values['candidate-bytes'])),
};

const open = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}: ${url}`)));
    ws.once('error', reject);
  });

async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

// ---- counters: what is sent, what arrives, and the latencies of the phase being measured ----
const count = { sent: 0, received: 0, misrouted: 0, statusResponses: 0 };
let phase = { name: 'connect', from: Infinity, latencies: [], received: 0 };
let closedLoop = false;
let drained; // resolves when received catches up with sent
const arrived = (p, me) => {
  count.received++;
  if (!p || p.to !== me) count.misrouted++;
  else if (p.t >= phase.from) {
    phase.received++;
    phase.latencies.push(performance.now() - p.t);
  }
  if (drained && count.received >= count.sent) drained();
};
const send = (ws, text) => {
  count.sent++;
  ws.send(text);
};

// ---- masters, then viewers (a viewer's frames must find its master registered) ----
const chs = Array.from({ length: channels }, (_, ch) => ch);
const masters = await inBatches(chs, 50, async (ch) => {
  const ws = await open(proto.masterUrl(urls[place(ch)], ch, setup));
  await proto.ready(ws);
  const me = masterId(ch);
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    const type = m.messageType ?? m.action;
    if (type === 'STATUS_RESPONSE') return void count.statusResponses++;
    arrived(readPayload(m.messagePayload), me);
    if (type !== 'SDP_OFFER') return;
    const to = m.senderClientId;
    const now = performance.now();
    send(ws, proto.fromMaster('SDP_ANSWER', to, payload.SDP_ANSWER(to, now)));
    for (let k = 0; k < K; k++)
      send(ws, proto.fromMaster('ICE_CANDIDATE', to, payload.ICE_CANDIDATE(to, now)));
  });
  return ws;
});
const pairs = chs.flatMap((ch) => Array.from({ length: viewersPer }, (_, v) => ({ ch, v })));
const viewers = await inBatches(pairs, 50, async ({ ch, v }) => {
  const viewer = {
    ws: await open(proto.viewerUrl(urls[place(ch, v)], ch, v, setup)),
    id: viewerId(ch, v),
    ch,
  };
  viewer.pending = 0;
  viewer.ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if ((m.messageType ?? m.action) === 'STATUS_RESPONSE') return void count.statusResponses++;
    arrived(readPayload(m.messagePayload), viewer.id);
    if (--viewer.pending === 0 && closedLoop) round(viewer);
  });
  return viewer;
});

/** A viewer's round: an offer and K candidates to its master, which answers with K + 1. */
function round(viewer) {
  const to = masterId(viewer.ch);
  const now = performance.now();
  viewer.pending += K + 1;
  send(viewer.ws, proto.fromViewer('SDP_OFFER', viewer.id, payload.SDP_OFFER(to, now)));
  for (let k = 0; k < K; k++)
    send(viewer.ws, proto.fromViewer('ICE_CANDIDATE', viewer.id, payload.ICE_CANDIDATE(to, now)));
}

/** Stops new rounds and waits for every message sent to arrive; returns how many did not in time. */
async function drain() {
  closedLoop = false;
  if (count.received < count.sent) {
    const timeout = new Promise((r) => setTimeout(r, Number(values['drain-seconds']) * 1000).unref());
    await Promise.race([new Promise((r) => (drained = r)), timeout]);
    drained = undefined;
  }
  const lost = count.sent - count.received;
  // Whatever is still out is written off, so a lost message does not stall its viewer's next phase.
  count.received = count.sent;
  for (const v of viewers) v.pending = 0;
  return lost;
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const pct = (xs, q) =>
  xs.length ? +xs[Math.min(xs.length - 1, Math.floor(q * xs.length))].toFixed(2) : null;

/** Runs one measured phase: `drive` starts rounds; returns messages/s and latencies in the window. */
async function measure(name, drive) {
  phase = { name, from: performance.now(), latencies: [], received: 0 };
  process.stdout.write(`mark ${name} start\n`);
  const stop = drive();
  await sleep(seconds);
  stop();
  const elapsed = (performance.now() - phase.from) / 1000;
  const received = phase.received;
  process.stdout.write(`mark ${name} end\n`);
  const lost = await drain();
  const lat = phase.latencies.sort((a, b) => a - b);
  return {
    messages: received,
    messagesPerSecond: Math.round(received / elapsed),
    latencyMs: { p50: pct(lat, 0.5), p99: pct(lat, 0.99) },
    lost,
  };
}

const closed = () => {
  closedLoop = true;
  for (const v of viewers) round(v);
  return () => (closedLoop = false);
};
closed();
await sleep(1); // warm-up, not measured
const warmupLost = await drain();
const saturation = await measure('saturation', closed);
const rate = Number(values.rate);
const fixed = await measure('fixed', () => {
  // Open loop: rounds start on the clock whether or not earlier ones are answered.
  const t0 = performance.now();
  let started = 0;
  let next = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * (rate / perRound));
    for (; started < due; started++) round(viewers[next++ % viewers.length]);
  }, 5);
  return () => clearInterval(timer);
});

process.stdout.write(
  JSON.stringify({
    kind: values.kind,
    placement: values.placement,
    channels,
    viewersPerChannel: viewersPer,
    connections: masters.length + viewers.length,
    messagesPerRound: perRound,
    saturation,
    fixed: { offeredPerSecond: rate, ...fixed },
    warmupLost,
    misrouted: count.misrouted,
    statusResponses: count.statusResponses,
  }) + '\n',
);
for (const ws of [...masters, ...viewers.map((v) => v.ws)]) ws.terminate();
process.exit(0);
