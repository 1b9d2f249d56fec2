/**
 * Composition of signaling: the connection core with the peer protocol mounted at `/p2p`, the router
 * over the store and bus (embedded, or Redis for a cluster), the WebSocket carrier on the HTTP and
 * HTTPS servers, token checking with the auth secret, the welcome's STUN and ICE servers, and
 * Prometheus metrics for all of it.
 */
import type { IncomingMessage, Server } from 'node:http';
import {
  PEER_PATHS,
  PeerEngine,
  Router,
  SignalingCore,
  attachWebSocket,
  verifyPeerToken,
  type AuthResult,
  type ConnMeta,
  type IceServer,
  type PeerEngineOptions,
  type Protocol,
  type SignalBus,
  type SignalStore,
  type WsCarrier,
} from '@peerlink/signaling';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { stunTurnUrls, type AdvertisedStunTurn } from './ice-servers.js';

export interface PeerSignalingOptions extends AdvertisedStunTurn {
  readonly registry: Registry;
  readonly store: SignalStore;
  readonly bus: SignalBus;
  /** The client's address behind a trusted proxy; default: the socket's peer. */
  readonly remoteOf?: (req: IncomingMessage) => string;
  readonly onInternalError?: (protocol: string, err: unknown) => void;
  /** More protocols on the same core and router (KVS at /kvs). */
  readonly protocols?: (router: Router) => Protocol[];
  /** Token checks of other protocols, by the path they are mounted at (`/im`); else peer tokens. */
  readonly verifyTokenAt?: Readonly<Record<string, (token: string) => Promise<AuthResult>>>;
  readonly servers: readonly { server: Server; secure: boolean }[];
  readonly authSecret: string;
  readonly peerOptions: Partial<PeerEngineOptions>;
  readonly tickMs?: number;
  readonly stun: () => { primary: string | null; alternate: string | null };
  /** Fresh TURN REST credentials for a peer (the composition signs them with the TURN secret). */
  readonly turnCredentials: (peerId: string) => { username: string; password: string };
}

export interface PeerSignaling {
  readonly core: SignalingCore;
  readonly engine: PeerEngine;
  readonly router: Router;
  readonly adapter: WsCarrier;
  /** `peerlink_path_switches_total`, for the totals in /status. */
  readonly pathSwitches: Counter<'to'>;
  /** This node's view: its connections, peers, the sessions they are in, and their paths. */
  stats(): ReturnType<PeerEngine['stats']> & { connections: number };
  /** Another carrier of the core (QUIC): woken with the WebSocket one when the core has actions. */
  addCarrier(carrier: { pump(): void }): void;
  /** The token check every carrier uses, by the connection's protocol path (`/im`), else a peer token. */
  verifyToken(token: string, meta: ConnMeta): Promise<AuthResult>;
}

