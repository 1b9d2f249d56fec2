/** Options, hooks and counters of the IM call protocol; every timeout is an option so tests run short. */
import type { ImNetworkStats } from '@peerlink/wire';
import type { ConnLimits } from '../../core/types.js';

export interface ImOptions extends ConnLimits {
  /** No answer within this: `call.end` `timeout` to both sides (`--ring-timeout`, seconds there). */
  readonly ringTimeoutMs: number;
  /** A party whose socket dropped has this long to come back on any device (`--call-grace`). */
  readonly graceMs: number;
  /** Device presence and call locks live this long without their node's heartbeat. */
  readonly presenceTtlMs: number;
  /** Longest a call lock lives without its owner's heartbeat (a node gone frees its users). */
  readonly callLockTtlMs: number;
}

export const DEFAULT_IM_OPTIONS: ImOptions = {
  ringTimeoutMs: 30_000,
  graceMs: 20_000,
  presenceTtlMs: 15_000,
  callLockTtlMs: 60_000,
  // The core's limits: an offer with a browser's full SDP and candidates stays well under 64 KiB.
  maxMessageBytes: 128 * 1024,
  messagesPerSecond: 50,
  messageBurst: 200,
  idleTimeoutMs: 10 * 60_000,
  maxDurationMs: 24 * 3600_000,
  registerTimeoutMs: 15_000,
  strikesBeforeClose: 10,
  maxQueuedInputs: 256,
  maxConnectionsPerIp: 1000,
};

/** Who may call whom: the `--call-policy-url` hook, or the embedder's function. */
export interface CallRequest {
  readonly from: string;
  readonly to: string;
  readonly call_type: 'audio' | 'video';
}
export type CallPolicy = (req: CallRequest) => boolean | Promise<boolean>;

/** An offer reached none of the callee's devices: the app may send a push notification. */
export interface OfflineCall extends CallRequest {
  readonly call_id: string;
}

export interface ImObserver {
  /** A client frame accepted, by type. */
  message(type: string): void;
  /** A frame refused with call.error, by error_code. */
  refused(code: string): void;
  /** A call rang a first device (`ms` after its offer). */
  ringing(ms: number): void;
  /** A call answered or reported connected, `ms` after its offer: the set-up latency. */
  answered(ms: number): void;
  connected(ms: number): void;
  ended(reason: string, durationSeconds: number): void;
  stats(stats: ImNetworkStats): void;
}

export const NULL_IM_OBSERVER: ImObserver = {
  message() {},
  refused() {},
  ringing() {},
  answered() {},
  connected() {},
  ended() {},
  stats() {},
};
