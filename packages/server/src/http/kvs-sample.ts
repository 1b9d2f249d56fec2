/**
 * A browser sample page for the KVS API, like AWS's KVS WebRTC sample: `GET /kvs/sample/` (the page),
 * `/kvs/sample/sample.js` (its script) and `/kvs/sample/kvs-webrtc.min.js` (the browser bundle of
 * AWS's KVS WebRTC JS SDK, served unchanged from node_modules). The page and script are plain files in
 * packages/server/kvs-sample/, read from disk per request; the SDK bundle is resolved with
 * createRequire, so it answers 404 where the SDK is not installed (it is a devDependency).
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { registerStaticFiles, type StaticFiles } from './static-files.js';

// dist/src/http/kvs-sample.js -> packages/server/kvs-sample/
const PAGE_DIR = new URL('../../../kvs-sample/', import.meta.url);
const SDK_BUNDLE = 'amazon-kinesis-video-streams-webrtc/dist/kvs-webrtc.min.js';

function sdkBundlePath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(SDK_BUNDLE);
  } catch {
    return undefined;
  }
}

export function registerKvsSample(app: FastifyInstance): void {
  const files: StaticFiles = {
    '/kvs/sample/': { file: () => new URL('index.html', PAGE_DIR), type: 'text/html; charset=utf-8' },
    '/kvs/sample/sample.js': {
      file: () => new URL('sample.js', PAGE_DIR),
      type: 'text/javascript; charset=utf-8',
    },
    '/kvs/sample/kvs-webrtc.min.js': { file: sdkBundlePath, type: 'text/javascript; charset=utf-8' },
  };
  app.get('/kvs/sample', async (_req, reply) => reply.redirect('/kvs/sample/'));
  registerStaticFiles(app, files);
}
