// Two PunchEngines behind simulated NATs on fake time, wired the way the SDK's adapter wires them
// (client/src/direct): shared by the simulator tests of hole punching.
import {
  BirthdayLock,
  PRIMARY_VIA,
  PunchEngine,
  natHintOf,
  type Candidate,
  type DatagramSocket,
  type Endpoint,
  type PunchAction,
  type PunchOptions,
  type Via,
} from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import {
  FakeClock,
  SeededRandom,
  SimNetwork,
  addSimSite,
  type PresetName,
  type SimHost,
} from '../src/index.js';

const REFLECTORS: Endpoint[] = [
  { address: '203.0.113.10', port: 3478 },
  { address: '203.0.113.11', port: 3478 },
  { address: '203.0.113.11', port: 3479 },
  { address: '203.0.113.10', port: 3479 },
];
const ta = (e: Endpoint): TransportAddress => ({ family: 4, address: e.address, port: e.port });

export interface Peer {
  engine: PunchEngine;
  host: SimHost;
  sockets: Map<Via, DatagramSocket>;
  /** The ranging sockets (the engine's `range`), while open. */
  range: DatagramSocket[];
  selected: { to: Endpoint; via: Via; at: number } | undefined;
  events: PunchAction['type'][];
  sent: number;
}

export interface RunOptions {
  /** Engine options beyond initiator, lock and random (timing, birthday budget). */
  readonly engine?: Partial<PunchOptions>;
  /** When each side's candidates reach the other, ms after the start: [at A, at B] (default [30, 60]). */
  readonly signalAt?: readonly [number, number];
  /** How long a later signal (`direct-opened`) takes to reach A and to reach B, ms (default [30, 30]). */
  readonly signalDelayMs?: readonly [number, number];
}

