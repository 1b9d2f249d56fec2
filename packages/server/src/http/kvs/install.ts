/**
 * The KVS HTTP API on the server's HTTP and HTTPS apps, from its configuration: endpoints pointing
 * back at the HTTPS listener, TURN servers from the server's own TURN or --ice-server, one rate
 * limiter and one `peerlink_kvs_api_requests_total{operation,outcome}` for both ports.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { DurableRecords, SigV4Verifier } from '@peerlink/signaling';
import type { ServeConfig } from '../../config/load-config.js';
import type { AdvertisedStunTurn } from '../../ice-servers.js';
import type { IceSource } from '../../ice-settings.js';
import { kvsEndpoints } from './endpoints.js';
import { KvsRateLimiter, type KvsRateLimits } from './rate-limit.js';
import { registerKvsRoutes } from './routes.js';
import { kvsTurnServers } from './turn-grants.js';

/** What the KVS API runs over: where channels live, and who checks signatures. */
export interface KvsApiOptions {
  readonly records: DurableRecords;
  readonly verifier: SigV4Verifier;
  readonly rateLimits?: KvsRateLimits;
}

export interface KvsInstall extends AdvertisedStunTurn {
  readonly apps: readonly FastifyInstance[];
  readonly config: Pick<ServeConfig, 'publicUrl' | 'kvsAccountId'>;
  readonly registry: Registry;
  readonly now: () => number;
  /** TURN secrets and --ice-server in force (replaced on reload). */
  readonly ice: IceSource;
  readonly httpsPort: () => number;
  /** The QUIC carrier's UDP port, when it listens (GetSignalingChannelEndpoint's QUIC endpoint). */
  readonly quicPort?: () => number | undefined;
}

export function installKvsApi(api: KvsApiOptions, o: KvsInstall): void {
  const requests = new Counter({
    name: 'peerlink_kvs_api_requests_total',
    help: 'KVS control plane and GetIceServerConfig requests, by operation and outcome (ok or the AWS error type)',
    labelNames: ['operation', 'outcome'],
    registers: [o.registry],
  });
  const limiter = new KvsRateLimiter(api.rateLimits);
  const iceServers = kvsTurnServers(o);
  for (const app of o.apps)
    registerKvsRoutes(app, {
      records: api.records,
      verifier: api.verifier,
      now: o.now,
      accountId: o.config.kvsAccountId,
      endpoints: (host) =>
        kvsEndpoints(
          {
            publicUrl: o.config.publicUrl,
            httpsPort: o.httpsPort,
            fallbackHost: () => o.advertisedHost(undefined),
            ...(o.quicPort ? { quicPort: o.quicPort } : {}),
          },
          host,
        ),
      iceServers,
      limiter,
      onResult: (operation, outcome) => requests.inc({ operation, outcome }),
    });
}
