/**
 * Small static pages served from files on disk (the KVS sample, the IM call page): each path reads its
 * file per request (no cache, so a rebuilt bundle shows at once) and answers 404 where the file is
 * missing, e.g. a devDependency that is not installed.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

export type StaticFiles = Record<string, { file: () => string | URL | undefined; type: string }>;

export function registerStaticFiles(app: FastifyInstance, files: StaticFiles): void {
  for (const [path, { file, type }] of Object.entries(files)) {
    app.get(path, async (_req, reply) => {
      const f = file();
      const body = f === undefined ? undefined : await readFile(f).catch(() => undefined);
      if (body === undefined) return reply.code(404).type('text/plain').send(`not available: ${path}\n`);
      return reply.type(type).header('cache-control', 'no-store').send(body);
    });
  }
}
