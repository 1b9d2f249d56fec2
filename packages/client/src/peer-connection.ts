/**
 * A connection to one peer: an encrypted transport session (@peerlink/transport) over whatever path
 * is best, today the relay. Its state is two things: the connection (connecting, connected,
 * reconnecting, closed) and the kind of path carrying it (relay, turn, direct).
 */
import { EventEmitter } from 'node:events';
import type { PathSession, SessionEvent, SessionStats } from '@peerlink/transport';
import { runPathSession } from '@peerlink/transport/node';
import type { DirectAgent } from './direct/direct-agent.js';
import { ClientError } from './errors.js';
import { PeerStream } from './peer-stream.js';
import type { RelayPath } from './relay-path.js';

/**
 * Whether this SDK moves connections to direct paths (issue #8). The NAT lab gates on the
 * expectation table's direct outcomes for the methods in DIRECT_METHODS.
 */
export const DIRECT_PATHS_SUPPORTED = true;

/**
 * The expectation-table methods (lab/src/expectations.ts) this SDK implements, which the NAT lab's
 * CI gate enforces: simultaneous open over host and reflexive candidates (which covers peers on one
 * LAN), global IPv6, birthday probing against a symmetric NAT (@peerlink/p2p's PunchEngine), and
 * a port mapped on the local gateway (PCP, NAT-PMP, UPnP-IGD).
 */
export const DIRECT_METHODS: ReadonlySet<string> = new Set([
  'simultaneous-open',
  'lan',
  'birthday',
  'ipv6',
  'port-mapping',
]);

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';
export type PathKind = 'relay' | 'turn' | 'direct';

export interface PathEvent {
  path: PathKind;
  /** The remote address of a direct or TURN path; null for the relay. */
  remote: string | null;
}

export interface ConnectionStats {
  state: ConnectionState;
  path: PathKind;
  paths: Record<string, { bytesSent: number; bytesReceived: number; rttMs: number | undefined }>;
  rttMs: number;
  /** Path switches so far (to direct, TURN or back to the relay), and the checks the punching cost. */
  pathSwitches: number;
  /** `peerRouterHops`: how far the peer's router is, when it answered the ranging (docs/hole-punching.md). */
  punch: { checksSent: number; birthdayChecks: number; peerRouterHops?: number };
  session: SessionStats;
}

export interface PeerConnectionEvents {
  open: [];
  message: [data: Uint8Array];
  datagram: [data: Uint8Array];
  stream: [stream: PeerStream];
  path: [event: PathEvent];
  state: [state: ConnectionState];
  close: [error?: Error];
}

export class PeerConnection extends EventEmitter<PeerConnectionEvents> {
  state: ConnectionState = 'connecting';
  path: PathKind = 'relay';
  remoteKey: Uint8Array | undefined;
  /** Why the connection closed, when it failed. */
  error: Error | undefined;
  readonly #streams = new Map<number, PeerStream>();
  #progress: (() => void)[] = [];
  #stop: (() => void) | undefined;

  constructor(
    /** The peer's id on the server. */
    readonly peerId: string,
    /** Stable across server sessions: lets the other side recognise a resumed connection. */
    readonly connectionId: string,
    readonly initiator: boolean,
    readonly ps: PathSession,
    readonly relay: RelayPath,
    private readonly onClosed: (c: PeerConnection) => void,
  ) {
    super();
  }

  /** True while the node still probes for a direct path for this connection. */
  get seekingDirect(): boolean {
    return this.state !== 'closed' && this.path !== 'direct' && (this.agent?.seeking ?? false);
  }

  /** The direct-path agent (set by PeerNode). */
  agent: DirectAgent | undefined;

  /** The session now sends on another kind of path. */
  setPath(kind: PathKind, remote: string | null): void {
    this.path = kind;
    this.emit('path', { path: kind, remote });
  }

  /** Starts the timers (the handshake already began). Called by PeerNode. */
  run(): void {
    this.#stop = runPathSession(this.ps);
  }

