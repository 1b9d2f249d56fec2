/**
 * The HTTP API as a Fastify instance, built without listening so tests can `inject()` requests.
 * The same routes serve HTTP and HTTPS (server.ts creates one instance per port).
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics.js';
import { renderLandingPage } from './landing-page.js';

export interface StatusSource {
  version: string;
  startedAt: number;
  now: () => number;
  stun: () => { primary: string | null; alternate: string | null };
  counts: () => Record<string, number>;
  /** Session sides per path now, and path switches since start, each keyed by path. */
  paths: () => { sides: Record<string, number>; switches: Record<string, number> };
  /** This node's id, its store (`memory` or `redis`) and whether the store answers. */
  cluster?: () => { node: string; store: string; storeHealth: string };
}

export interface HttpAppOptions {
  readonly status: StatusSource;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly https?: { cert: string; key: string } | undefined;
}

const ENDPOINTS = [
  { path: '/', what: 'this page' },
  { path: '/status', what: 'JSON: version, uptime, counts, session paths, STUN addresses' },
  { path: '/metrics', what: 'Prometheus metrics' },
];

export function buildHttpApp(opts: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    ...(opts.https ? { https: { cert: opts.https.cert, key: opts.https.key } } : {}),
  }) as unknown as FastifyInstance;

  app.addHook('onResponse', async (req, reply) => {
    opts.metrics.httpRequests.inc({
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });

  app.get('/', async (_req, reply) => {
    const stun = opts.status.stun();
    const lines = [stun.primary, stun.alternate]
      .filter((s): s is string => s !== null)
      .map((s, i) => `${s} (UDP and TCP${i === 1 ? ', RFC 5780 alternate' : ''})`);
    reply.type('text/html; charset=utf-8');
    return renderLandingPage({ version: opts.status.version, stun: lines, endpoints: ENDPOINTS });
  });

  app.get('/status', async () => {
    const now = opts.status.now();
    return {
      name: 'peerlink',
      version: opts.status.version,
      startedAt: new Date(opts.status.startedAt).toISOString(),
      uptimeSeconds: Math.round((now - opts.status.startedAt) / 1000),
      stun: opts.status.stun(),
      counts: opts.status.counts(),
      paths: opts.status.paths(),
      ...(opts.status.cluster ? { cluster: opts.status.cluster() } : {}),
    };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });

  return app;
}
