/**
 * Composition: turns a resolved ServeConfig into running listeners (HTTP, HTTPS, STUN UDP/TCP) that
 * share one metrics registry and one logger. `close()` stops everything it started.
 */
import { formatTransportAddress, makeTurnRestCredentials } from '@peerlink/wire';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  NodeTurnRelays,
  PeerPolicy,
  parseCidr,
  startStunListeners,
  type Cidr,
  type StunListeners,
  type TurnEvent,
} from '@peerlink/turn-server';
import type { FastifyInstance } from 'fastify';
import {
  createSigV4Verifier,
  DEFAULT_PEER_OPTIONS,
  type KvsEngine,
  type KvsOptions,
  type PeerEngineOptions,
  type QuicCarrier,
} from '@peerlink/signaling';
import { pino, type Logger } from 'pino';
import { AccessKeys } from './access-keys/access-keys.js';
import { buildAdminApp } from './admin/admin-app.js';
import { reloadConfig, type ReloadReport } from './admin/reload.js';
import { KEK_FILE } from './access-keys/kek.js';
import type { ServeConfig } from './config/load-config.js';
import { isWildcard } from './config/load-config.js';
import { ServerError } from './errors.js';
import { buildHttpApp, type StatusSource } from './http/app.js';
import { ClientAddresses } from './http/client-address.js';
import { installKvsApi, type KvsApiOptions } from './http/kvs/install.js';
import { registerKvsSample } from './http/kvs-sample.js';
import { IceSettings, type IceValues } from './ice-settings.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { kvsSignaling } from './kvs-signaling.js';
import { imEnabled, imSignaling } from './im-signaling.js';
import { registerImRoutes } from './http/im/routes.js';
import { registerDevLogin, registerImCallPage } from './http/im/call-page.js';
import { KVS_TURN_CREDENTIAL_SECONDS, kvsTurnServers } from './http/kvs/turn-grants.js';
import { stunTurnUrls } from './ice-servers.js';
import { startPeerSignaling, type PeerSignaling } from './peer-signaling.js';
import { startQuicSignaling, type QuicSignalingOptions } from './quic-signaling.js';
import { openDataDir, type DataDir } from './store/data-dir.js';
import { openSignalBackend, type SignalBackend } from './store/signal-store.js';
import { VERSION } from './version.js';

export interface RunningServer {
  /** The configuration in force (a reload replaces it). */
  readonly config: ServeConfig;
  readonly dataDir: DataDir;
  readonly metrics: ServerMetrics;
  readonly httpUrl: string;
  readonly httpsUrl: string;
  readonly stun: StunListeners;
  readonly signaling: PeerSignaling;
  /** The signaling store and bus, and this node's id in the cluster. */
  readonly backend: SignalBackend;
  /** The access keys KVS clients sign with, over `backend.durable` (shared with `peerlink access-keys`). */
  readonly accessKeys: AccessKeys;
  readonly turn: NodeTurnRelays;
  /** The relay addresses per family, for the banner. */
  readonly relayIps: { 4?: string | undefined; 6?: string | undefined };
  /**
   * The client's address for a request on either port: the PROXY header's or X-Forwarded-For's when
   * the TCP peer is a --trusted-proxy, else the socket's (`ip:port`, IPv6 `[ip]:port`).
   */
  readonly clientAddressOf: (req: IncomingMessage) => string;
  /** What was generated on this start, for the banner. */
  readonly generated: readonly string[];
  /** The admin API (`--admin-listen`), e.g. `http://127.0.0.1:9090`; undefined when off. */
  readonly adminUrl: string | undefined;
  /** The TURN secrets and ICE servers in force. */
  readonly ice: IceSettings;
  /**
   * Reads the configuration and the data dir's secrets again and applies what can change live
   * (TURN secrets, --ice-server, log level); KVS clients get RECONNECT_ICE_SERVER when their ICE
   * configuration changed. Throws, changing nothing, when the configuration no longer parses.
   */
  reload(): Promise<ReloadReport>;
  /** Signaling over QUIC (KVS, peer, IM; docs/quic-signaling.md); undefined with --no-quic. */
  readonly quic: QuicCarrier | undefined;
  /** GO_AWAY to every client, wait up to `graceMs` for them to leave, then close everything. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Peer protocol limits and timeouts beyond what the config exposes (embedders, tests). */
  readonly peerOptions?: Partial<PeerEngineOptions>;
  /** How often the signaling adapter runs the engine's timers (default 1000 ms). */
  readonly signalingTickMs?: number;
  /** The KVS API's records and verifier (default: the durable records and the issued access keys). */
  readonly kvs?: KvsApiOptions;
  /**
   * Reads the configuration again for a reload (the CLI: its flags and environment as started, the
   * config file as it is now). Default: the configuration given, so a reload re-reads only secrets.
   */
  readonly readConfig?: () => ServeConfig;
  /** KVS protocol limits beyond what the config exposes (benchmarks lift the per-connection rates). */
  readonly kvsOptions?: Partial<KvsOptions>;
  /** QUIC carrier limits and timeouts beyond what the config exposes (tests). */
  readonly quicOptions?: QuicSignalingOptions['extra'];
}

