// The IM call page and dev login on a running server: /im/call/ serves the page, its script and
// @peerlink/im-client's browser bundle; POST /im/dev-login is 404 DEV_LOGIN_OFF unless --im-dev-login,
// and with it mints tokens that /im, /im/ice-servers and (with --jwt-secret) the app's secret accept.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import WebSocket from 'ws';
import type { RunningServer } from '../src/index.js';
import { start } from './helpers/start-server.js';

const JWT_SECRET = 'im-page-secret-0123456789abcdef';

const devLogin = (server: RunningServer, body: unknown): Promise<Response> =>
  fetch(`${server.httpUrl}/im/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Opens /im with `token` as the first message and returns the first frame the server sends. */
async function firstFrame(server: RunningServer, token: string): Promise<{ type: string; payload: unknown }> {
  const ws = new WebSocket(`${server.httpUrl.replace(/^http/, 'ws')}/im`);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'auth', payload: { token } }));
    const data = await new Promise<Buffer>((resolve) => ws.once('message', resolve));
    return JSON.parse(data.toString()) as { type: string; payload: unknown };
  } finally {
    ws.close();
  }
}

describe('dev login off (the default)', () => {
  const servers: RunningServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('answers 404 DEV_LOGIN_OFF with IM on and with IM off', async () => {
    servers.push(await start({}, { 'jwt-secret': JWT_SECRET }), await start({}, {}));
    for (const s of servers) {
      const res = await devLogin(s, { user: 'alice' });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error_code: string }).error_code, 'DEV_LOGIN_OFF');
    }
  });

  it('serves the call page and the bundle whenever /im is on', async () => {
    const s = servers[0] as RunningServer;
    const page = await fetch(`${s.httpUrl}/im/call/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<script type="module" src="page.js">/);
    const script = await fetch(`${s.httpUrl}/im/call/page.js`);
    assert.match(await script.text(), /from '\.\/im-client\.js'/);
    const bundle = await fetch(`${s.httpUrl}/im/call/im-client.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
    const text = await bundle.text();
    assert.match(text, /var ImSocket = class/);
    assert.match(text, /export\s*\{[^}]*ImPhone/);
    const redirect = await fetch(`${s.httpUrl}/im/call`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    // IM off: no page.
    assert.equal((await fetch(`${(servers[1] as RunningServer).httpUrl}/im/call/`)).status, 404);
  });
});

describe('dev login on (--im-dev-login)', () => {
  let alone: RunningServer;
  let withSecret: RunningServer;
  before(async () => {
    alone = await start({}, { 'im-dev-login': true });
    withSecret = await start({}, { 'im-dev-login': true, 'jwt-secret': JWT_SECRET });
  });
  after(async () => {
    await alone?.close();
    await withSecret?.close();
  });

  it('mints a token that /im and /im/ice-servers accept, with no --jwt-secret', async () => {
    const res = await devLogin(alone, { user: 'alice' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; user_id: string; expires_in: number };
    assert.equal(body.user_id, 'alice');
    assert.ok(body.expires_in > 0);
    const ok = await firstFrame(alone, body.token);
    assert.deepEqual([ok.type, ok.payload], ['auth.ok', { user_id: 'alice' }]);
    const ice = await fetch(`${alone.httpUrl}/im/ice-servers`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    assert.equal(ice.status, 200);
    assert.ok(((await ice.json()) as { ice_servers: unknown[] }).ice_servers.length >= 2);
  });

  it('signs with --jwt-secret when it is given, so the app and the page share users', async () => {
    const { token } = (await (await devLogin(withSecret, { user: 'bob' })).json()) as { token: string };
    const { payload } = await jwtVerify(token, new TextEncoder().encode(JWT_SECRET));
    assert.equal(payload.sub, 'bob');
    assert.equal(typeof payload.exp, 'number');
    // Another server's dev-login secret is not this one's.
    const other = (await (await devLogin(alone, { user: 'bob' })).json()) as { token: string };
    const refused = await firstFrame(withSecret, other.token);
    assert.equal(refused.type, 'call.error');
  });

  it('refuses user names that are not 1-64 of [A-Za-z0-9_.-] with 400', async () => {
    for (const body of [{}, { user: '' }, { user: 'a b' }, { user: 'x'.repeat(65) }, { user: 7 }, 'alice']) {
      const res = await devLogin(alone, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { error_code: string }).error_code, 'BAD_REQUEST');
    }
  });
});
