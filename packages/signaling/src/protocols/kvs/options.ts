/** Limits of the KVS protocol, with the defaults the AWS service documents (and enforces silently). */
import type { ConnLimits } from '../../core/types.js';

export interface KvsOptions extends ConnLimits {
  /** Viewers connected to one channel at once (AWS: 10; per channel when the channel says so). */
  readonly maxViewers: number;
  /** MessagePayload length (base64 characters; AWS: 10K). */
  readonly maxPayloadBytes: number;
  /** Per connection and second: SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE (AWS: 5, 5, 20). */
  readonly offersPerSecond: number;
  readonly answersPerSecond: number;
  readonly candidatesPerSecond: number;
  /** How long presence lives without its node's heartbeat. */
  readonly presenceTtlMs: number;
}

export const DEFAULT_KVS_OPTIONS: KvsOptions = {
  maxViewers: 10,
  maxPayloadBytes: 10 * 1024,
  offersPerSecond: 5,
  answersPerSecond: 5,
  candidatesPerSecond: 20,
  presenceTtlMs: 15_000,
  // The core's limits: a frame is at most the payload plus its JSON, IceServerList included.
  maxMessageBytes: 64 * 1024,
  messagesPerSecond: 100,
  messageBurst: 200,
  idleTimeoutMs: 10 * 60_000,
  maxDurationMs: 3600_000,
  registerTimeoutMs: 15_000,
  strikesBeforeClose: 20,
  maxQueuedInputs: 256,
  maxConnectionsPerIp: 1000,
};

/** What the KVS protocol needs of a channel (the control plane keeps the records). */
export interface KvsChannel {
  readonly arn: string;
  readonly name: string;
  /** Overrides the server's maxViewers for this channel. */
  readonly maxViewers?: number;
  /** How long a viewer's message waits for an absent master (the channel's MessageTtlSeconds). */
  readonly messageTtlSeconds?: number;
}

export interface KvsObserver {
  /** A frame forwarded (or held for an absent master), by action. */
  forwarded(action: string): void;
  /**
   * A frame refused, by AWS error type and a finer stable reason (`bad-base64`, `binary`, ...): a
   * STATUS_RESPONSE when it carried a CorrelationId, a counted drop otherwise.
   */
  refused(errorType: string, reason: string): void;
}

export const NULL_KVS_OBSERVER: KvsObserver = { forwarded() {}, refused() {} };
