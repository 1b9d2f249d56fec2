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
import type { Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { formatIp, isChannelData, parseIp, type TransportAddress } from '@peerlink/wire';
import { TurnError, TurnErrorCode } from '../engine/errors.js';
import { TurnEngine } from '../engine/turn-engine.js';
import type { RelayedCounts, TurnEngineOptions, TurnOutput, TurnStats } from '../engine/turn-types.js';
import { chooseDataPath, type DataPath } from './native-addon.js';
import { NativeDataPath, type NativeCounters } from './native-data-path.js';
import { outSlab } from './out-slab.js';
import type { ClientHandle, HookClient, TurnHook } from './stun-listeners.js';
import { createUdpSocket } from './udp-socket.js';

type Send = ClientHandle;
type Relay = UdpSocket | Server;

/** How long a Connect may take before the client gets 447 (RFC 6062 §5.2 suggests at least 30 s). */
const CONNECT_TIMEOUT_MS = 30_000;

export interface NodeTurnOptions extends TurnEngineOptions {
  /** The clock; Date.now unless a test injects one. */
  readonly now?: () => number;
  /** Called when a relay socket reports an error (counted by the server). */
  readonly onSocketError?: (err: Error) => void;
  /**
   * Who relays ChannelData of UDP clients: `native` (the addon, native/turn_relay.c), `js` (this
   * file), or `auto`: native when the addon loaded. Unset: PEERLINK_TURN_DATA_PATH, else `auto`.
   * A bandwidth cap (`maxBytesPerSecond`) is only enforced in JavaScript: `auto` then means `js`.
   */
  readonly dataPath?: DataPath | undefined;
}

function listenRelay(relay: TransportAddress): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true, pauseOnConnect: true });
    server.once('error', reject);
    server.listen(
      { port: relay.port, host: relay.address, exclusive: true, ipv6Only: relay.family === 6 },
      () => {
        server.off('error', reject);
        resolve(server);
      },
    );
  });
}

const closeRelay = (r: Relay): void => void r.close();

/**
 * SO_RCVBUF and SO_SNDBUF of a relay socket: 1 MiB, so that a peer's burst waits in the kernel while
 * the event loop is busy rather than being dropped (the Linux default is 208 KiB). Memory is only
 * used by datagrams actually waiting.
 */
const RELAY_BUFFER_BYTES = 1 << 20;

