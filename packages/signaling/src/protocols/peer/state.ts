/** The engine's records: connections, peers and sessions. Plain data, no behaviour. */
import type { TokenBucket } from '../../core/token-bucket.js';
import type { PeerPath } from './messages.js';

export type ConnId = number;

export interface ConnMeta {
  /** ip:port of the client as the server saw it. */
  readonly remote: string;
  /** Host header of the upgrade request, for the ICE server URLs in the welcome. */
  readonly host?: string | undefined;
  readonly secure: boolean;
}

export interface Conn {
  readonly id: ConnId;
  readonly meta: ConnMeta;
  readonly openedAt: number;
  lastSeen: number;
  state: 'open' | 'authenticating' | 'registered' | 'closing';
  peerId: string | undefined;
  pendingRegister: { id: string; publicKey: string | undefined } | undefined;
  strikes: number;
  authFailures: number;
  readonly bucket: TokenBucket;
  /** Bytes handed to the adapter and not yet reported flushed. */
  queued: number;
  /** Receivers whose backlog paused this connection's reading. */
  readonly pausedBy: Set<ConnId>;
  /** Senders this connection's backlog has paused. */
  readonly blocking: Set<ConnId>;
}

export interface Peer {
  readonly id: string;
  conn: ConnId | undefined;
  publicKey: string | undefined;
  /** Set while disconnected and within the reconnect grace. */
  awaySince: number | undefined;
  readonly sessions: Set<number>;
  readonly relayBucket: TokenBucket;
}

export interface Session {
  readonly id: number;
  /** The peer that called connect. */
  readonly initiator: string;
  readonly target: string;
  state: 'pending' | 'active';
  readonly createdAt: number;
  /** The path each side last reported; 'relay' until it reports. */
  readonly paths: { initiator: PeerPath; target: PeerPath };
}

export type Action =
  | { readonly type: 'send'; readonly conn: ConnId; readonly data: string | Uint8Array }
  | { readonly type: 'close'; readonly conn: ConnId; readonly code: number; readonly reason: string }
  | { readonly type: 'pause'; readonly conn: ConnId }
  | { readonly type: 'resume'; readonly conn: ConnId }
  | { readonly type: 'authenticate'; readonly conn: ConnId; readonly token: string };

/** The IP of a connection's observed `host:port` (`[v6]:port` unbracketed). */
export function ipOf(conn: { readonly meta: { readonly remote: string } }): string {
  const r = conn.meta.remote;
  const m = /^\[([^\]]+)\]:\d+$/.exec(r) ?? /^([^:]+):\d+$/.exec(r);
  return m ? (m[1] as string) : r;
}
