/**
 * The contract between the connection core and a protocol (peer today; KVS, IM next). The core owns
 * the connection table, limits, strikes, timeouts, input ordering and drain; a protocol owns its
 * messages and state. A protocol never touches a socket or a timer: it gets `now`, answers through
 * the `ConnApi`, and may return a promise from a handler when it waits on the store (the core holds
 * that connection's later input until it settles, so order is kept).
 */
import type { AuthResult, ConnId, ConnLimits, ConnMeta } from './types.js';

/** What a protocol may do to connections; every call is turned into actions for the carrier. */
export interface ConnApi {
  send(conn: ConnId, data: string | Uint8Array): void;
  /** A protocol error: the protocol's error frame is sent and a strike counted (too many close). */
  fail(conn: ConnId, code: string, message: string, extra?: Readonly<Record<string, unknown>>): void;
  close(conn: ConnId, code: number, reason: string): void;
  /** Asks the carrier to check a token; the answer comes back through `Protocol.authenticated`. */
  authenticate(conn: ConnId, token: string): void;
  /** The connection registered (or joined): the register timeout no longer applies. */
  ready(conn: ConnId): void;
  /** Whether the connection is open and not closing. */
  live(conn: ConnId): boolean;
  meta(conn: ConnId): ConnMeta | undefined;
  /** Bytes handed to the carrier for `conn` and not yet reported flushed. */
  queued(conn: ConnId): number;
  pause(conn: ConnId): void;
  resume(conn: ConnId): void;
  draining(): boolean;
}

/**
 * A protocol's answer at the door, before the carrier accepts the connection (the WebSocket
 * upgrade): let it in, with what it proved (`identity`, handed back in ConnMeta), or refuse it with
 * an HTTP status and a body that say why.
 */
export type Admission =
  | { readonly ok: true; readonly identity?: unknown }
  | {
      readonly ok: false;
      readonly status: number;
      /** The response body (a protocol's own error shape, e.g. AWS's JSON). */
      readonly body: string;
      readonly contentType?: string;
      /** Short and stable, for the refusal metric. */
      readonly reason: string;
    };

export interface Protocol {
  /** Short name for logs and metrics (`peer`, `kvs`, `im`). */
  readonly name: string;
  /** Where carriers mount it (`/p2p`). */
  readonly path: string;
  readonly limits: ConnLimits;
  /**
   * Optional check at the door (URL signature, the channel exists, a viewer limit): the carrier asks
   * before it accepts the connection, so a refusal is a plain HTTP answer the client can read.
   */
  admit?(meta: ConnMeta, now: number): Admission | Promise<Admission>;
  /** Called once when the protocol is mounted. */
  attach(api: ConnApi): void;
  /** A new connection (not while draining). May authenticate from `meta` (URL, headers) at once. */
  opened(conn: ConnId, meta: ConnMeta, now: number): void | Promise<void>;
  text(conn: ConnId, text: string, now: number): void | Promise<void>;
  binary(conn: ConnId, bytes: Uint8Array, now: number): void | Promise<void>;
  authenticated(conn: ConnId, result: AuthResult, now: number): void | Promise<void>;
  /** Bytes of what was sent to `conn` reached its socket (backpressure bookkeeping). */
  flushed?(conn: ConnId, bytes: number): void;
  /** The connection is gone. */
  closed(conn: ConnId, now: number): void | Promise<void>;
  tick(now: number): void | Promise<void>;
  /**
   * The protocol's error frame, or undefined when the protocol answers this error with nothing (KVS
   * answers only messages that carried a CorrelationId): the error is still counted and struck.
   */
  errorFrame(
    code: string,
    message: string,
    extra?: Readonly<Record<string, unknown>>,
  ): string | Uint8Array | undefined;
  /** The protocol's GO_AWAY frame, or undefined when it has none (the close says it). */
  goAwayFrame(
    reason: 'draining' | 'shutdown' | 'max-duration',
    reconnectMs: number,
  ): string | Uint8Array | undefined;
}
