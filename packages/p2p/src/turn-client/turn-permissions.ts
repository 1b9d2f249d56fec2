/**
 * Permissions and channels as the client drives them (RFC 8656 §9, §10, §12): `permit` asks for a
 * permission for the peer's IP, then binds a channel to the peer's address once the permission
 * stands; both are refreshed before the server lets them lapse. A refused permission is reported
 * to every peer that relied on it; a refused channel only means Send indications for that peer.
 */
import type { TransportAddress } from '@peerlink/wire';
import type { TurnClientEvent } from './turn-client-types.js';
import { channelBindBody, createPermissionBody, type RequestBody } from './turn-messages.js';
import {
  CHANNEL_REFRESH_MS,
  PERMISSION_REFRESH_MS,
  PeerTable,
  type Channel,
  type Permission,
} from './turn-peers.js';
import { failureOf, type Settled } from './turn-transactions.js';

export type PeerPurpose =
  | { readonly kind: 'permission'; readonly permission: Permission }
  | { readonly kind: 'channel'; readonly channel: Channel };

export interface TurnPermissionsOptions {
  readonly channels: boolean;
  readonly request: (body: RequestBody, purpose: PeerPurpose, now: number) => void;
  readonly emit: (e: TurnClientEvent) => void;
}

export class TurnPermissions {
  readonly #opts: TurnPermissionsOptions;
  readonly #table = new PeerTable();
  /** Peers given to `permit` whose permission is in flight. */
  #waiting: TransportAddress[] = [];

  constructor(opts: TurnPermissionsOptions) {
    this.#opts = opts;
  }

  /** `peer` must be canonical (canonicalPeer). */
  permit(peer: TransportAddress, now: number): void {
    let permission = this.#table.permission(peer);
    if (permission?.active === true) this.#opts.emit({ type: 'permitted', peer });
    else this.#waiting.push(peer);
    if (permission === undefined) {
      permission = this.#table.addPermission(peer);
      this.#createPermission(permission, now);
    }
    if (this.#opts.channels && this.#table.channel(peer) === undefined) {
      const c = this.#table.addChannel(peer);
      if (c !== undefined && permission.active) this.#channelBind(c, now);
    }
  }

  /** The bound channel number for this canonical peer, if any. */
  boundChannel(peer: TransportAddress): number | undefined {
    const c = this.#table.channel(peer);
    return c?.bound === true ? c.number : undefined;
  }

  /** True once `permit` was called for this canonical peer's IP (granted or in flight). */
  has(peer: TransportAddress): boolean {
    return this.#table.permission(peer) !== undefined;
  }

  /** The peer a channel number is bound to (or being bound to). */
  peerOfChannel(channel: number): TransportAddress | undefined {
    return this.#table.channelByNumber(channel)?.peer;
  }

  settle(purpose: PeerPurpose, s: Settled<unknown>, now: number): void {
    if (purpose.kind === 'permission') this.#permissionSettled(purpose.permission, s, now);
    else this.#channelSettled(purpose.channel, s, now);
  }

  /** Sends the refreshes that are due. */
  handleTimer(now: number): void {
    const due = this.#table.due(now);
    for (const p of due.permissions) this.#createPermission(p, now);
    for (const c of due.channels) this.#channelBind(c, now);
  }

  nextRefresh(): number {
    return this.#table.nextRefresh();
  }

  clear(): void {
    this.#table.clear();
    this.#waiting = [];
  }

  #createPermission(permission: Permission, now: number): void {
    permission.inFlight = true;
    this.#opts.request(createPermissionBody(permission.peer), { kind: 'permission', permission }, now);
  }

  #channelBind(channel: Channel, now: number): void {
    channel.inFlight = true;
    this.#opts.request(channelBindBody(channel.number, channel.peer), { kind: 'channel', channel }, now);
  }

  #permissionSettled(permission: Permission, s: Settled<unknown>, now: number): void {
    permission.inFlight = false;
    const ip = permission.peer.address;
    const waiting = this.#waiting.filter((p) => p.address === ip);
    this.#waiting = this.#waiting.filter((p) => p.address !== ip);
    if (s.kind === 'success') {
      const first = !permission.active;
      permission.active = true;
      permission.refreshAt = now + PERMISSION_REFRESH_MS;
      for (const peer of waiting) this.#opts.emit({ type: 'permitted', peer });
      if (first) for (const c of this.#table.channelsTo(ip)) if (!c.inFlight) this.#channelBind(c, now);
      return;
    }
    const failure = failureOf(s);
    const told = new Set<string>();
    for (const peer of [permission.peer, ...waiting, ...this.#table.removePermission(ip)]) {
      const key = `${peer.address}|${peer.port}`;
      if (told.has(key)) continue;
      told.add(key);
      this.#opts.emit({ type: 'permit-failed', peer, ...failure });
    }
  }

  #channelSettled(channel: Channel, s: Settled<unknown>, now: number): void {
    channel.inFlight = false;
    if (s.kind !== 'success') {
      // The peer stays reachable by Send indication; the binding is not tried again.
      channel.bound = false;
      channel.refreshAt = Infinity;
      return;
    }
    const first = !channel.bound;
    channel.bound = true;
    channel.refreshAt = now + CHANNEL_REFRESH_MS;
    if (first) this.#opts.emit({ type: 'channel-bound', peer: channel.peer, channel: channel.number });
  }
}
