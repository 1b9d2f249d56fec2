/** Limits and timeouts of the peer protocol engine, with their defaults. */
import type { ConnLimits } from '../../core/types.js';
import type { IceServer, PeerPath } from './messages.js';

export interface RelayLimits {
  /** Largest relay frame, header included. */
  readonly maxFrameBytes: number;
  /** Per-peer relay quota: sustained bytes per second and burst. Over quota is a counted drop. */
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  /** A receiver with more than this many bytes unflushed pauses the peers sending to it... */
  readonly highWaterBytes: number;
  /** ...and past this many, further frames for it are dropped (counted). */
  readonly hardCapBytes: number;
}

/** The core's per-connection limits (maxMessageBytes, rates, timeouts, strikes) plus the protocol's own. */
export interface PeerEngineOptions extends ConnLimits {
  readonly maxPeers: number;
  /** A connect that is neither answered nor rejected within this time is rejected as 'timeout'. */
  readonly pendingSessionTimeoutMs: number;
  /** How long a disconnected peer keeps its sessions and mailbox for a reconnect. */
  readonly awayTtlMs: number;
  readonly mailboxMaxMessages: number;
  readonly mailboxMaxBytes: number;
  readonly maxSessionsPerPeer: number;
  readonly heartbeatSeconds: number;
  /** How long a node's presence records live without its heartbeat (a dead node's peers expire). */
  readonly presenceTtlMs: number;
  /** How long a peer on another node is routed to without asking the store again. */
  readonly remotePresenceCacheMs: number;
  readonly relay: RelayLimits;
}

export const DEFAULT_PEER_OPTIONS: PeerEngineOptions = {
  maxPeers: 100_000,
  maxMessageBytes: 64 * 1024,
  messagesPerSecond: 100,
  messageBurst: 400,
  idleTimeoutMs: 120_000,
  maxDurationMs: 24 * 3600_000,
  registerTimeoutMs: 15_000,
  pendingSessionTimeoutMs: 30_000,
  awayTtlMs: 30_000,
  mailboxMaxMessages: 256,
  mailboxMaxBytes: 256 * 1024,
  maxSessionsPerPeer: 256,
  strikesBeforeClose: 20,
  heartbeatSeconds: 30,
  maxQueuedInputs: 256,
  maxConnectionsPerIp: 1000,
  presenceTtlMs: 15_000,
  remotePresenceCacheMs: 2_000,
  relay: {
    maxFrameBytes: 64 * 1024 + 4,
    bytesPerSecond: 32 * 1024 * 1024,
    burstBytes: 64 * 1024 * 1024,
    highWaterBytes: 1024 * 1024,
    hardCapBytes: 4 * 1024 * 1024,
  },
};

/** What the composition tells the engine about the server, per registered peer. */
export interface WelcomeSource {
  stun(): { primary: string | null; alternate: string | null };
  iceServers(peerId: string, host: string | undefined): IceServer[];
}

/** Counters the composition maps to Prometheus; the engine never imports prom-client. */
export interface PeerObserver {
  message(direction: 'in' | 'out', type: string): void;
  error(code: string): void;
  relayed(bytes: number): void;
  relayDropped(
    reason: 'quota' | 'backpressure' | 'peer-away' | 'unknown-session' | 'not-in-session' | 'too-large',
  ): void;
  closed(reason: string): void;
  /** A session side moved to another path (a report of the path it is already on is not a switch). */
  pathSwitched(to: PeerPath): void;
  /** A message for a peer that is away was held in the mailbox, or dropped because the box is full. */
  mailbox(outcome: 'held' | 'dropped'): void;
}

export const NULL_OBSERVER: PeerObserver = {
  message() {},
  error() {},
  relayed() {},
  relayDropped() {},
  closed() {},
  pathSwitched() {},
  mailbox() {},
};

/** WebSocket close codes (docs/peer-protocol.md): the core's. */
export { CloseCode } from '../../core/types.js';
