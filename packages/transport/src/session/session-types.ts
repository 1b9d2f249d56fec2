/** What a {@link Session} reports: events for the application and counters for tests and metrics. */
import type { TransportError } from '../errors.js';

export type SessionEvent =
  /** The handshake finished; `remoteIdentity` is the peer's proven Ed25519 public key. */
  | { type: 'open'; remoteIdentity: Uint8Array }
  /** A reliable message, in order. */
  | { type: 'message'; data: Uint8Array }
  /** An unreliable datagram (may be lost, duplicated by the path, or reordered). */
  | { type: 'datagram'; data: Uint8Array }
  /** Bytes of a stream, in order; the first for an id the peer opened announces the stream. */
  | { type: 'stream-data'; stream: number; data: Uint8Array }
  /** The peer ended a stream after all its data. */
  | { type: 'stream-end'; stream: number }
  /** The session closed on a typed error (key mismatch, timeout, unreachable peer). */
  | { type: 'error'; error: TransportError };

export interface SessionStats {
  packetsSent: number;
  packetsReceived: number;
  /** Datagrams dropped, by reason. None of these ever reach the application. */
  dropped: {
    /** Not a packet of ours, or a malformed KCP/mux payload inside an authentic one. */
    malformed: number;
    /** A counter seen before, or older than the replay window. */
    replayed: number;
    /** From a key epoch too far from ours. */
    'stale-epoch': number;
    /** Failed authentication: tampered, forged or from another session. */
    unauthenticated: number;
    /** DATA before our handshake finished (the peer's KCP repeats it). */
    early: number;
    /** Handshake packets that were repeated, out of turn or failed to decrypt. */
    handshake: number;
  };
  timeoutRetransmits: number;
  fastRetransmits: number;
  /** KCP datagrams we rebuilt from the peer's FEC parity instead of waiting for a retransmission. */
  fecRecovered: number;
  srttMs: number;
  /** How many times our sending key was rekeyed. */
  sendEpoch: number;
}

export function emptyStats(): SessionStats {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    dropped: { malformed: 0, replayed: 0, 'stale-epoch': 0, unauthenticated: 0, early: 0, handshake: 0 },
    timeoutRetransmits: 0,
    fastRetransmits: 0,
    fecRecovered: 0,
    srttMs: 0,
    sendEpoch: 0,
  };
}
