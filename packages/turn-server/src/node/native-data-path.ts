/**
 * The native data path as the TURN adapter (turn-relays.ts) uses it: for each UDP allocation of a
 * UDP client, the addon (native/turn_relay.c) binds the relay socket and the client's own socket
 * and relays ChannelData between them in C. This class keeps the addon's copy of each allocation's
 * permissions and channels equal to the engine's (`sync` after every request), and hands back
 * what the addon did not relay: a client's STUN requests and refused ChannelData to the client
 * object, a peer's datagrams to the adapter's usual peer path, where the engine answers or drops
 * and counts them exactly as on the TypeScript path.
 *
 * Several TURN servers may share a process (tests do): allocation numbers are each engine's own,
 * so the addon sees process-wide numbers, and each server's counters are a group of their own.
 */
import type { RelayedCounts, TurnDataPlane } from '../engine/turn-types.js';
import type { TransportAddress } from '@peerlink/wire';
import { NATIVE_COUNTERS, type TurnRelayAddon } from './native-addon.js';
import type { ClientHandle } from './stun-listeners.js';

/** Counters of the native path (see NATIVE_COUNTERS), by name. */
export type NativeCounters = Record<(typeof NATIVE_COUNTERS)[number], number>;

interface Owner {
  readonly path: NativeDataPath;
  readonly allocation: number;
  readonly handle: ClientHandle;
}

/** Process-wide: the addon has one callback and one numbering of allocations. */
const owners = new Map<number, Owner>();
let nextNativeId = 1;
const groupsInUse = new Set<number>();
let initialised: TurnRelayAddon | undefined;

function dispatch(id: number, fromRelay: boolean, bytes: Buffer, address: string, port: number): void {
  const o = owners.get(id);
  if (o === undefined) return;
  if (fromRelay) o.path.onPeer(o.allocation, address, port, bytes);
  else o.handle.receiveNative?.(bytes, address, port);
}

export class NativeDataPath {
  readonly #addon: TurnRelayAddon;
  readonly #group: number;
  /** Engine allocation number -> the addon's. */
  readonly #ids = new Map<number, number>();
  /** A datagram from a peer that the addon did not relay (the adapter's usual peer path). */
  readonly onPeer: (allocation: number, address: string, port: number, bytes: Buffer) => void;

  constructor(
    addon: TurnRelayAddon,
    onPeer: (allocation: number, address: string, port: number, bytes: Buffer) => void,
  ) {
    if (initialised !== addon) {
      addon.init(dispatch);
      initialised = addon;
    }
    this.#addon = addon;
    this.onPeer = onPeer;
    let g = 0;
    while (groupsInUse.has(g) && g < 63) g++;
    groupsInUse.add(g);
    this.#group = g;
    // Counters of a group used before by a server now closed start where that one left off.
    this.#base = this.#read();
  }

  readonly #base: number[];

  #read(): number[] {
    return this.#addon.counters(this.#group);
  }

  /**
   * Binds the relay sockets of `allocation` and, when the client may have one, its own socket.
   * False when a relay could not be bound (nothing stays open then).
   */
  open(allocation: number, relays: readonly TransportAddress[], handle: ClientHandle): boolean {
    const id = nextNativeId++;
    for (const r of relays) {
      if (this.#addon.openRelay(id, this.#group, r.address, r.port) !== 0) {
        this.#addon.close(id);
        return false;
      }
    }
    this.#ids.set(allocation, id);
    owners.set(id, { path: this, allocation, handle });
    handle.dedicateNative?.((local, client) =>
      this.#addon.attachClient(id, local.address, local.port, client.address, client.port),
    );
    return true;
  }

  /** Whether `allocation` is relayed here. */
  has(allocation: number): boolean {
    return this.#ids.has(allocation);
  }

  /** Puts the engine's permissions and channels of an allocation into the addon. */
  sync(state: TurnDataPlane, now: number): void {
    const id = this.#ids.get(state.allocation);
    if (id === undefined) return;
    const permissions: (string | number)[] = [];
    for (const [ip, until] of state.permissions) permissions.push(ip, until);
    const channels: (string | number)[] = [];
    for (const c of state.channels) channels.push(c.channel, c.peer.address, c.peer.port, c.expiresAt);
    this.#addon.sync(id, now, permissions, channels);
  }

  /** Sends the engine's datagram for a peer out of the allocation's relay; false if not ours. */
  send(allocation: number, bytes: Uint8Array, to: TransportAddress): boolean {
    const id = this.#ids.get(allocation);
    if (id === undefined) return false;
    // A failed send is counted by the addon (sendFailed), as the kernel counts the JS path's.
    this.#addon.send(id, bytes, to.address, to.port);
    return true;
  }

  /** The engine's clock now: expiries in the addon are compared against it. */
  setNow(now: number): void {
    this.#addon.setNow(now);
  }

  close(allocation: number): void {
    const id = this.#ids.get(allocation);
    if (id === undefined) return;
    this.#ids.delete(allocation);
    owners.delete(id);
    this.#addon.close(id);
  }

  /** What the addon relayed for this server, each direction. */
  relayed(): RelayedCounts {
    const c = this.counters();
    return {
      'to-peer': { packets: c.toPeerPackets, bytes: c.toPeerBytes },
      'to-client': { packets: c.toClientPackets, bytes: c.toClientBytes },
    };
  }

  counters(): NativeCounters {
    const now = this.#read();
    return Object.fromEntries(
      NATIVE_COUNTERS.map((name, i) => [
        name,
        (now[i] ?? 0) - (name === 'sockets' ? 0 : (this.#base[i] ?? 0)),
      ]),
    ) as NativeCounters;
  }

  closeAll(): void {
    for (const allocation of [...this.#ids.keys()]) this.close(allocation);
    groupsInUse.delete(this.#group);
  }
}
