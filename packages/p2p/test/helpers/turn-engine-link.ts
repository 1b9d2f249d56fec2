// A TurnClient wired to peerlink's own sans-IO TURN engine in-process, on a fake clock: the client's
// datagrams go to the engine, the engine's answers come back, and what the engine relays to peers is
// collected. `lose` drops chosen datagrams on the way, to exercise retransmission.
import { createHash } from 'node:crypto';
import {
  PeerPolicy,
  TurnEngine,
  parseCidr,
  type TurnEngineOptions,
  type TurnEvent,
  type TurnOutput,
} from '@peerlink/turn-server';
import type { TransportAddress } from '@peerlink/wire';
import { TurnClient, type TurnClientEvent, type TurnClientOptions } from '../../src/index.js';

export const SERVER: TransportAddress = { family: 4, address: '192.0.2.10', port: 3478 };
export const CLIENT: TransportAddress = { family: 4, address: '203.0.113.7', port: 40000 };
/** A peer the engine's policy allows (198.51.100.0/24 is opened below). */
export const PEER: TransportAddress = { family: 4, address: '198.51.100.20', port: 5000 };

/** Deterministic random bytes: SHA-256 of a seed and a counter, so runs repeat exactly. */
export function hashRandom(seed: string): (n: number) => Uint8Array {
  let count = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      out.set(
        createHash('sha256')
          .update(`${seed}:${count++}`)
          .digest()
          .subarray(0, n - at),
        at,
      );
    }
    return out;
  };
}

export interface Relayed {
  readonly from: TransportAddress;
  readonly to: TransportAddress;
  readonly bytes: Uint8Array;
}

export class EngineLink {
  readonly engine: TurnEngine<string>;
  readonly client: TurnClient;
  readonly events: TurnClientEvent[] = [];
  readonly engineEvents: TurnEvent[] = [];
  readonly toPeer: Relayed[] = [];
  /** Every datagram the client sent, in order. */
  readonly sent: Uint8Array[] = [];
  now = 0;
  allocation: number | undefined;
  /** Return true to lose a datagram: `up` is client to server. */
  lose: (bytes: Uint8Array, direction: 'up' | 'down') => boolean = () => false;

  constructor(client: Partial<TurnClientOptions> = {}, engine: Partial<TurnEngineOptions> = {}) {
    this.engine = new TurnEngine<string>({
      relayIps: { 4: SERVER.address },
      users: new Map([['alice', 'wonderland']]),
      nonceKey: new Uint8Array(20).fill(7),
      random: hashRandom('engine'),
      peerPolicy: new PeerPolicy({ allow: [parseCidr('198.51.100.0/24')!] }),
      onEvent: (e) => this.engineEvents.push(e),
      ...engine,
    });
    this.client = new TurnClient({
      server: SERVER,
      username: 'alice',
      password: 'wonderland',
      random: hashRandom('client'),
      ...client,
    });
  }

  /** Starts the client and runs until nothing moves. */
  start(): this {
    this.client.start(this.now);
    this.flush();
    return this;
  }

  /** Carries datagrams both ways until both sides are quiet. */
  flush(): void {
    for (;;) {
      this.events.push(...this.client.takeEvents());
      const out = this.client.takeOutput();
      if (out.length === 0) return;
      for (const bytes of out) {
        this.sent.push(bytes);
        if (this.lose(bytes, 'up')) continue;
        const key = `udp|${CLIENT.address}:${CLIENT.port}`;
        this.#apply(
          this.engine.handleClient(bytes, { key, from: CLIENT, transport: 'udp', handle: 'c' }, this.now),
        );
      }
    }
  }

  #apply(outputs: TurnOutput<string>[]): void {
    for (const o of outputs) {
      if (o.type === 'to-client') {
        if (!this.lose(o.bytes, 'down')) this.client.handleDatagram(o.bytes, this.now);
      } else if (o.type === 'open-relays') {
        this.allocation = o.allocation;
        this.#apply(this.engine.relaysOpened(o.allocation, true, this.now));
      } else if (o.type === 'to-peer') {
        this.toPeer.push({ from: o.relay, to: o.to, bytes: o.bytes });
      }
    }
  }

  /** The peer sends `bytes` to the relayed address. */
  fromPeer(peer: TransportAddress, bytes: Uint8Array): void {
    if (this.allocation === undefined) throw new Error('no allocation');
    this.#apply(this.engine.handlePeer(this.allocation, peer, bytes, this.now));
    this.flush();
  }

  /** Moves the fake clock forward by `ms`, firing the client's timers and the engine's 1 s tick. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const timer = this.client.nextTimeout() ?? Infinity;
      const tick = Math.floor(this.now / 1000) * 1000 + 1000;
      const next = Math.min(timer, tick);
      if (next > target) break;
      this.now = Math.max(this.now, next);
      if (timer <= this.now) this.client.handleTimer(this.now);
      if (tick <= this.now) this.#apply(this.engine.tick(this.now));
      this.flush();
    }
    this.now = target;
  }

  /** Events of one type seen so far. */
  of<T extends TurnClientEvent['type']>(type: T): Extract<TurnClientEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<TurnClientEvent, { type: T }> => e.type === type);
  }

  /** How many requests of this method reached the engine. */
  requests(method: string): number {
    return this.engineEvents.filter((e) => e.type === 'request' && e.method === method).length;
  }

  responses(method: string, code: number): number {
    return this.engineEvents.filter((e) => e.type === 'response' && e.method === method && e.code === code)
      .length;
  }
}
