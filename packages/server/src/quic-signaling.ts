/**
 * Composition of signaling over QUIC (docs/quic-signaling.md): the QUIC carrier on the same core as
 * the WebSocket (so the same KVS, peer and IM protocols, limits, store and cluster routing), the
 * token check the WebSocket carrier uses, the server's TLS
 * certificate, the STUN and TURN servers a JOINED and an ICE_CONFIG hand out (the same TURN grants as
 * GetIceServerConfig), and its Prometheus metrics.
 */
import type { IceSource } from './ice-settings.js';
import { ICE_CONFIG_TTL_SECONDS, MAX_ICE_SERVERS, MAX_ICE_URIS, startQuicCarrier } from '@peerlink/signaling';
import type { QuicCarrier, QuicCarrierOptions, QuicIceServer, SignalingCore } from '@peerlink/signaling';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ServerError } from './errors.js';
import { stunTurnUrls, type AdvertisedStunTurn } from './ice-servers.js';
import { kvsTurnServers } from './http/kvs/turn-grants.js';

export interface QuicSignalingOptions extends AdvertisedStunTurn {
  readonly core: SignalingCore;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  readonly keepaliveSeconds: number;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly maxConnectionsPerIp: number;
  /** TURN secrets and --ice-server in force (replaced on reload). */
  readonly ice: IceSource;
  readonly now: () => number;
  /** Tokens the peer and IM protocols ask about (a `register`, an `auth`), as over the WebSocket. */
  readonly verifyToken: QuicCarrierOptions['verifyToken'];
  /** Limits and timeouts beyond the config's (tests): join timeout, per-IP handshakes, close grace. */
  readonly extra?: Partial<
    Pick<
      QuicCarrierOptions,
      'joinTimeoutMs' | 'closeGraceMs' | 'maxPendingPerIp' | 'maxConnections' | 'idleTimeoutMs'
    >
  >;
}

export async function startQuicSignaling(o: QuicSignalingOptions): Promise<QuicCarrier> {
  const reg = [o.registry];
  const drops = new Counter({
    name: 'peerlink_quic_drops_total',
    help: 'What the QUIC carrier dropped before the protocol saw it, by reason (not-quic, pending-per-ip, extra-stream, bad-frame, join-timeout...)',
    labelNames: ['reason'],
    registers: reg,
  });
  const handshakes = new Counter({
    name: 'peerlink_quic_handshakes_total',
    help: 'QUIC handshakes completed',
    registers: reg,
  });
  const joins = new Counter({
    name: 'peerlink_quic_joins_total',
    help: 'JOINs answered over QUIC, by outcome (joined, or the refusal type)',
    labelNames: ['outcome'],
    registers: reg,
  });
  const failures = new Counter({
    name: 'peerlink_quic_worker_failures_total',
    help: 'Times the QUIC worker thread ended on a library failure and was started again',
    registers: reg,
  });
  const turn = kvsTurnServers(o);
  const iceServers = (who: { channel: string; user: string }, host: string | undefined): QuicIceServer[] => {
    const stun = { uris: [stunTurnUrls(o, host).stun], ttl: ICE_CONFIG_TTL_SECONDS };
    const grants = turn(who, host).map((g) => ({
      uris: g.uris.slice(0, MAX_ICE_URIS),
      username: g.username,
      password: g.password,
      ttl: ICE_CONFIG_TTL_SECONDS,
    }));
    return [stun, ...grants].slice(0, MAX_ICE_SERVERS);
  };
  let carrier: QuicCarrier;
  try {
    carrier = await startQuicCarrier({
      core: o.core,
      host: o.host,
      port: o.port,
      cert: o.tls.cert,
      key: o.tls.key,
      iceServers,
      ...(o.verifyToken ? { verifyToken: o.verifyToken } : {}),
      keepaliveMs: o.keepaliveSeconds * 1000,
      maxConnectionsPerIp: o.maxConnectionsPerIp,
      tickMs: 0, // the WebSocket carrier runs the core's timers
      ...o.extra,
      now: o.now,
      observer: {
        dropped: (reason, n) => drops.inc({ reason }, n),
        handshakes: (n) => handshakes.inc(n),
        joined: (outcome) => joins.inc({ outcome }),
        workerFailed: (err) => {
          failures.inc();
          o.logger.error({ err }, 'QUIC worker failed; WebSocket signaling is unaffected, QUIC restarts');
        },
      },
    });
  } catch (err) {
    throw new ServerError(
      'LISTEN_FAILED',
      `cannot listen for QUIC on ${o.host}:${o.port}/udp: ${(err as Error).message}`,
      { cause: err },
    );
  }
  new Gauge({
    name: 'peerlink_quic_connections',
    help: 'Open QUIC signaling connections (joined or not)',
    registers: reg,
    collect() {
      this.set(carrier.connections);
    },
  });
  return carrier;
}
