/**
 * What the QUIC worker (quic-worker.ts, where the QUIC library runs) and the carrier on the main
 * thread (quic-carrier.ts) tell each other. Plain data for postMessage. Connections are the
 * worker's numbers; the carrier maps them to the core's.
 */

/** The worker's start-up settings (workerData). */
export interface QuicWorkerConfig {
  readonly host: string;
  readonly port: number;
  readonly cert: string;
  readonly key: string;
  readonly alpn: string;
  /** HMAC key for Retry tokens and connection ids: fresh per start unless given. */
  readonly retryKey: Uint8Array;
  readonly keepaliveMs: number;
  readonly idleTimeoutMs: number;
  /** From the end of the handshake to a JOINED answer: a connection that never joins is closed. */
  readonly joinTimeoutMs: number;
  /** How long a closing connection waits for the client to read its last frames and hang up. */
  readonly closeGraceMs: number;
  /** Connections not yet joined (handshakes included) from one IP; more are dropped. */
  readonly maxPendingPerIp: number;
  /** Connections from one IP; more are dropped. */
  readonly maxConnectionsPerIp: number;
  readonly maxConnections: number;
  readonly maxFrameBytes: number;
}

/** Why the worker dropped something, for `peerlink_quic_drops_total{reason}`. */
export type QuicDropReason =
  | 'not-quic' // a datagram that is not a QUIC packet
  | 'pending-per-ip' // a handshake over maxPendingPerIp
  | 'connections-per-ip'
  | 'connections' // over maxConnections
  | 'extra-stream' // a second client stream, or a unidirectional one
  | 'bad-frame' // a length prefix of 0 or over the maximum
  | 'bad-utf8'
  | 'join-timeout';

export type WorkerEvent =
  | { readonly t: 'listening'; readonly port: number }
  | { readonly t: 'open'; readonly id: number; readonly remote: string }
  /** Frames in arrival order: a string for a text frame, bytes for a binary one (the peer relay). */
  | { readonly t: 'frames'; readonly id: number; readonly frames: readonly (string | Uint8Array)[] }
  | { readonly t: 'flushed'; readonly id: number; readonly bytes: number }
  | { readonly t: 'closed'; readonly id: number }
  | {
      readonly t: 'counts';
      readonly drops: Partial<Record<QuicDropReason, number>>;
      readonly handshakes: number;
    }
  | { readonly t: 'stopped' }
  /** Several events from one turn of the worker's event loop, in order: one postMessage for all. */
  | { readonly t: 'batch'; readonly events: readonly WorkerEvent[] };

export type CarrierCommand =
  | { readonly t: 'send'; readonly id: number; readonly frames: readonly (string | Uint8Array)[] }
  | { readonly t: 'joined'; readonly id: number }
  | { readonly t: 'close'; readonly id: number; readonly code: number; readonly reason: string }
  | { readonly t: 'pause'; readonly id: number }
  | { readonly t: 'resume'; readonly id: number }
  | { readonly t: 'drain' }
  | { readonly t: 'counts' }
  | { readonly t: 'stop' }
  /** Several commands from one turn of the main thread, in order: one postMessage for all. */
  | { readonly t: 'batch'; readonly commands: readonly CarrierCommand[] };
