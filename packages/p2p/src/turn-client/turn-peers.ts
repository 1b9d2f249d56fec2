/**
 * The client's side of permissions (RFC 8656 §9) and channels (§12): which peer IPs have a
 * permission, which peer addresses have a channel number, and when each must be refreshed. The
 * server keeps a permission 300 s and a channel 600 s; the client refreshes well before either ends.
 */
import {
  CHANNEL_NUMBER_MAX,
  CHANNEL_NUMBER_MIN,
  formatIp,
  formatTransportAddress,
  parseIp,
  type TransportAddress,
} from '@peerlink/wire';
import { TurnClientError, TurnClientErrorCode } from './turn-client-errors.js';

/** A permission lasts 300 s at the server (§9); refresh after 4 minutes. */
export const PERMISSION_REFRESH_MS = 240_000;
/** A channel binding lasts 600 s at the server (§12); rebind after 5 minutes. */
export const CHANNEL_REFRESH_MS = 300_000;

export interface Permission {
  /** The peer whose address goes in XOR-PEER-ADDRESS (only its IP counts, §9). */
  readonly peer: TransportAddress;
  /** True once the server granted it; refreshes keep it true. */
  active: boolean;
  /** A CreatePermission is in flight. */
  inFlight: boolean;
  refreshAt: number;
}

export interface Channel {
  readonly number: number;
  readonly peer: TransportAddress;
  bound: boolean;
  inFlight: boolean;
  refreshAt: number;
}

/** The address with its IP in canonical text, or a TurnClientError for anything that is not an IP. */
export function canonicalPeer(peer: TransportAddress): TransportAddress {
  const ip = parseIp(peer.address);
  if (ip === undefined || ip.family !== peer.family || !Number.isInteger(peer.port)) {
    throw new TurnClientError(
      TurnClientErrorCode.InvalidArgument,
      `peer ${JSON.stringify(peer)} is not an IP address`,
    );
  }
  if (peer.port < 1 || peer.port > 65535) {
    throw new TurnClientError(TurnClientErrorCode.InvalidArgument, `peer port ${peer.port} is not 1-65535`);
  }
  return { family: ip.family, address: formatIp(ip.bytes), port: peer.port };
}

export class PeerTable {
  readonly #permissions = new Map<string, Permission>();
  readonly #channels = new Map<string, Channel>();
  readonly #byNumber = new Map<number, Channel>();
  #nextNumber = CHANNEL_NUMBER_MIN;

  /** The permission for this peer's IP; `peer` must be canonical. */
  permission(peer: TransportAddress): Permission | undefined {
    return this.#permissions.get(peer.address);
  }

  addPermission(peer: TransportAddress): Permission {
    const p: Permission = { peer, active: false, inFlight: false, refreshAt: Infinity };
    this.#permissions.set(peer.address, p);
    return p;
  }

  /** Forgets a refused permission and the channels to its IP; returns those channels' peers. */
  removePermission(ip: string): TransportAddress[] {
    this.#permissions.delete(ip);
    const gone: TransportAddress[] = [];
    for (const [key, c] of this.#channels) {
      if (c.peer.address !== ip) continue;
      this.#channels.delete(key);
      this.#byNumber.delete(c.number);
      gone.push(c.peer);
    }
    return gone;
  }

  channel(peer: TransportAddress): Channel | undefined {
    return this.#channels.get(formatTransportAddress(peer));
  }

  channelByNumber(n: number): Channel | undefined {
    return this.#byNumber.get(n);
  }

  /**
   * Gives the peer the next free channel number, or undefined when all 4096 are taken. Numbers are
   * never reused for another peer: RFC 8656 §12 forbids that for 5 minutes after a binding ends,
   * and this client never unbinds.
   */
  addChannel(peer: TransportAddress): Channel | undefined {
    if (this.#nextNumber > CHANNEL_NUMBER_MAX) return undefined;
    const c: Channel = {
      number: this.#nextNumber++,
      peer,
      bound: false,
      inFlight: false,
      refreshAt: Infinity,
    };
    this.#channels.set(formatTransportAddress(peer), c);
    this.#byNumber.set(c.number, c);
    return c;
  }

  /** Channels to this IP that wait for its permission before their ChannelBind goes out. */
  channelsTo(ip: string): Channel[] {
    return [...this.#channels.values()].filter((c) => c.peer.address === ip);
  }

  /** What needs a refresh now. */
  due(now: number): { permissions: Permission[]; channels: Channel[] } {
    const permissions = [...this.#permissions.values()].filter((p) => !p.inFlight && p.refreshAt <= now);
    const channels = [...this.#channels.values()].filter((c) => !c.inFlight && c.refreshAt <= now);
    return { permissions, channels };
  }

  nextRefresh(): number {
    let next = Infinity;
    for (const p of this.#permissions.values()) if (!p.inFlight) next = Math.min(next, p.refreshAt);
    for (const c of this.#channels.values()) if (!c.inFlight) next = Math.min(next, c.refreshAt);
    return next;
  }

  clear(): void {
    this.#permissions.clear();
    this.#channels.clear();
    this.#byNumber.clear();
  }
}
