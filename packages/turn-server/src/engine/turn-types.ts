/**
 * The TURN engine's inputs, outputs and options. The engine is generic over `C`, the adapter's
 * handle for a client connection (a send function, a socket, or a string in tests): it stores the
 * handle with the allocation and gives it back in `to-client` outputs, so the adapter needs no
 * lookup table of its own.
 */
import type { ByteAllocator, TransportAddress } from '@peerlink/wire';
import type { AuthFailure } from './auth.js';
import type { StunTransport } from './binding.js';
import type { PeerPolicy } from './peer-policy.js';

/** Who sent a message to the server: the 5-tuple as `key`, and how to answer. */
export interface TurnClient<C> {
  /** Unique per 5-tuple: transport, server socket and client address (RFC 8656 §2.2). */
  readonly key: string;
  readonly from: TransportAddress;
  readonly transport: StunTransport;
  readonly handle: C;
}

export type TurnOutput<C> =
  | { readonly type: 'to-client'; readonly handle: C; readonly bytes: Uint8Array }
  | {
      readonly type: 'to-peer';
      readonly allocation: number;
      readonly relay: TransportAddress;
      readonly to: TransportAddress;
      readonly bytes: Uint8Array;
    }
  /**
   * Bind these relay sockets (UDP, or TCP listeners for an RFC 6062 allocation), then call
   * `relaysOpened(allocation, ok, now)`.
   */
  | {
      readonly type: 'open-relays';
      readonly allocation: number;
      readonly relays: TransportAddress[];
      readonly transport: 'udp' | 'tcp';
      /** The client's handle: an adapter may give the client a socket of its own (udp-client.ts). */
      readonly handle: C;
    }
  | {
      readonly type: 'close-relays';
      readonly allocation: number;
      readonly relays: TransportAddress[];
      /** The client's handle, when the allocation had been opened. */
      readonly handle?: C;
    }
  /** RFC 6062 §5.2: open a TCP connection from the relay IP to `to`, then call `tcpConnected`. */
  | {
      readonly type: 'tcp-connect';
      readonly connection: number;
      readonly relay: TransportAddress;
      readonly to: TransportAddress;
    }
  /** RFC 6062 §5.4: after the answer just sent, splice this client connection to the peer's. */
  | { readonly type: 'tcp-pipe'; readonly connection: number; readonly handle: C }
  /** Close the peer connection (and its client data connection, if spliced). */
  | { readonly type: 'tcp-close'; readonly connection: number };

export type TurnDropReason =
  | 'malformed'
  | 'not-request'
  | 'no-allocation'
  | 'no-permission'
  | 'no-channel'
  | 'bad-indication'
  | 'family-mismatch'
  | 'auth-rate-limited'
  | 'bandwidth'
  | 'retransmit-in-progress'
  | 'tcp-peer-refused'
  | 'too-big'
  | 'internal-error';

export type TurnEvent =
  | { readonly type: 'drop'; readonly reason: TurnDropReason }
  | { readonly type: 'request'; readonly method: string }
  | { readonly type: 'response'; readonly method: string; readonly code: number }
  | { readonly type: 'auth-failure'; readonly why: AuthFailure }
  | { readonly type: 'allocation'; readonly change: 'created' | 'deleted' | 'expired' };

export interface TurnEngineOptions {
  /** REALM (RFC 8489 §14.9). Default 'peerlink'. */
  readonly realm?: string;
  /** Static long-term users: name -> password (--turn-user). */
  readonly users?: ReadonlyMap<string, string>;
  /** TURN REST API secrets, any of which may sign a username (--turn-secret, repeatable). */
  readonly secrets?: readonly string[];
  /** Relay IP per family; a family without one is refused with 440. */
  readonly relayIps: { readonly 4?: string | undefined; readonly 6?: string | undefined };
  /** Relay port range (--min-port, --max-port). Default 49152-65535, as coturn. */
  readonly minPort?: number;
  readonly maxPort?: number;
  /** Allocation lifetimes in seconds (RFC 8656 §3.2): default 600, most 3600. */
  readonly defaultLifetime?: number;
  readonly maxLifetime?: number;
  readonly peerPolicy?: PeerPolicy;
  /** Allocations one username may hold (486 beyond). Default 100. */
  readonly userQuota?: number;
  /** Allocations in total (486 beyond). Default 10000. */
  readonly totalQuota?: number;
  /** Permissions one allocation may hold (508 beyond). Default 128. */
  readonly maxPermissions?: number;
  /** Relayed bytes per second per allocation, both directions together; unlimited when unset. */
  readonly maxBytesPerSecond?: number | undefined;
  /** SOFTWARE attribute; omitted unless set. */
  readonly software?: string | undefined;
  /** Nonce MAC key; random when unset. */
  readonly nonceKey?: Uint8Array;
  readonly nonceLifetimeMs?: number;
  readonly unauthorizedBurst?: number;
  readonly unauthorizedPerSecond?: number;
  /** Random bytes (ports, tokens, transaction ids); crypto.getRandomValues when unset. */
  readonly random?: (n: number) => Uint8Array;
  /**
   * Rare events (requests, answers, drops, allocations). Relayed packets are not events: they are
   * counted in plain numbers that `TurnEngine.relayed()` reads when asked (a metrics scrape).
   */
  readonly onEvent?: (e: TurnEvent) => void;
  /**
   * Memory for ChannelData to UDP clients and for data to peers; a fresh array per message when
   * unset. The Node adapter passes a shared slab (out-slab.ts). Never used for stream clients,
   * whose writes may hold the memory until the socket drains.
   */
  readonly outAlloc?: ByteAllocator;
}

/** Packets and payload bytes relayed in one direction since the engine started. */
export interface RelayedCount {
  packets: number;
  bytes: number;
}

/** What `TurnEngine.relayed()` returns: both directions, plain counters. */
export interface RelayedCounts {
  readonly 'to-peer': RelayedCount;
  readonly 'to-client': RelayedCount;
}

export interface TurnStats {
  readonly allocations: number;
  readonly permissions: number;
  readonly channels: number;
  readonly reservations: number;
}

/**
 * What a data path outside the engine needs to relay for one open UDP allocation on its own (the
 * native addon): its permissions (peer IP, canonical text -> expiry) and channel bindings, times on
 * the engine's clock. `TurnEngine.dataPlane` gives it; it goes stale at the next request.
 */
export interface TurnDataPlane {
  readonly allocation: number;
  readonly permissions: ReadonlyMap<string, number>;
  readonly channels: readonly {
    readonly channel: number;
    readonly peer: TransportAddress;
    readonly expiresAt: number;
  }[];
}