export async function startPeerSignaling(o: PeerSignalingOptions): Promise<PeerSignaling> {
  const reg = [o.registry];
  const messages = new Counter({
    name: 'peerlink_signaling_messages_total',
    help: 'Peer protocol messages by direction and type',
    labelNames: ['direction', 'type'],
    registers: reg,
  });
  const errors = new Counter({
    name: 'peerlink_signaling_errors_total',
    help: 'Peer protocol errors sent, by code',
    labelNames: ['code'],
    registers: reg,
  });
  const closes = new Counter({
    name: 'peerlink_signaling_closes_total',
    help: 'Connections closed by the server, by reason',
    labelNames: ['reason'],
    registers: reg,
  });
  const relayBytes = new Counter({
    name: 'peerlink_relay_bytes_total',
    help: 'Bytes relayed between peers',
    registers: reg,
  });
  const relayFrames = new Counter({
    name: 'peerlink_relay_frames_total',
    help: 'Frames relayed between peers',
    registers: reg,
  });
  const relayDropped = new Counter({
    name: 'peerlink_relay_dropped_total',
    help: 'Relay frames dropped, by reason',
    labelNames: ['reason'],
    registers: reg,
  });
  const pathSwitches = new Counter({
    name: 'peerlink_path_switches_total',
    help: 'Session sides that reported a move to another path (relay, direct, turn), by new path',
    labelNames: ['to'],
    registers: reg,
  });
  for (const to of PEER_PATHS) pathSwitches.inc({ to }, 0); // every series exists from the start
  const handled = new Histogram({
    name: 'peerlink_signaling_handle_seconds',
    help: 'Time to handle one inbound peer protocol frame',
    labelNames: ['kind'],
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
    registers: reg,
  });
  const crossed = new Counter({
    name: 'peerlink_cluster_envelopes_total',
    help: 'Messages and relay frames crossing to or from other nodes, by direction and kind',
    labelNames: ['direction', 'kind'],
    registers: reg,
  });
  const crossedBytes = new Counter({
    name: 'peerlink_cluster_bytes_total',
    help: 'Bytes crossing to or from other nodes over the bus, by direction',
    labelNames: ['direction'],
    registers: reg,
  });
  const badEnvelopes = new Counter({
    name: 'peerlink_cluster_bad_envelopes_total',
    help: 'Envelopes from the bus that could not be decoded or delivered',
    registers: reg,
  });
  const mailbox = new Counter({
    name: 'peerlink_signaling_mailbox_total',
    help: 'Messages for away peers: held in the mailbox, or dropped because the box was full',
    labelNames: ['outcome'],
    registers: reg,
  });
  const router = new Router(o.store, o.bus, {
    badEnvelope: () => badEnvelopes.inc(),
    crossed: (direction, kind, bytes) => {
      crossed.inc({ direction, kind });
      crossedBytes.inc({ direction }, bytes);
    },
  });
  await router.start();
  const engine = new PeerEngine({
    router,
    options: o.peerOptions,
    welcome: {
      stun: o.stun,
      iceServers: (id, host): IceServer[] => {
        const { stun, turn } = stunTurnUrls(o, host);
        const { username, password } = o.turnCredentials(id);
        return [{ urls: [stun] }, { urls: turn, username, credential: password }];
      },
    },
    observer: {
      message: (direction, type) => messages.inc({ direction, type }),
      error: (code) => errors.inc({ code }),
      relayed: (bytes) => {
        relayBytes.inc(bytes);
        relayFrames.inc();
      },
      relayDropped: (reason) => relayDropped.inc({ reason }),
      closed: () => {}, // the core counts closes (below)
      pathSwitched: (to) => pathSwitches.inc({ to }),
      mailbox: (outcome) => mailbox.inc({ outcome }),
    },
  });
  const refused = new Counter({
    name: 'peerlink_signaling_refused_total',
    help: 'Connections refused at the door (before the WebSocket upgrade), by protocol and reason',
    labelNames: ['protocol', 'reason'],
    registers: reg,
  });
  const protocolErrors = new Counter({
    name: 'peerlink_signaling_protocol_errors_total',
    help: "Errors charged to a connection, each a strike toward closing it, by protocol and code: the protocol's refusals and the core's own (TOO_LARGE, RATE_LIMITED)",
    labelNames: ['protocol', 'code'],
    registers: reg,
  });
  const internalErrors = new Counter({
    name: 'peerlink_signaling_internal_errors_total',
    help: 'Signaling handlers that threw (a bug, survived: the connection got an error), by protocol',
    labelNames: ['protocol'],
    registers: reg,
  });
  const socketErrors = new Counter({
    name: 'peerlink_signaling_socket_errors_total',
    help: 'Frames the WebSocket layer refused, closing the connection (an oversized frame, invalid UTF-8), by path and ws code',
    labelNames: ['path', 'code'],
    registers: reg,
  });
  let carrier: WsCarrier | undefined;
  const others: { pump(): void }[] = [];
  const core = new SignalingCore({
    wake: () =>
      queueMicrotask(() => {
        carrier?.pump();
        for (const c of others) c.pump();
      }),
    observer: {
      error: (protocol, code) => protocolErrors.inc({ protocol, code }),
      closed: (_protocol, reason) => closes.inc({ reason }),
      internalError: (protocol, err) => {
        internalErrors.inc({ protocol });
        o.onInternalError?.(protocol, err);
      },
      refused: (protocol, reason) => refused.inc({ protocol, reason }),
    },
  });
  core.mount(engine);
  for (const p of o.protocols?.(router) ?? []) core.mount(p);
  const stats = (): ReturnType<PeerEngine['stats']> & { connections: number } => ({
    ...engine.stats(),
    connections: core.connections,
  });
  for (const [name, help, key] of [
    ['peerlink_signaling_connections', 'Open peer protocol connections', 'connections'],
    ['peerlink_signaling_peers', 'Registered peers (connected or within the reconnect grace)', 'peers'],
    ['peerlink_signaling_sessions', 'Sessions (pending and active)', 'sessions'],
  ] as const) {
    new Gauge({
      name,
      help,
      registers: reg,
      collect() {
        this.set(stats()[key]);
      },
    });
  }
  new Gauge({
    name: 'peerlink_store_up',
    help: 'Whether the signaling store (embedded or Redis) answers: 1 up, 0 down',
    labelNames: ['store'],
    registers: reg,
    collect() {
      this.set({ store: o.store.kind }, o.store.health === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'peerlink_peer_session_sides',
    help: 'Sides of active sessions on each path, as last reported (relay until a side reports)',
    labelNames: ['path'],
    registers: reg,
    collect() {
      const sides = stats().sides;
      for (const path of PEER_PATHS) this.set({ path }, sides[path]);
    },
  });
  const verifyToken = (token: string, meta: ConnMeta): Promise<AuthResult> =>
    o.verifyTokenAt?.[meta.path]?.(token) ?? verifyPeerToken(o.authSecret, token);
  const adapter = (carrier = attachWebSocket({
    core,
    servers: o.servers,
    verifyToken,
    ...(o.remoteOf ? { remoteOf: o.remoteOf } : {}),
    onHandled: (seconds, kind) => handled.observe({ kind }, seconds),
    onSocketError: (path, code) => socketErrors.inc({ path, code }),
    ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
  }));
  const addCarrier = (c: { pump(): void }): void => void others.push(c);
  return { core, engine, router, adapter, pathSwitches, stats, addCarrier, verifyToken };
}
