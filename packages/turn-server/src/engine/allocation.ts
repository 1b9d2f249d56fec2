/**
 * One TURN allocation's state (RFC 8656 §2.2, §9, §12): its relayed addresses, permissions (by peer
 * IP, 300 s), channel bindings (channel <-> peer IP and port, 600 s) and its own expiry. Pure data
 * with small helpers; every time is a `now` in milliseconds passed in.
 */
import type { StunMessage, TransportAddress } from '@peerlink/wire';
import type { StunTransport } from './binding.js';

export const PERMISSION_LIFETIME_MS = 300_000;
export const CHANNEL_LIFETIME_MS = 600_000;

export interface ChannelBinding {
  readonly peer: TransportAddress;
  expiresAt: number;
}

/** What an Allocate asked for, kept until the relay sockets are bound (allocate.ts). */
export interface PendingAllocate {
  readonly msg: StunMessage;
  readonly mode: 'any' | 'even' | 'pair';
  readonly lifetime: number;
  /** RESERVATION-TOKEN to return, holding the odd port after ours (EVEN-PORT with R). */
  token: string | undefined;
  /** A requested second family the server has no relay IP for (ADDRESS-ERROR-CODE 440). */
  readonly refusedFamily: 4 | 6 | undefined;
  readonly reserved: boolean;
  attempts: number;
}

export const peerKey = (a: TransportAddress): string => `${a.address}|${a.port}`;

export class Allocation<C> {
  readonly id: number;
  readonly clientKey: string;
  readonly client: TransportAddress;
  readonly transport: StunTransport;
  readonly handle: C;
  readonly username: string;
  readonly key: Uint8Array;
  /** One relayed address per family (two for a dual-stack allocation, RFC 8656 §7.2). */
  relays: TransportAddress[] = [];
  state: 'opening' | 'open' = 'opening';
  /** UDP relaying (RFC 8656) or TCP relaying (RFC 6062). */
  relayTransport: 'udp' | 'tcp' = 'udp';
  pending: PendingAllocate | undefined;
  expiresAt: number;
  /** The Allocate transaction and its success response, for retransmissions (§7.2). */
  readonly allocateTid: string;
  allocateResponse: Uint8Array | undefined;
  readonly permissions = new Map<string, number>();
  readonly channels = new Map<number, ChannelBinding>();
  readonly channelByPeer = new Map<string, number>();
  /**
   * One-entry caches in front of the two maps above: a client mostly sends on one channel, and a
   * relay mostly hears one peer, so the data path rarely hashes. Cleared whenever a binding is
   * made or expires; the binding's own `expiresAt` is still checked on every use.
   */
  #lastChannel = -1;
  #lastBinding: ChannelBinding | undefined;
  #lastPeerAddress = '';
  #lastPeerPort = -1;
  #lastPeerChannel: number | undefined;
  /** Token bucket for the optional bandwidth cap, in bytes. */
  tokens = 0;
  tokensAt = 0;

  constructor(init: {
    id: number;
    clientKey: string;
    client: TransportAddress;
    transport: StunTransport;
    handle: C;
    username: string;
    key: Uint8Array;
    expiresAt: number;
    allocateTid: string;
  }) {
    this.id = init.id;
    this.clientKey = init.clientKey;
    this.client = init.client;
    this.transport = init.transport;
    this.handle = init.handle;
    this.username = init.username;
    this.key = init.key;
    this.expiresAt = init.expiresAt;
    this.allocateTid = init.allocateTid;
  }

  relayFor(family: 4 | 6): TransportAddress | undefined {
    return this.relays.find((r) => r.family === family);
  }

  hasPermission(ip: string, now: number): boolean {
    const until = this.permissions.get(ip);
    return until !== undefined && until > now;
  }

  /** Installs or refreshes the permission for `ip` (§9.3: refreshed by CreatePermission or ChannelBind). */
  permit(ip: string, now: number): void {
    this.permissions.set(ip, now + PERMISSION_LIFETIME_MS);
  }

  /** The binding of channel `n`, through the one-entry cache. */
  channel(n: number): ChannelBinding | undefined {
    if (n === this.#lastChannel) return this.#lastBinding;
    const b = this.channels.get(n);
    this.#lastChannel = n;
    this.#lastBinding = b;
    return b;
  }

  /** The channel bound to the peer at `address`:`port` (canonical text), through its cache. */
  channelOf(address: string, port: number): number | undefined {
    if (port === this.#lastPeerPort && address === this.#lastPeerAddress) return this.#lastPeerChannel;
    const n = this.channelByPeer.get(`${address}|${port}`);
    this.#lastPeerAddress = address;
    this.#lastPeerPort = port;
    this.#lastPeerChannel = n;
    return n;
  }

  /** Binds channel `n` to `peer` until `expiresAt`, or refreshes that binding (§11.2). */
  bindChannel(n: number, peer: TransportAddress, expiresAt: number): void {
    this.channels.set(n, { peer, expiresAt });
    this.channelByPeer.set(peerKey(peer), n);
    this.#forgetChannels();
  }

  #forgetChannels(): void {
    this.#lastChannel = -1;
    this.#lastBinding = undefined;
    this.#lastPeerPort = -1;
    this.#lastPeerChannel = undefined;
  }

  /** Drops expired permissions and channels; returns how many of each went. */
  expire(now: number): { permissions: number; channels: number } {
    let permissions = 0;
    let channels = 0;
    for (const [ip, until] of this.permissions) {
      if (until <= now) {
        this.permissions.delete(ip);
        permissions++;
      }
    }
    for (const [n, b] of this.channels) {
      if (b.expiresAt <= now) {
        this.channels.delete(n);
        this.channelByPeer.delete(peerKey(b.peer));
        channels++;
      }
    }
    if (channels > 0) this.#forgetChannels();
    return { permissions, channels };
  }
}
