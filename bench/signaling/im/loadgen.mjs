// The IM scenario's load generator: `pairs` caller and callee devices on /im (callers on the first
// URL, callees on the last: with two nodes every call crosses them). A call is the seed's messages:
// call.offer -> (callee) call.answer -> (caller) call.status connected -> the callee sees connected
// (set-up done) -> call.end user_hangup -> the callee sees the end (the pair is free again).
// Two phases, each between `mark PHASE start|end` lines for the CPU sampler:
//   saturation: every pair calls again as soon as its last call ended (calls per second, CPU per call);
//   fixed:      calls offered at --rate per second on free pairs (p50/p99 set-up at that rate).
// Prints one JSON line.
import { parseArgs } from 'node:util';
import { seed003 } from '@peerlink/testing';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    urls: { type: 'string' },
    pairs: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '50' },
    secret: { type: 'string' },
  },
});
const urls = values.urls.split(',');
const pairs = Number(values.pairs);
const seconds = Number(values.seconds);
const key = new TextEncoder().encode(values.secret);
const payload = (text) => JSON.parse(text).payload;
const OFFER = payload(seed003.SEED_003_OFFER);
const ANSWER = payload(seed003.SEED_003_ANSWER);
const frame = (type, p) => JSON.stringify({ type, payload: p, timestamp: new Date().toISOString() });

async function device(url, user) {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setExpirationTime('1h')
    .sign(key);
  const ws = new WebSocket(`${url}/im?token=${token}`);
  await new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', function first(d) {
      if (JSON.parse(String(d)).type !== 'auth.ok') return;
      ws.off('message', first);
      resolve();
    });
  });
  return ws;
}

const stats = { errors: 0, unexpectedEnds: 0, timedOut: 0, firstErrors: [] };
/** A call not over after this long is counted and given up (the pair calls again). */
const CALL_TIMEOUT_MS = 10_000;
const error = (f) => {
  stats.errors++;
  if (stats.firstErrors.length < 5) stats.firstErrors.push(f.payload);
};
let seq = 0;

/** One pair: `call()` resolves with the set-up time in ms once the call has ended and the pair is free. */
async function pair(i) {
  const [caller, callee] = await Promise.all([device(urls[0], `c${i}`), device(urls.at(-1), `e${i}`)]);
  let current;
  caller.on('message', (d) => {
    const f = JSON.parse(String(d));
    if (f.type === 'call.error') error(f);
    if (f.type === 'call.end' && current) {
      stats.unexpectedEnds++;
      current.done(undefined);
    }
    if (f.type !== 'call.answer' || f.payload.call_id !== current?.id) return;
    caller.send(frame('call.status', { call_id: current.id, status: 'connected' }));
  });
  callee.on('message', (d) => {
    const f = JSON.parse(String(d));
    if (f.type === 'call.error') error(f);
    if (!current || f.payload.call_id !== current.id) return;
    const parties = { call_id: current.id, from_user: `e${i}`, to_user: `c${i}` };
    if (f.type === 'call.offer') callee.send(frame('call.answer', { ...ANSWER, ...parties }));
    else if (f.type === 'call.status' && f.payload.status === 'connected') {
      current.setupMs = performance.now() - current.t0;
      caller.send(
        frame('call.end', {
          call_id: current.id,
          from_user: `c${i}`,
          to_user: `e${i}`,
          reason: 'user_hangup',
        }),
      );
    } else if (f.type === 'call.end') current.done(current.setupMs);
  });
  return {
    busy: () => current !== undefined,
    call: () =>
      new Promise((resolve) => {
        const id = `bench_${i}_${seq++}`;
        const timer = setTimeout(() => {
          stats.timedOut++;
          current?.done(undefined);
        }, CALL_TIMEOUT_MS);
        current = {
          id,
          t0: performance.now(),
          done: (ms) => {
            clearTimeout(timer);
            current = undefined;
            resolve(ms);
          },
        };
        caller.send(frame('call.offer', { ...OFFER, call_id: id, from_user: `c${i}`, to_user: `e${i}` }));
      }),
    close: () => {
      caller.terminate();
      callee.terminate();
    },
  };
}

const percentile = (xs, p) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2);
};
const summary = (setups, ms) => ({
  calls: setups.length,
  callsPerSecond: +((setups.length / ms) * 1000).toFixed(1),
  setupMs: { p50: percentile(setups, 50), p99: percentile(setups, 99), max: percentile(setups, 100) },
});

const all = [];
for (let i = 0; i < pairs; i += 50) {
  const batch = Array.from({ length: Math.min(50, pairs - i) }, (_, k) => pair(i + k));
  all.push(...(await Promise.all(batch)));
}

// Saturation: closed loop, every pair busy all the time.
const setups = [];
let stop = false;
console.log('mark saturation start');
let t = performance.now();
setTimeout(() => (stop = true), seconds * 1000);
await Promise.all(
  all.map(async (p) => {
    while (!stop) {
      const ms = await p.call();
      if (ms !== undefined) setups.push(ms);
    }
  }),
);
const saturation = summary(setups, performance.now() - t);
console.log('mark saturation end');

// Fixed rate: one call every 1/rate s on a free pair; none free is a call not offered (counted).
const rate = Number(values.rate);
const fixedSetups = [];
let notOffered = 0;
const inFlight = [];
console.log('mark fixed start');
t = performance.now();
for (let n = 0; performance.now() - t < seconds * 1000; n++) {
  const due = t + (n * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const free = all.find((p) => !p.busy());
  if (!free) notOffered++;
  else inFlight.push(free.call().then((ms) => ms !== undefined && fixedSetups.push(ms)));
}
await Promise.all(inFlight);
const fixed = { offeredPerSecond: rate, notOffered, ...summary(fixedSetups, performance.now() - t) };
console.log('mark fixed end');
for (const p of all) p.close();
console.log(JSON.stringify({ pairs, seconds, saturation, fixed, ...stats }));
