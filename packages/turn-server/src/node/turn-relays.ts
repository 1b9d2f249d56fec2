/**
 * Node adapter for the TURN engine: it owns the relay sockets (one UDP socket per relayed address,
 * in the configured port range), the one-second tick, and carries out the engine's outputs. Client
 * traffic arrives through the STUN listeners' `turn` hook (stun-listeners.ts), so TURN shares the
 * STUN port over UDP, TCP and TLS as RFC 8656 §3.1 expects.
 *
 * ```ts
 * const turn = new NodeTurnRelays({ relayIps: { 4: '192.0.2.10' }, secrets: ['s'] });
 * const stun = await startStunListeners({ address: '0.0.0.0', port: 3478, turn: turn.hook });
 * ```
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { formatIp, parseIp, type TransportAddress } from '@peerlink/wire';
import { TurnEngine } from '../engine/turn-engine.js';
import type { TurnEngineOptions, TurnOutput, TurnStats } from '../engine/turn-types.js';
import type { HookClient, TurnHook } from './stun-listeners.js';

type Send = (bytes: Uint8Array) => void;

export interface NodeTurnOptions extends TurnEngineOptions {
  /** The clock; Date.now unless a test injects one. */
  readonly now?: () => number;
  /** Called when a relay socket reports an error (counted by the server). */
  readonly onSocketError?: (err: Error) => void;
}

function bindRelay(relay: TransportAddress): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: relay.family === 6 ? 'udp6' : 'udp4', ipv6Only: relay.family === 6 });
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind({ port: relay.port, address: relay.address, exclusive: true }, () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}

export class NodeTurnRelays {
  readonly engine: TurnEngine<Send>;
  readonly hook: TurnHook;
  readonly #now: () => number;
  readonly #sockets = new Map<number, UdpSocket[]>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #onSocketError: (err: Error) => void;
  #closed = false;

  constructor(opts: NodeTurnOptions) {
    this.engine = new TurnEngine<Send>(opts);
    this.#now = opts.now ?? Date.now;
    this.#onSocketError = opts.onSocketError ?? (() => {});
    this.hook = {
      handle: (bytes: Uint8Array, client: HookClient) =>
        this.#run(this.engine.handleClient(bytes, client, this.#now())),
      closed: (key: string) => this.#run(this.engine.clientClosed(key)),
    };
    this.#timer = setInterval(() => this.#run(this.engine.tick(this.#now())), 1000);
    this.#timer.unref();
  }

  stats(): TurnStats {
    return this.engine.stats();
  }

  #run(outputs: TurnOutput<Send>[]): void {
    for (const o of outputs) {
      switch (o.type) {
        case 'to-client':
          o.handle(o.bytes);
          break;
        case 'to-peer': {
          const socket = this.#sockets
            .get(o.allocation)
            ?.find((s) => s.address().family === (o.relay.family === 6 ? 'IPv6' : 'IPv4'));
          socket?.send(o.bytes, o.to.port, o.to.address, (err) => {
            if (err) this.#onSocketError(err);
          });
          break;
        }
        case 'open-relays':
          void this.#open(o.allocation, o.relays);
          break;
        case 'close-relays':
          for (const s of this.#sockets.get(o.allocation) ?? []) s.close();
          this.#sockets.delete(o.allocation);
          break;
      }
    }
  }

  async #open(id: number, relays: TransportAddress[]): Promise<void> {
    const results = await Promise.allSettled(relays.map(bindRelay));
    const bound = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (this.#closed || bound.length < relays.length) {
      for (const s of bound) s.close();
      if (!this.#closed) this.#run(this.engine.relaysOpened(id, false, this.#now()));
      return;
    }
    this.#sockets.set(id, bound);
    for (const s of bound) {
      s.on('error', (err) => this.#onSocketError(err));
      s.on('message', (msg, rinfo) => {
        const ip = parseIp(rinfo.address);
        if (ip === undefined) return;
        const from: TransportAddress = { family: ip.family, address: formatIp(ip.bytes), port: rinfo.port };
        const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
        this.#run(this.engine.handlePeer(id, from, bytes, this.#now()));
      });
    }
    this.#run(this.engine.relaysOpened(id, true, this.#now()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const all = [...this.#sockets.values()].flat();
    this.#sockets.clear();
    await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