  /** Session events, routed by PeerNode's PathSession callback. */
  handleEvent(e: SessionEvent): void {
    switch (e.type) {
      case 'open':
        this.remoteKey = e.remoteIdentity;
        this.#setState('connected');
        this.emit('open');
        break;
      case 'message':
        this.emit('message', e.data);
        break;
      case 'datagram':
        this.emit('datagram', e.data);
        break;
      case 'stream-data': {
        let s = this.#streams.get(e.stream);
        if (!s) {
          s = this.#stream(e.stream);
          this.emit('stream', s);
        }
        s.deliver(e.data);
        break;
      }
      case 'stream-end':
        this.#streams.get(e.stream)?.deliverEnd();
        break;
      case 'error':
        this.#fail(
          new ClientError('CLIENT_TRANSPORT', `${e.error.code}: ${e.error.message}`, { cause: e.error }),
        );
        break;
    }
    const waiting = this.#progress;
    this.#progress = [];
    for (const fn of waiting) fn();
  }

  /** Called on every flush (progress for blocked stream writers). */
  activity(): void {
    if (this.#progress.length === 0) return;
    const waiting = this.#progress;
    this.#progress = [];
    for (const fn of waiting) fn();
  }

  /** Reliable, ordered message. */
  send(data: Uint8Array | string): void {
    this.#requireOpen();
    this.ps.sendMessage(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  /** Unreliable datagram: may be lost; never waits for retransmissions. */
  sendDatagram(data: Uint8Array): void {
    this.#requireOpen();
    this.ps.sendDatagram(data);
  }

  /** A new ordered byte stream; the peer sees it as a 'stream' event with its first bytes. */
  createStream(): PeerStream {
    this.#requireOpen();
    return this.#stream(this.ps.openStream());
  }

  stats(): ConnectionStats {
    const s = this.ps.session.stats();
    return {
      state: this.state,
      path: this.path,
      paths: {
        relay: {
          bytesSent: this.relay.sent,
          bytesReceived: this.relay.received,
          rttMs: this.path === 'relay' ? s.srttMs || undefined : undefined,
        },
        ...(this.agent?.direct
          ? {
              [this.path === 'turn' ? 'turn' : 'direct']: {
                bytesSent: this.agent.direct.sent,
                bytesReceived: this.agent.direct.received,
                rttMs: this.path === 'direct' ? s.srttMs || undefined : undefined,
              },
            }
          : {}),
      },
      rttMs: s.srttMs,
      pathSwitches: this.agent?.switches ?? 0,
      punch: {
        checksSent: this.agent?.engine.sent.checks ?? 0,
        birthdayChecks: this.agent?.engine.sent.birthday ?? 0,
        ...(this.agent?.engine.peerRouterHops !== undefined
          ? { peerRouterHops: this.agent.engine.peerRouterHops }
          : {}),
      },
      session: s,
    };
  }

  close(): void {
    if (this.state === 'closed') return;
    this.#setState('closed');
    this.#stop?.();
    this.agent?.close();
    this.ps.session.close();
    for (const s of this.#streams.values()) s.destroy();
    this.onClosed(this);
    this.emit('close');
  }

  /** The signaling connection is down (or back): the session survives; only its relay pauses. */
  setReconnecting(reconnecting: boolean): void {
    if (this.state === 'closed' || this.state === 'connecting') return;
    this.#setState(reconnecting ? 'reconnecting' : 'connected');
  }

  fail(err: Error): void {
    this.#fail(err);
  }

  #fail(err: Error): void {
    if (this.state === 'closed') return;
    this.error = err;
    this.#setState('closed');
    this.#stop?.();
    this.agent?.close();
    this.ps.session.close();
    for (const s of this.#streams.values()) s.destroy(err);
    this.onClosed(this);
    this.emit('close', err);
  }

  #stream(id: number): PeerStream {
    const s = new PeerStream(id, {
      write: (stream, data) => this.ps.writeStream(stream, data),
      end: (stream) => this.ps.endStream(stream),
      pending: () => this.ps.session.pendingSegments,
      onProgress: (fn) => this.#progress.push(fn),
    });
    this.#streams.set(id, s);
    s.once('close', () => this.#streams.delete(id));
    return s;
  }

  #setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  #requireOpen(): void {
    if (this.state === 'closed') throw new ClientError('CLIENT_CLOSED', 'the connection is closed');
    if (!this.ps.session.isOpen) throw new ClientError('CLIENT_CLOSED', 'the connection is not open yet');
  }
}
