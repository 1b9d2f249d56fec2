/** The connection core's vocabulary: connections, what a carrier tells about them, and actions out. */

export type ConnId = number;

/** What a carrier (WebSocket, QUIC...) knows about a connection when it opens. */
export interface ConnMeta {
  /** ip:port of the client: the socket's peer, or what a trusted proxy said (PROXY header, XFF). */
  readonly remote: string;
  /** Request path the protocol is mounted at (`/p2p`). */
  readonly path: string;
  /** Query parameters of the upgrade URL (KVS and IM authenticate there), decoded. */
  readonly query: Readonly<Record<string, string>>;
  /** The request target as sent (`/kvs?X-Amz-...`), for signatures computed over the raw URL. */
  readonly url?: string;
  /** Request headers, lower-case names (`host`, `authorization`...). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Whether the carrier is encrypted (wss, QUIC). */
  readonly secure: boolean;
  /** The Host header (ICE server URLs in a welcome), when the carrier has one. */
  readonly host?: string | undefined;
  /** What the protocol's admission proved about the client (Protocol.admit), if it has one. */
  readonly identity?: unknown;
  /**
   * Which carrier holds the connection (`quic`), when several feed one core: each takes only its
   * own connections' actions (`SignalingCore.takeActions(carrier)`). Unset is the WebSocket's (`ws`).
   */
  readonly carrier?: string;
}

/** Limits and timeouts the core enforces per connection; each protocol brings its own values. */
export interface ConnLimits {
  readonly maxMessageBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** A connection silent this long is closed (zombie cleanup). */
  readonly idleTimeoutMs: number;
  /** Longest a connection may live; then GO_AWAY so the client reconnects. */
  readonly maxDurationMs: number;
  /** A connection must be `ready` (registered, joined...) within this time. */
  readonly registerTimeoutMs: number;
  /** Protocol errors tolerated before the connection is closed. */
  readonly strikesBeforeClose: number;
  /** Inputs queued behind a handler still waiting on the store; past this the socket is paused. */
  readonly maxQueuedInputs: number;
  /**
   * Open connections from one client IP (the real one behind a trusted proxy): a flood from one
   * address is refused at the door. Generous, since a carrier-grade NAT puts thousands behind one.
   */
  readonly maxConnectionsPerIp: number;
}

/** What the core asks of its carrier. */
export type Action =
  | { readonly type: 'send'; readonly conn: ConnId; readonly data: string | Uint8Array }
  | { readonly type: 'close'; readonly conn: ConnId; readonly code: number; readonly reason: string }
  | { readonly type: 'pause'; readonly conn: ConnId }
  | { readonly type: 'resume'; readonly conn: ConnId }
  | { readonly type: 'authenticate'; readonly conn: ConnId; readonly token: string };

/** Close codes the core uses (WebSocket numbering; other carriers map them). */
export const CloseCode = {
  GoingAway: 1001,
  PolicyViolation: 1008,
  Replaced: 4001,
  Unauthorized: 4003,
  Idle: 4008,
  ServerFull: 4013,
} as const;

export type AuthResult = { ok: true; sub: string } | { ok: false; reason: string };

/** The IP of a connection's observed `host:port` (`[v6]:port` unbracketed). */
export function ipOf(conn: { readonly meta: { readonly remote: string } }): string {
  const r = conn.meta.remote;
  const m = /^\[([^\]]+)\]:\d+$/.exec(r) ?? /^([^:]+):\d+$/.exec(r);
  return m ? (m[1] as string) : r;
}
