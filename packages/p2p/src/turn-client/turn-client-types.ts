/** The TURN client's options, events and counters (see turn-client.ts). */
import type { TransportAddress } from '@peerlink/wire';
import type { TransactionTiming } from '../nat/stun-transaction.js';
import type { TurnClientErrorCode } from './turn-client-errors.js';
import type { AnswerDrop } from './turn-transactions.js';

export interface TurnClientOptions {
  /** The TURN server; the node feeds the client every datagram from this address. */
  readonly server: TransportAddress;
  /** Long-term credentials (RFC 8489 §9.2): a static user or TURN REST credentials. */
  readonly username: string;
  readonly password: string;
  /** LIFETIME asked for in Allocate and Refresh (RFC 8656 §7.1, §8.1). Default 600. */
  readonly lifetimeSec?: number;
  /**
   * Bind a channel to each permitted peer and send ChannelData (4 bytes of overhead instead of
   * 36). Default true; false keeps to Send and Data indications.
   */
  readonly channels?: boolean;
  /** Retransmission timer. Default RFC 8489 §6.2.1: RTO 500 ms, 7 sends, last wait 8 s. */
  readonly timing?: TransactionTiming;
  /** Random bytes for transaction ids; crypto.getRandomValues when unset. */
  readonly random?: (n: number) => Uint8Array;
}

export type TurnClientEvent =
  /** The allocation exists: `relayed` is the candidate to hand to peers. */
  | {
      readonly type: 'allocated';
      readonly relayed: TransportAddress;
      /** XOR-MAPPED-ADDRESS, the client's reflexive address as the server saw it. */
      readonly mapped: TransportAddress | undefined;
      readonly lifetimeSec: number;
    }
  /** A Refresh succeeded; the allocation now lasts `lifetimeSec` from here. */
  | { readonly type: 'refreshed'; readonly lifetimeSec: number }
  /** The server holds a permission for this peer's IP: Send indications to it are relayed. */
  | { readonly type: 'permitted'; readonly peer: TransportAddress }
  /** The permission was refused or lapsed (403 for a denied peer, 508, a timeout...). */
  | {
      readonly type: 'permit-failed';
      readonly peer: TransportAddress;
      readonly code: TurnClientErrorCode;
      readonly status: number | undefined;
      readonly reason: string;
    }
  /** From now on `sendTo(peer)` sends ChannelData on `channel`. */
  | { readonly type: 'channel-bound'; readonly peer: TransportAddress; readonly channel: number }
  /** A datagram the peer sent to the relayed address. */
  | {
      readonly type: 'data';
      readonly peer: TransportAddress;
      readonly bytes: Uint8Array;
      readonly via: 'channel' | 'indication';
    }
  /** The allocation is gone or never came; the client does nothing more. */
  | {
      readonly type: 'failed';
      readonly code: TurnClientErrorCode;
      readonly status: number | undefined;
      readonly reason: string;
    }
  /** `close()` finished: the server answered the Refresh with LIFETIME 0, or it timed out. */
  | { readonly type: 'closed' };

export type TurnClientDropReason =
  | AnswerDrop
  /** Neither STUN nor ChannelData, or a STUN message that does not decode. */
  | 'malformed'
  | 'unknown-channel'
  /** A Data indication without XOR-PEER-ADDRESS or DATA. */
  | 'bad-indication'
  /** A request, another indication, or anything while there is no allocation to take it. */
  | 'unexpected'
  | 'internal-error';

export interface TurnClientStats {
  readonly retransmits: number;
  readonly dropped: Readonly<Partial<Record<TurnClientDropReason, number>>>;
}

export type TurnClientState = 'idle' | 'allocating' | 'allocated' | 'closing' | 'closed' | 'failed';
