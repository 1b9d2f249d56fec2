/**
 * The browser call page at `/im/call/`: two people sign in, one calls the other, audio and video flow
 * through RTCPeerConnection, either hangs up. The page (packages/server/im-call/) runs on
 * @peerlink/im-client's browser bundle, served here as `/im/call/im-client.js`. `POST /im/dev-login`
 * mints a JWT for a user name when `--im-dev-login` is on; otherwise it answers 404 `DEV_LOGIN_OFF`
 * (an IM app signs its users' tokens itself and opens the page with `?token=`).
 */
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { registerStaticFiles, type StaticFiles } from '../static-files.js';
import { SignJWT } from 'jose';

// dist/src/http/im/call-page.js -> packages/server/im-call/
const PAGE_DIR = new URL('../../../../im-call/', import.meta.url);
const DEV_TOKEN_SECONDS = 12 * 3600;
const USER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function bundlePath(suffix: string): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@peerlink/im-client/bundle') + suffix;
  } catch {
    return undefined;
  }
}

export interface ImCallPageOptions {
  /** The HS256 secret dev-login signs with; undefined: dev-login is off. */
  readonly devLoginSecret: string | undefined;
}

export function registerImCallPage(app: FastifyInstance, o: ImCallPageOptions): void {
  const js = 'text/javascript; charset=utf-8';
  const files: StaticFiles = {
    '/im/call/': { file: () => new URL('index.html', PAGE_DIR), type: 'text/html; charset=utf-8' },
    '/im/call/page.js': { file: () => new URL('page.js', PAGE_DIR), type: js },
    '/im/call/im-client.js': { file: () => bundlePath(''), type: js },
    '/im/call/im-client.js.map': { file: () => bundlePath('.map'), type: 'application/json' },
  };
  app.get('/im/call', async (_req, reply) => reply.redirect('/im/call/'));
  registerStaticFiles(app, files);
  registerDevLogin(app, o.devLoginSecret);
}

/** `POST /im/dev-login {"user": "alice"}` -> `{token, user_id, expires_in}`. */
export function registerDevLogin(app: FastifyInstance, secret: string | undefined): void {
  const key = secret === undefined ? undefined : new TextEncoder().encode(secret);
  app.post<{ Body: { user?: unknown } | undefined }>('/im/dev-login', async (req, reply) => {
    if (key === undefined)
      return reply.code(404).send({
        error_code: 'DEV_LOGIN_OFF',
        error_message: 'dev login is off (peerlink serve --im-dev-login turns it on)',
      });
    const user = req.body?.user;
    if (typeof user !== 'string' || !USER_NAME.test(user))
      return reply
        .code(400)
        .send({ error_code: 'BAD_REQUEST', error_message: 'user: 1-64 of [A-Za-z0-9_.-]' });
    const token = await new SignJWT({ dev: true })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime(`${DEV_TOKEN_SECONDS}s`)
      .sign(key);
    return { token, user_id: user, expires_in: DEV_TOKEN_SECONDS };
  });
}