/** Routes whose answer reads the counts and TURN gauges that `refreshCounts` gathers. */
const REFRESHED_ROUTES = new Set(['/status', '/metrics']);

function urlHost(host: string): string {
  const h = isWildcard(host) ? (host === '::' ? '::1' : '127.0.0.1') : host;
  return h.includes(':') ? `[${h}]` : h;
}

function publicUrlHost(url: string | undefined): string | undefined {
  return url === undefined ? undefined : new URL(url).hostname.replace(/^\[|\]$/g, '');
}

async function listen(app: FastifyInstance, host: string, port: number, what: string): Promise<number> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw new ServerError(
      'LISTEN_FAILED',
      `cannot listen for ${what} on ${host}:${port}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

/** Relay IPs: --relay-ip, else the STUN address, else the first external IPv4 of a wildcard host. */
function relayIpsFor(config: ServeConfig, stunAddress: string): { 4?: string; 6?: string } {
  const out: { 4?: string; 6?: string } = {};
  for (const ip of config.relayIps) out[ip.includes(':') ? 6 : 4] = ip;
  if (config.relayIps.length > 0) return out;
  if (!isWildcard(stunAddress)) {
    out[stunAddress.includes(':') ? 6 : 4] = stunAddress;
    return out;
  }
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
  out[4] = external?.address ?? '127.0.0.1';
  return out;
}

function onTurnEvent(metrics: ServerMetrics, e: TurnEvent): void {
  const t = metrics.turn;
  switch (e.type) {
    case 'request':
      t.requests.inc({ method: e.method });
      break;
    case 'response':
      t.responses.inc({ method: e.method, code: String(e.code) });
      break;
    case 'auth-failure':
      t.authFailures.inc({ reason: e.why });
      break;
    case 'drop':
      t.dropped.inc({ reason: e.reason });
      break;
    case 'allocation':
      t.allocationChanges.inc({ change: e.change });
      break;
  }
}

export async function startServer(config: ServeConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const dataDir = openDataDir(config.dataDir);
  // The development certificate names every host this server is reached by, so clients verify it.
  const certNames = [
    config.host,
    config.publicIp,
    config.altIp,
    publicUrlHost(config.publicUrl),
    ...config.tlsSan,
  ];
  const tls = await dataDir.tls({
    cert: config.cert,
    key: config.key,
    names: certNames.filter((n): n is string => n !== undefined && !isWildcard(n)),
  });
  const metrics = createMetrics();

  const stunAddress = config.publicIp ?? config.host;
  const relayIps = relayIpsFor(config, stunAddress);
  const iceValues = (c: ServeConfig, secrets = dataDir.secrets): IceValues => ({
    turnSecrets: c.turnSecrets.length > 0 ? c.turnSecrets : [secrets.turnSecret],
    external: c.iceServers,
  });
  const ice = new IceSettings(iceValues(config));
  const turn = new NodeTurnRelays({
    realm: config.realm,
    users: config.turnUsers,
    secrets: ice.turnSecrets,
    relayIps,
    minPort: config.minPort,
    maxPort: config.maxPort,
    userQuota: config.userQuota,
    totalQuota: config.totalQuota,
    maxBytesPerSecond: config.maxBps || undefined, // 0 means unlimited, as in coturn
    dataPath: config.turnDataPath,
    software: config.software,
    peerPolicy: new PeerPolicy({
      allow: config.allowPeers.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined),
      allowLoopback: config.allowLoopbackPeers,
    }),
    onEvent: (e) => onTurnEvent(metrics, e),
    onSocketError: () => metrics.socketErrors.inc({ component: 'turn-relay' }),
    now,
  });
  // A native build that failed is loud here, never fatal: the TypeScript data path relays instead.
  if (turn.dataPathReason !== undefined) logger.warn(turn.dataPathReason);
  else logger.info({ turnDataPath: turn.dataPath }, 'TURN data path');
  let stun: StunListeners;
  const listenStun = (): Promise<StunListeners> =>
    startStunListeners({
      turn: turn.hook,
      software: config.software,
      tls: { port: config.tlsPort, cert: tls.cert, key: tls.key },
      address: stunAddress,
      port: config.stunPort,
      alternate: config.altIp !== undefined ? { address: config.altIp, port: config.altPort } : undefined,
      onEvent: (e) => {
        switch (e.type) {
          case 'request':
            metrics.stunRequests.inc({ transport: e.transport });
            break;
          case 'response':
            metrics.stunResponses.inc({ transport: e.transport, class: e.cls });
            break;
          case 'drop':
            metrics.stunDropped.inc({ transport: e.transport, reason: e.reason });
            break;
          case 'socket-error':
            metrics.socketErrors.inc({ component: 'stun' });
            logger.warn({ err: e.error }, 'stun socket error');
            break;
        }
      },
    });
  try {
    stun = await listenStun(); // retries an ephemeral port's TCP/UDP race itself
  } catch (err) {
    await turn.close();
    throw new ServerError(
      'LISTEN_FAILED',
      `cannot bind STUN/TURN on ${stunAddress}:${config.stunPort}: ${(err as Error).message}`,
      { cause: err },
    );
  }

  const counterTotal = async (c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> =>
    (await c.get()).values.reduce((a, v) => a + v.value, 0);
  let stunCounts = { stunRequests: 0, stunDropped: 0 };
  let switchCounts: Record<string, number> = {};
  const refreshCounts = async (): Promise<void> => {
    stunCounts = {
      stunRequests: await counterTotal(metrics.stunRequests),
      stunDropped: await counterTotal(metrics.stunDropped),
    };
    switchCounts = Object.fromEntries(
      (await signaling.pathSwitches.get()).values.map((v) => [String(v.labels['to']), v.value]),
    );
    const t = turn.stats();
    metrics.turn.allocations.set(t.allocations);
    metrics.turn.permissions.set(t.permissions);
    metrics.turn.channels.set(t.channels);
    metrics.turn.syncRelayed(turn.relayed());
  };
  const status: StatusSource = {
    version: VERSION,
    startedAt,
    now,
    stun: () => ({
      primary: formatTransportAddress(stun.primary),
      alternate: stun.alternate ? formatTransportAddress(stun.alternate) : null,
    }),
    counts: () => {
      const s = signaling.stats();
      return { ...stunCounts, connections: s.connections, peers: s.peers, sessions: s.sessions };
    },
    paths: () => ({ sides: signaling.stats().sides, switches: switchCounts }),
    cluster: () => ({ node: backend.nodeId, store: backend.store.kind, storeHealth: backend.store.health }),
  };
  const http = buildHttpApp({ status, metrics, logger });
  const https = buildHttpApp({ status, metrics, logger, https: { cert: tls.cert, key: tls.key } });
  registerKvsSample(https);
  const clientAddresses = new ClientAddresses({
    trustedProxies: config.trustedProxies,
    proxyProtocol: config.proxyProtocol,
    onProxyHeader: (e) => {
      metrics.proxyHeaders.inc({ outcome: e.outcome });
      // A balancer hanging up before its header is routine (restarts, probes); the rest is a fault.
      if (e.outcome === 'closed')
        logger.debug({ peer: e.peer }, 'trusted proxy closed before its PROXY header');
      else if (e.outcome !== 'proxied' && e.outcome !== 'local') {
        logger.warn({ peer: e.peer, outcome: e.outcome, err: e.error?.message }, 'PROXY header refused');
      }
    },
  });
  // Before listen: PROXY headers come before the TLS handshake and the HTTP request.
  for (const app of [http, https]) clientAddresses.install(app.server);
  // Only the routes that show these numbers pay for gathering them.
  for (const app of [http, https])
    app.addHook('onRequest', async (req) => {
      if (REFRESHED_ROUTES.has(req.routeOptions.url ?? '')) await refreshCounts();
    });
  const peerOptions: Partial<PeerEngineOptions> = {
    maxPeers: config.maxPeers,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    messagesPerSecond: config.messageRate,
    messageBurst: config.messageRate * 4,
    ...opts.peerOptions,
    relay: {
      ...DEFAULT_PEER_OPTIONS.relay,
      bytesPerSecond: config.relayRate,
      burstBytes: config.relayRate * 2,
      ...opts.peerOptions?.relay,
    },
  };
  let backend: SignalBackend;
  let accessKeys: AccessKeys;
  try {
    backend = await openSignalBackend({
      dataDir: dataDir.path,
      redisUrl: config.redisUrl,
      redisPrefix: config.redisPrefix,
      nodeId: config.nodeId,
      mailbox: {
        ttlMs: peerOptions.awayTtlMs ?? DEFAULT_PEER_OPTIONS.awayTtlMs,
        maxMessages: peerOptions.mailboxMaxMessages ?? DEFAULT_PEER_OPTIONS.mailboxMaxMessages,
        maxBytes: peerOptions.mailboxMaxBytes ?? DEFAULT_PEER_OPTIONS.mailboxMaxBytes,
      },
      logger,
      now,
    });
  } catch (err) {
    await Promise.allSettled([turn.close(), stun.close()]);
    throw err;
  }
  try {
    // A node whose KEK is not the one the store's keys are sealed with stops here, by name.
    accessKeys = await AccessKeys.open(backend.durable, {
      kekFile: config.kekFile ?? join(dataDir.path, KEK_FILE),
    });
  } catch (err) {
    await Promise.allSettled([backend.close(), turn.close(), stun.close()]);
    throw err;
  }
  const advertisedHost = (hostHeader: string | undefined): string =>
    config.publicIp ?? publicUrlHost(config.publicUrl) ?? hostHeader ?? urlHost(config.host);
  // KVS: the control plane, GetIceServerConfig and the /kvs WebSocket check SigV4 against the access
  // keys peerlink issued (`peerlink access-keys create`), over the durable records.
  const kvsApi: KvsApiOptions = opts.kvs ?? {
    records: backend.durable,
    verifier: createSigV4Verifier({ secretOf: (id) => accessKeys.secretOf(id) }),
  };
  let kvs: KvsEngine | undefined;
  // IM calls at /im, with JWTs from the IM app (--jwt-secret or --jwks-url); off without either.
  const im = imEnabled(config.im)
    ? imSignaling({ config: config.im, registry: metrics.registry, records: backend.durable, logger })
    : undefined;
  const signaling = await startPeerSignaling({
    registry: metrics.registry,
    store: backend.store,
    bus: backend.bus,
    remoteOf: clientAddresses.clientAddressOf,
    onInternalError: (protocol, err) => logger.error({ err, protocol }, 'signaling handler failed'),
    protocols: (router) => [
      (kvs = kvsSignaling({
        registry: metrics.registry,
        router,
        records: backend.durable,
        verifier: kvsApi.verifier,
        authSecret: config.authSecret ?? dataDir.secrets.authSecret,
        options: {
          ...config.kvsLimits,
          messageBurst: config.kvsLimits.messagesPerSecond * 2,
          maxConnectionsPerIp: config.maxConnectionsPerIp,
          ...opts.kvsOptions,
        },
      })),
      ...(im ? [im.protocol(router)] : []),
    ],
    ...(im && { verifyTokenAt: { '/im': (token: string) => im.verify(token) } }),
    servers: [
      { server: http.server, secure: false },
      { server: https.server, secure: true },
    ],
    authSecret: config.authSecret ?? dataDir.secrets.authSecret,
    peerOptions,
    ...(opts.signalingTickMs !== undefined ? { tickMs: opts.signalingTickMs } : {}),
    stun: status.stun,
    stunPort: stun.primary.port,
    tlsPort: stun.tls?.port,
    turnCredentials: (peerId) =>
      makeTurnRestCredentials(ice.turnSecret, peerId.replace(/:/g, '_'), 24 * 3600, now() / 1000),
    advertisedHost,
  });
  let quic: QuicCarrier | undefined; // started below, once the HTTP side is installed
  installKvsApi(kvsApi, {
    apps: [http, https],
    config,
    registry: metrics.registry,
    now,
    ice,
    advertisedHost,
    stunPort: stun.primary.port,
    tlsPort: stun.tls?.port,
    httpsPort: () => (https.server.address() as { port: number } | null)?.port ?? config.httpsPort,
    quicPort: () => quic?.port,
  });
  if (im) {
    const where = { advertisedHost, stunPort: stun.primary.port, tlsPort: stun.tls?.port };
    const turnFor = kvsTurnServers({ ...where, ice, now });
    for (const app of [http, https])
      registerImRoutes(app, {
        verify: im.verify,
        history: im.history,
        turn: (user, host) => turnFor({ channel: 'im', user }, host),
        stun: (host) => stunTurnUrls(where, host).stun,
        ttlSeconds: KVS_TURN_CREDENTIAL_SECONDS,
      });
    for (const app of [http, https]) registerImCallPage(app, { devLoginSecret: im.devLoginSecret });
  } else for (const app of [http, https]) registerDevLogin(app, undefined);
  const started: { close(): Promise<unknown> }[] = [backend, turn, stun, signaling.adapter];
  let current = config;
  const reload = async (): Promise<ReloadReport> => {
    try {
      const report = reloadConfig({
        current: () => current,
        read: opts.readConfig ?? (() => current),
        iceValues: (c) => iceValues(c, dataDir.reloadSecrets()),
        ice,
        apply: (c, before) => {
          turn.engine.setSecrets(ice.turnSecrets);
          if (c.logLevel !== before.logLevel) logger.level = c.logLevel;
        },
        reconnectIceServers: () => kvs?.reconnectIceServers() ?? 0,
        commit: (c) => (current = c),
      });
      metrics.reloads.inc({ outcome: 'ok' });
      logger.info(report, 'configuration reloaded');
      return report;
    } catch (err) {
      metrics.reloads.inc({ outcome: 'failed' });
      logger.error({ err }, 'reload failed: the running configuration is kept');
      throw err;
    }
  };
  const admin = config.adminListen
    ? buildAdminApp({
        token: dataDir.adminToken(),
        logger,
        reload,
        onRefused: () => metrics.adminRefused.inc(),
      })
    : undefined;
  try {
    if (config.quicPort !== undefined) {
      quic = await startQuicSignaling({
        core: signaling.core,
        registry: metrics.registry,
        logger,
        host: config.host,
        port: config.quicPort,
        keepaliveSeconds: config.quicKeepaliveSeconds,
        tls,
        maxConnectionsPerIp: config.maxConnectionsPerIp,
        ice,
        now,
        verifyToken: signaling.verifyToken,
        advertisedHost,
        stunPort: stun.primary.port,
        tlsPort: stun.tls?.port,
        ...(opts.quicOptions ? { extra: opts.quicOptions } : {}),
      });
      signaling.addCarrier(quic);
      started.push(quic);
    }
    const httpPort = await listen(http, config.host, config.httpPort, 'HTTP');
    started.push(http);
    const httpsPort = await listen(https, config.host, config.httpsPort, 'HTTPS');
    started.push(https);
    let adminUrl: string | undefined;
    if (admin && config.adminListen) {
      const { host, port } = config.adminListen;
      const adminPort = await listen(admin, host, port, 'the admin API (--admin-listen)');
      started.push(admin);
      adminUrl = `http://${urlHost(host)}:${adminPort}`;
    }
    logger.info(
      { http: httpPort, https: httpsPort, quic: quic?.port, stun: status.stun(), dataDir: dataDir.path },
      'peerlink serving',
    );
    return {
      get config() {
        return current;
      },
      dataDir,
      metrics,
      httpUrl: `http://${urlHost(config.host)}:${httpPort}`,
      httpsUrl: `https://${urlHost(config.host)}:${httpsPort}`,
      stun,
      signaling,
      backend,
      accessKeys,
      turn,
      relayIps,
      clientAddressOf: clientAddresses.clientAddressOf,
      generated: dataDir.generated,
      adminUrl,
      ice,
      reload,
      quic,
      drain: async (graceMs) => {
        await Promise.all([signaling.adapter.drain(graceMs), quic?.drain(graceMs)]);
        await Promise.allSettled([...started].reverse().map((s) => s.close()));
      },
      close: async () => {
        await Promise.allSettled([...started].reverse().map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}
