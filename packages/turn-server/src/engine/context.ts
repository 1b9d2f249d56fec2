/**
 * The state the TURN request handlers share: allocations by client and by id, the port pool, the
 * authenticator, options with defaults applied, and the event hook. The handlers (allocate.ts,
 * permissions.ts, relay-path.ts) are plain functions over it; turn-engine.ts is the entry point.
 */
import type { ByteAllocator, StunMessage, TransportAddress } from '@peerlink/wire';
import type { Allocation } from './allocation.js';
import type { Authenticator } from './auth.js';
import type { PeerPolicy } from './peer-policy.js';
import type { PortPool } from './port-pool.js';
import type { RelayedCounts, TurnClient, TurnEvent, TurnOutput } from './turn-types.js';

export interface Limits {
  readonly defaultLifetime: number;
  readonly maxLifetime: number;
  readonly userQuota: number;
  readonly totalQuota: number;
  readonly maxPermissions: number;
  readonly maxBytesPerSecond: number | undefined;
}

/** An RFC 6062 peer data connection, from Connect or from a peer reaching the relay. */
export interface TcpConnection {
  readonly id: number;
  readonly allocation: number;
  readonly peer: TransportAddress;
  state: 'connecting' | 'waiting-bind' | 'bound';
  /** For 'waiting-bind': when an unbound connection is given up (30 s, RFC 6062 §5.3). */
  expiresAt: number;
  /** For 'connecting': the Connect request to answer. */
  connect: RequestIn<unknown> | undefined;
}

export interface EngineContext<C> {
  readonly byClient: Map<string, Allocation<C>>;
  readonly connections: Map<number, TcpConnection>;
  readonly byId: Map<number, Allocation<C>>;
  readonly perUser: Map<string, number>;
  readonly ports: PortPool;
  readonly auth: Authenticator;
  readonly policy: PeerPolicy;
  readonly relayIps: { readonly 4?: string | undefined; readonly 6?: string | undefined };
  readonly limits: Limits;
  readonly software: string | undefined;
  readonly random: (n: number) => Uint8Array;
  nextId: number;
  /** Counted on the data path, read on demand (TurnEngine.relayed). */
  readonly relayed: RelayedCounts;
  /** Memory for data-path output to UDP (TurnEngineOptions.outAlloc). */
  readonly alloc: ByteAllocator;
  emit(e: TurnEvent): void;
  /** Closes an allocation: frees its ports and forgets it. */
  remove(a: Allocation<C>, change: 'deleted' | 'expired'): TurnOutput<C>[];
}

/** One request being handled: the decoded message, its raw bytes, the sender and the time. */
export interface RequestIn<C> {
  readonly msg: StunMessage;
  readonly raw: Uint8Array;
  readonly client: TurnClient<C>;
  readonly now: number;
}

export const sameFamily = (relays: readonly TransportAddress[], family: 4 | 6): boolean =>
  relays.some((r) => r.family === family);
