/**
 * The admin API: a listener of its own (`--admin-listen`, 127.0.0.1:9090 by default), never the
 * public ports, where every route, unknown ones included, needs `Authorization: Bearer <token>` with
 * the token in `<data-dir>/admin-token`. Today: `POST /admin/reload`. docs/configuration.md.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ReloadReport } from './reload.js';

export interface AdminAppOptions {
  readonly token: string;
  readonly logger: Logger;
  readonly reload: () => Promise<ReloadReport>;
  /** Counts refused requests (wrong or missing token). */
  readonly onRefused?: () => void;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function buildAdminApp(o: AdminAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: o.logger.child({ component: 'admin' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
  }) as unknown as FastifyInstance;
  const expected = digest(`Bearer ${o.token}`);
  app.addHook('onRequest', async (req, reply) => {
    const given = req.headers.authorization;
    // Digests of equal length, compared in constant time: the token leaks nothing through timing.
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    o.onRefused?.();
    return reply.code(401).header('www-authenticate', 'Bearer realm="peerlink-admin"').send({
      error: 'ADMIN_TOKEN_REQUIRED',
      message: 'send Authorization: Bearer <the token in the data dir file admin-token>',
    });
  });
  app.post('/admin/reload', async (_req, reply) => {
    try {
      return await o.reload();
    } catch (err) {
      // A config that no longer parses changes nothing: the server keeps what it runs with.
      return reply.code(400).send({
        error: (err as { code?: string }).code ?? 'RELOAD_FAILED',
        message: (err as Error).message,
      });
    }
  });
  return app;
}