/** Two peers: gather (what the reflectors see), exchange candidates, run until both select or `ms` pass. */
export function run(
  hostA: SimHost,
  hostB: SimHost,
  clock: FakeClock,
  net: SimNetwork,
  ms: number,
  seed: number,
  opts: RunOptions = {},
) {
  // The reflectors answer with the address they saw, as STUN would.
  const refl = REFLECTORS.map((r) => {
    const host = reflectorHost(net, r.address);
    const s = host.bind(r.port);
    s.onMessage((bytes, from) =>
      s.send(
        new TextEncoder().encode(`${from.address}:${from.port}|${new TextDecoder().decode(bytes)}`),
        from,
      ),
    );
    return s;
  });
  const peers: Peer[] = [hostA, hostB].map((host, i) => {
    const lock = new BirthdayLock();
    const rng = new SeededRandom(seed * 31 + i);
    const random = (): number => rng.next();
    return {
      engine: new PunchEngine({ ...opts.engine, initiator: i === 0, lock, random }),
      host,
      sockets: new Map([[PRIMARY_VIA, host.bind(40000 + i)]]),
      range: [],
      selected: undefined,
      events: [],
      sent: 0,
    };
  });
  // Gathering on the primary socket.
  const mapped: (Endpoint | null)[][] = [
    [null, null, null, null],
    [null, null, null, null],
  ];
  peers.forEach((p, i) => {
    const s = p.sockets.get(PRIMARY_VIA)!;
    s.onMessage((bytes) => {
      const [addr, idx] = new TextDecoder().decode(bytes).split('|');
      const [a, port] = addr!.split(':');
      mapped[i]![Number(idx)] = { address: a!, port: Number(port) };
    });
    REFLECTORS.forEach((r, k) => s.send(new TextEncoder().encode(String(k)), ta(r)));
  });
  clock.advance(50);
  for (const r of refl) r.close();
  const candidates: Candidate[][] = peers.map((p, i) => {
    const srflx = mapped[i]![0];
    return [
      { type: 'host', address: p.host.address, port: p.sockets.get(PRIMARY_VIA)!.local().port },
      ...(srflx ? [{ type: 'srflx' as const, ...srflx }] : []),
    ];
  });
  const hints = peers.map((p, i) => natHintOf(p.sockets.get(PRIMARY_VIA)!.local().port, mapped[i]!));
  const start = clock.now();
  // Signals in flight through the server: `direct-opened` reaches the other peer after a delay.
  const inFlight: { at: number; to: number; rungs: number }[] = [];
  const [toA, toB] = opts.signalDelayMs ?? [30, 30];
  const flush = (p: Peer): void => {
    for (const a of p.engine.takeActions()) {
      p.events.push(a.type);
      if (a.type === 'opened') {
        const to = peers.indexOf(p) === 0 ? 1 : 0;
        inFlight.push({ at: clock.now() + (to === 0 ? toA : toB), to, rungs: a.rungs.length });
      }
      if (a.type === 'ping' || a.type === 'pong') {
        const s = p.sockets.get(a.via);
        const body =
          a.type === 'ping' ? new Uint8Array([1, ...new Uint8Array(8)]) : new Uint8Array([2, ...a.txid]);
        s?.send(body, ta(a.to), a.type === 'ping' ? a.ttl : undefined);
        p.sent++;
      } else if (a.type === 'range') {
        for (const ttl of a.ttls) {
          const s = p.host.bind();
          s.onRefused(() => p.engine.rangeRefused(ttl));
          s.send(new Uint8Array([0]), ta(a.to), ttl);
          p.range.push(s);
        }
      } else if (a.type === 'range-done') {
        for (const s of p.range.splice(0)) s.close();
      } else if (a.type === 'open-sockets') {
        const vias: Via[] = [];
        for (let k = 1; k <= a.count; k++) {
          const s = p.host.bind();
          listen(p, s, k);
          p.sockets.set(k, s);
          vias.push(k);
        }
        p.engine.socketsOpened(vias, clock.now());
      } else if (a.type === 'close-sockets') {
        for (const [via, s] of p.sockets) {
          if (via === PRIMARY_VIA || via === a.keep) continue;
          s.close();
          p.sockets.delete(via);
        }
      } else if (a.type === 'select') p.selected = { to: a.to, via: a.via, at: clock.now() - start };
      else if (a.type === 'unselect') p.selected = undefined;
    }
  };
  const listen = (p: Peer, s: DatagramSocket, via: Via): void =>
    s.onMessage((bytes, from) => {
      const e = { address: from.address, port: from.port };
      if (bytes[0] === 1) p.engine.onPing(e, via, bytes.slice(1, 9), clock.now());
      else if (bytes[0] === 2) p.engine.onPong(e, via, clock.now());
      flush(p);
    });
  peers.forEach((p) => listen(p, p.sockets.get(PRIMARY_VIA)!, PRIMARY_VIA));
  peers[0]!.engine.setSignalingRtt(60);
  // The signaling server vouches for each peer's public IP (what it sees the peer's signaling from).
  peers.forEach((p, i) => {
    p.engine.vouch(hints[1 - i]!.publicIp ?? '', clock.now());
    flush(p);
  });
  peers.forEach((p, i) => p.engine.setLocal(candidates[i]!, hints[i]!, clock.now()));
  // B's candidates reach A after 30 ms, A's reach B after 60 ms (A learns the RTT, 60, from the
  // answer); `signalAt` skews that, as a real network's uneven signaling paths do.
  const [atA, atB] = opts.signalAt ?? [30, 60];
  for (const i of atA <= atB ? [0, 1] : [1, 0]) {
    clock.advance(Math.max(0, (i === 0 ? atA : atB) - (clock.now() - start)));
    peers[i]!.engine.setRemote(candidates[1 - i]!, hints[1 - i]!, 0, clock.now());
    flush(peers[i]!);
  }
  while (clock.now() - start < ms && !(peers[0]!.selected && peers[1]!.selected)) {
    clock.advance(5);
    for (const m of inFlight.filter((x) => x.at <= clock.now())) {
      inFlight.splice(inFlight.indexOf(m), 1);
      peers[m.to]!.engine.peerOpened(m.rungs, 0, clock.now());
    }
    for (const p of peers) {
      const due = p.engine.nextTimeout();
      if (due !== undefined && due <= clock.now()) p.engine.handleTimer(clock.now());
      flush(p);
    }
  }
  return { peers, hints };
}

const reflectors = new WeakMap<SimNetwork, Map<string, SimHost>>();
export function reflectorHost(net: SimNetwork, address: string): SimHost {
  const cache = reflectors.get(net) ?? new Map<string, SimHost>();
  reflectors.set(net, cache);
  let h = cache.get(address);
  if (!h) cache.set(address, (h = net.addHost({ address, delayMs: 1 })));
  return h;
}

/** Two sites of these presets, 12 ms access links, one peer on each. */
export function pair(a: PresetName, b: PresetName, ms = 20_000, seed = 11, opts: RunOptions = {}) {
  const clock = new FakeClock();
  const net = new SimNetwork({ clock, seed });
  const sa = addSimSite(net, a, { index: 1, delayMs: 12 });
  const sb = addSimSite(net, b, { index: 2, delayMs: 12 });
  return { ...run(sa.hosts[0]!, sb.hosts[0]!, clock, net, ms, seed, opts), sites: [sa, sb] as const, net };
}