function bindRelay(relay: TransportAddress): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createUdpSocket(relay.family, RELAY_BUFFER_BYTES, { ipv6Only: relay.family === 6 });
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
  readonly #sockets = new Map<number, Relay[]>();
  /** The UDP relay socket of each allocation by family, so `to-peer` needs no search per datagram. */
  readonly #udpRelays = new Map<number, { 4?: UdpSocket; 6?: UdpSocket }>();
  /** RFC 6062 peer connections, and the client data connections spliced to them. */
  readonly #peers = new Map<number, { peer: Socket; client?: Socket }>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #onSocketError: (err: Error) => void;
  /** RFC 6062 streams bypass the engine: their chunks are counted here (see `relayed`). */
  readonly #streamed: RelayedCounts = {
    'to-peer': { packets: 0, bytes: 0 },
    'to-client': { packets: 0, bytes: 0 },
  };
  #closed = false;
  /** The native data path, when it runs (see `dataPath`). */
  readonly #native: NativeDataPath | undefined;
  /** Which data path runs, and why `auto` did not choose the native one (a failed build). */
  readonly dataPath: 'native' | 'js';
  readonly dataPathReason: string | undefined;

  constructor(opts: NodeTurnOptions) {
    this.engine = new TurnEngine<Send>({ outAlloc: outSlab.alloc, ...opts });
    this.#now = opts.now ?? Date.now;
    this.#onSocketError = opts.onSocketError ?? (() => {});
    const capped = opts.maxBytesPerSecond !== undefined;
    if (capped && opts.dataPath === 'native') {
      throw new TurnError(TurnErrorCode.BadOption, 'the native TURN data path has no bandwidth cap');
    }
    const choice = chooseDataPath(capped ? 'js' : opts.dataPath);
    this.dataPath = choice.path;
    this.dataPathReason = choice.reason;
    this.#native =
      choice.addon &&
      new NativeDataPath(choice.addon, (id, address, port, bytes) =>
        this.#fromPeer(id, address, port, bytes),
      );
    this.hook = {
      handle: (bytes: Uint8Array, client: HookClient) => {
        this.#run(this.engine.handleClient(bytes, client, this.#now()));
        // A request may have changed permissions or channels: the addon relays by its copy.
        if (this.#native !== undefined && !isChannelData(bytes)) {
          const state = this.engine.dataPlane(client.key);
          if (state !== undefined) this.#native.sync(state, this.#now());
        }
      },
      channelData: (bytes: Uint8Array, client: HookClient) =>
        this.#run(this.engine.handleChannelData(bytes, client, this.#now())),
      closed: (key: string) => this.#run(this.engine.clientClosed(key)),
    };
    this.#timer = setInterval(() => {
      const now = this.#now();
      this.#native?.setNow(now);
      this.#run(this.engine.tick(now));
    }, 1000);
    this.#timer.unref();
  }

  stats(): TurnStats {
    return this.engine.stats();
  }

  /**
   * Packets and bytes relayed, each direction: the engine's datagrams plus RFC 6062 stream chunks.
   * Plain counters, read when asked (a metrics scrape), never an event per packet.
   */
  relayed(): RelayedCounts {
    const e = this.engine.relayed();
    const s = this.#streamed;
    const n = this.#native?.relayed();
    const sum = (d: 'to-peer' | 'to-client') => ({
      packets: e[d].packets + s[d].packets + (n?.[d].packets ?? 0),
      bytes: e[d].bytes + s[d].bytes + (n?.[d].bytes ?? 0),
    });
    return { 'to-peer': sum('to-peer'), 'to-client': sum('to-client') };
  }

  #run(outputs: TurnOutput<Send>[]): void {
    for (const o of outputs) {
      switch (o.type) {
        case 'to-client':
          o.handle.send(o.bytes);
          break;
        case 'to-peer': {
          // No send callback: one would cost a process.nextTick per datagram (udp-client.ts).
          if (this.#native?.send(o.allocation, o.bytes, o.to)) break;
          try {
            const sock = this.#udpRelays.get(o.allocation)?.[o.relay.family];
            if (sock !== undefined) {
              sock.send(o.bytes, o.to.port, o.to.address);
              // The bytes are slab memory (out-slab.ts): say whether the socket kept them for later.
              outSlab.sent(sock.getSendQueueCount() > 0);
            }
          } catch (err) {
            // dgram throws synchronously for some destinations; one datagram lost, not the server.
            this.#onSocketError(err as Error);
          }
          break;
        }
        case 'open-relays':
          void this.#open(o.allocation, o.relays, o.transport, o.handle);
          break;
        case 'close-relays':
          o.handle?.release?.();
          this.#native?.close(o.allocation);
          for (const s of this.#sockets.get(o.allocation) ?? []) closeRelay(s);
          this.#sockets.delete(o.allocation);
          this.#udpRelays.delete(o.allocation);
          break;
        case 'tcp-connect':
          this.#connect(o.connection, o.relay, o.to);
          break;
        case 'tcp-pipe':
          this.#splice(o.connection, o.handle);
          break;
        case 'tcp-close': {
          const p = this.#peers.get(o.connection);
          this.#peers.delete(o.connection);
          p?.peer.destroy();
          p?.client?.destroy();
          break;
        }
      }
    }
  }

  /** A peer data connection is ours once open: watch it close, keep it paused until spliced. */
  #adoptPeer(connection: number, peer: Socket): void {
    this.#peers.set(connection, { peer });
    peer.on('error', () => peer.destroy());
    peer.on('close', () => {
      if (this.#peers.has(connection)) this.#run(this.engine.tcpClosed(connection));
    });
  }

  #connect(connection: number, relay: TransportAddress, to: TransportAddress): void {
    // From the relay IP; the port is the kernel's: Node cannot share the listening port (no
    // SO_REUSEPORT), which RFC 6062 §5.2 would prefer.
    const peer = tcpConnect({ host: to.address, port: to.port, localAddress: relay.address, noDelay: true });
    peer.pause();
    const timer = setTimeout(() => peer.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    peer.once('connect', () => {
      clearTimeout(timer);
      this.#adoptPeer(connection, peer);
      this.#run(this.engine.tcpConnected(connection, true, this.#now()));
    });
    peer.once('error', () => {
      clearTimeout(timer);
      if (!this.#peers.has(connection)) this.#run(this.engine.tcpConnected(connection, false, this.#now()));
    });
  }

  #splice(connection: number, handle: ClientHandle): void {
    const entry = this.#peers.get(connection);
    const client = handle.detach?.();
    if (entry === undefined || client === undefined) {
      client?.destroy();
      this.#run(this.engine.tcpClosed(connection));
      return;
    }
    entry.client = client;
    client.on('close', () => {
      if (this.#peers.has(connection)) this.#run(this.engine.tcpClosed(connection));
    });
    // Byte streams bypass the engine, so count them here (read with the engine's by `relayed`).
    const count = (direction: 'to-peer' | 'to-client') => (chunk: Buffer) => {
      const c = this.#streamed[direction];
      c.packets++;
      c.bytes += chunk.length;
    };
    client.on('data', count('to-peer'));
    entry.peer.on('data', count('to-client'));
    client.pipe(entry.peer);
    entry.peer.pipe(client);
    entry.peer.resume();
  }

  #acceptPeers(id: number, server: Server): void {
    server.on('connection', (peer: Socket) => {
      const ip = parseIp(peer.remoteAddress ?? '');
      if (ip === undefined) return void peer.destroy();
      const from: TransportAddress = {
        family: ip.family,
        address: formatIp(ip.bytes),
        port: peer.remotePort ?? 0,
      };
      const arrived = this.engine.tcpPeerArrived(id, from, this.#now());
      if (arrived === undefined) return void peer.destroy();
      peer.setNoDelay(true);
      this.#adoptPeer(arrived.connection, peer);
      this.#run(arrived.out);
    });
  }

  async #open(
    id: number,
    relays: TransportAddress[],
    transport: 'udp' | 'tcp',
    handle: ClientHandle,
  ): Promise<void> {
    if (transport === 'udp' && this.#native !== undefined && handle.dedicateNative !== undefined) {
      // A UDP client's: the addon binds the relays (and the client's own socket) at once, no await.
      const ok = !this.#closed && this.#native.open(id, relays, handle);
      if (!this.#closed) this.#run(this.engine.relaysOpened(id, ok, this.#now()));
      return;
    }
    const bind = (r: TransportAddress): Promise<Relay> =>
      transport === 'tcp' ? listenRelay(r) : bindRelay(r);
    const results = await Promise.allSettled(relays.map(bind));
    const bound = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (this.#closed || bound.length < relays.length) {
      for (const s of bound) closeRelay(s);
      if (!this.#closed) this.#run(this.engine.relaysOpened(id, false, this.#now()));
      return;
    }
    this.#sockets.set(id, bound);
    if (transport === 'tcp') {
      for (const server of bound as Server[]) this.#acceptPeers(id, server);
      this.#run(this.engine.relaysOpened(id, true, this.#now()));
      return;
    }
    const byFamily: { 4?: UdpSocket; 6?: UdpSocket } = {};
    for (const [i, s] of (bound as UdpSocket[]).entries()) {
      byFamily[(relays[i] as TransportAddress).family] = s;
      s.on('error', (err) => this.#onSocketError(err));
      // The engine keys permissions by the canonical text of an IP; a relay mostly hears one peer,
      // so the last canonicalisation is remembered rather than parsed again for every datagram.
      let lastRaw = '';
      let last: { family: 4 | 6; address: string } | undefined;
      s.on('message', (msg, rinfo) => {
        if (rinfo.address !== lastRaw) {
          const ip = parseIp(rinfo.address);
          lastRaw = rinfo.address;
          last = ip && { family: ip.family, address: formatIp(ip.bytes) };
        }
        if (last === undefined) return;
        const from: TransportAddress = { family: last.family, address: last.address, port: rinfo.port };
        const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
        this.#run(this.engine.handlePeer(id, from, bytes, this.#now()));
      });
    }
    this.#udpRelays.set(id, byFamily);
    handle.dedicate?.();
    this.#run(this.engine.relaysOpened(id, true, this.#now()));
  }

  /** A peer's datagram the native path did not relay: the engine decides, as on the JS path. */
  #fromPeer(id: number, address: string, port: number, msg: Buffer): void {
    const ip = parseIp(address);
    if (ip === undefined) return;
    const from: TransportAddress = { family: ip.family, address: formatIp(ip.bytes), port };
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    this.#run(this.engine.handlePeer(id, from, bytes, this.#now()));
  }

  /** The native path's own counters (batches, datagrams handed to JavaScript, failed sends). */
  nativeCounters(): NativeCounters | undefined {
    return this.#native?.counters();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#native?.closeAll();
    const all = [...this.#sockets.values()].flat();
    this.#sockets.clear();
    this.#udpRelays.clear();
    for (const p of this.#peers.values()) {
      p.peer.destroy();
      p.client?.destroy();
    }
    this.#peers.clear();
    await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
