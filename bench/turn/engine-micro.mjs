#!/usr/bin/env node
// bench/turn/engine-micro.mjs (issue #19): the TURN relay's JavaScript cost per echoed message, with
// no sockets: a ChannelData message from a client through the engine to a peer, and the peer's
// answer back to the client as ChannelData, over 50 allocations in turn (170-byte payloads).
// Two ways of driving the same engine, in the same run:
//   main: what main's adapter did per datagram: a new client object and 5-tuple key (UdpClient on
//         the shared port socket), `handleClient`, and the relayed packets and bytes counted in
//         prom-client counters from an event per packet (with --baseline, main's own engine);
//   new:  the fast path: the client object its own socket keeps, `handleChannelData`, outgoing
//         memory from the shared OutSlab, counters read once at the end (`relayed()`).
// The peer side (relay socket -> engine) makes one `from` per datagram in both, as the adapter does.
//
//   npm run build && node bench/turn/engine-micro.mjs [--messages N] [--baseline /path/to/checkout]
//
// --baseline: also run "main" on another built checkout's engine (e.g. a worktree of main), whose
// engine still emits the per-packet 'relayed' event. JSON on stdout: CPU microseconds per echoed
// message (user + system, best of --rounds; wall time beside it), and new / main.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);
const CLIENTS = 50;
const SIZE = 170;
const here = new URL('../../', import.meta.url).pathname;

async function load(root) {
  const at = (p) => import(new URL(p, `file://${root.replace(/\/?$/, '/')}`).href);
  const turn = await at('packages/turn-server/dist/src/index.js');
  const harness = await at('packages/turn-server/dist/test/helpers/engine-harness.js');
  const messages = await at('packages/turn-server/dist/test/helpers/turn-messages.js');
  const wire = await at('packages/wire/dist/src/index.js');
  let slab;
  try {
    slab = (await at('packages/turn-server/dist/src/node/out-slab.js')).outSlab;
  } catch {
    slab = undefined; // a checkout from before OutSlab
  }
  const { Counter, Registry } = createRequire(`${root}/package.json`)('prom-client');
  return { turn, harness, messages, wire, slab, Counter, Registry };
}

/** An engine with CLIENTS allocations, each with channel 0x4000 bound to the same peer. */
function setup(lib, opts) {
  const { turn, harness, messages, wire } = lib;
  const engine = new turn.TurnEngine({
    relayIps: { 4: '192.0.2.10' },
    users: new Map([['alice', 'wonderland']]),
    nonceKey: new Uint8Array(20).fill(7),
    peerPolicy: new turn.PeerPolicy({ allow: [turn.parseCidr('198.51.100.0/24')] }),
    totalQuota: 1000,
    ...opts,
  });
  const peer = { family: 4, address: '198.51.100.1', port: 5000 };
  const now = Date.now();
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const port = 40000 + i;
    const c = {
      key: `udp|primary/primary|203.0.113.7|${port}`,
      from: { family: 4, address: '203.0.113.7', port },
      transport: 'udp',
      handle: `client-${port}`,
    };
    const { id, creds } = harness.allocated(engine, c, now);
    const tid = wire.newTransactionId();
    const attrs = [
      { type: wire.StunAttr.ChannelNumber, value: wire.encodeChannelNumber(0x4000) },
      messages.peerAttr(peer, tid),
    ];
    const out = engine.handleClient(messages.request(wire.StunMethod.ChannelBind, attrs, creds, tid), c, now);
    if (messages.codeOf(messages.decode(out[0].bytes)) !== 0) throw new Error('ChannelBind failed');
    clients.push({ id, client: c, port });
  }
  return { engine, clients, peer };
}

function payloads(wire) {
  const data = new Uint8Array(SIZE).fill(0x5a);
  return { fromClient: wire.encodeChannelData(0x4000, data), fromPeer: data };
}

/** One echoed message per iteration; returns microseconds per message and a check count. */
function run(lib, mode) {
  const registry = new lib.Registry();
  const packets = new lib.Counter({ name: 'p', help: 'p', labelNames: ['direction'], registers: [registry] });
  const bytes = new lib.Counter({ name: 'b', help: 'b', labelNames: ['direction'], registers: [registry] });
  const bound = {
    'to-peer': {
      packets: packets.labels({ direction: 'to-peer' }),
      bytes: bytes.labels({ direction: 'to-peer' }),
    },
    'to-client': {
      packets: packets.labels({ direction: 'to-client' }),
      bytes: bytes.labels({ direction: 'to-client' }),
    },
  };
  const onEvent = (e) => {
    if (e.type !== 'relayed') return;
    bound[e.direction].packets.inc();
    bound[e.direction].bytes.inc(e.bytes);
  };
  const isNew = mode === 'new';
  const slab = lib.slab;
  const { engine, clients, peer } = setup(lib, isNew ? { outAlloc: slab.alloc } : { onEvent });
  const { fromClient, fromPeer } = payloads(lib.wire);
  let delivered = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) {
    const c = clients[i % CLIENTS];
    const now = Date.now();
    let out;
    if (isNew) {
      out = engine.handleChannelData(fromClient, c.client, now);
    } else {
      const client = {
        key: `udp|primary/primary|203.0.113.7|${c.port}`,
        from: { family: 4, address: '203.0.113.7', port: c.port },
        transport: 'udp',
        handle: c.client.handle,
      };
      out = engine.handleClient(fromClient, client, now);
    }
    for (const o of out) if (o.type === 'to-peer' && isNew) slab.sent(false);
    const from = { family: 4, address: peer.address, port: peer.port };
    for (const o of engine.handlePeer(c.id, from, fromPeer, now)) {
      if (o.type === 'to-client' && o.bytes.length === SIZE + 4) delivered++;
      if (isNew) slab.sent(false);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  if (delivered !== MESSAGES) throw new Error(`${mode}: ${delivered} of ${MESSAGES} echoed`);
  const relayed = isNew ? engine.relayed() : undefined;
  if (relayed !== undefined && relayed['to-client'].packets !== MESSAGES) throw new Error('miscounted');
  // CPU time, not wall time: on a shared machine the process is often descheduled mid-run.
  return {
    cpu: Math.round(((cpu.user + cpu.system) * 1000) / MESSAGES) / 1000,
    wall: Math.round(ns / MESSAGES) / 1000,
  };
}

function best(lib, mode) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(run(lib, mode));
  return {
    usPerMessage: Math.min(...runs.map((r) => r.cpu)),
    cpuRuns: runs.map((r) => r.cpu),
    wallRuns: runs.map((r) => r.wall),
  };
}

const current = await load(here);
const result = {
  messages: MESSAGES,
  clients: CLIENTS,
  payloadBytes: SIZE,
  node: process.version,
  loadavg: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10),
  main: best(current, 'main'),
  new: best(current, 'new'),
};
if (values.baseline !== undefined) result.baselineMain = best(await load(values.baseline), 'main');
const reference = result.baselineMain ?? result.main;
result.ratioNewToMain = Math.round((result.new.usPerMessage / reference.usPerMessage) * 100) / 100;
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
