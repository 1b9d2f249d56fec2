// The IM call page (GET /im/call/) in real Chromium with fake camera and microphone: users sign in by
// dev login in separate browser contexts and call each other through the page's buttons. A call must
// ring, be answered, decode video on both sides over a selected candidate pair, report network_stats,
// and end with the hang-up's reason and a duration on both sides; a rejected call, a busy callee and
// an unanswered one end with user_rejected, user_busy and timeout.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumLaunchOptions } from '@peerlink/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../src/index.js';
import { start } from './helpers/start-server.js';

interface PageState {
  user: string | null;
  socket: string;
  call: {
    id: string;
    peer: string;
    direction: string;
    state: string;
    endReason: string | null;
    duration: number | null;
  } | null;
  incoming: { id: string; from: string; type: string } | null;
  framesDecoded: number;
  selectedPairType: string | null;
  networkStats: Record<string, number> | null;
  error: string | null;
}

let server: RunningServer;
let browser: Browser;
const pages: Page[] = [];

const stateOf = (page: Page): Promise<PageState> =>
  page.evaluate(() => (globalThis as unknown as { imPage: PageState }).imPage);

/** Polls the page's state until `ok` holds; fails with both states after 30 s (a loaded CI machine). */
async function until(page: Page, ok: (s: PageState) => boolean, what: string): Promise<PageState> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await stateOf(page);
    if (ok(s)) return s;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A page in a browser context of its own, signed in as `user`. */
async function signIn(user: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${server.httpsUrl}/im/call/?stats_ms=1000`);
  await page.fill('#user', user);
  await page.click('#sign-in');
  await until(page, (s) => s.user === user && s.socket === 'open', `${user} signed in`);
  return page;
}

async function call(from: Page, to: string, type: 'video' | 'audio' = 'video'): Promise<void> {
  await from.fill('#callee', to);
  await from.selectOption('#call-type', type);
  await from.click('#call');
}

const ended = (page: Page, reason: string, what: string): Promise<PageState> =>
  until(page, (s) => s.call?.state === 'ended' && s.call.endReason === reason, what);

before(async () => {
  server = await start({}, { 'im-dev-login': true, 'ring-timeout': '3', 'allow-loopback-peers': true });
  browser = await chromium.launch(chromiumLaunchOptions());
});
after(async () => {
  await browser?.close();
  await server?.close();
});

describe('the IM call page in Chromium', () => {
  let alice: Page;
  let bob: Page;

  it('alice calls bob: ringing, answer, video both ways, network_stats, hang-up with reason and duration', async () => {
    [alice, bob] = await Promise.all([signIn('alice'), signIn('bob')]);
    await call(alice, 'bob');
    const incoming = await until(bob, (s) => s.incoming !== null, 'bob rings');
    assert.deepEqual([incoming.incoming?.from, incoming.incoming?.type], ['alice', 'video']);
    await until(alice, (s) => s.call?.state === 'ringing', 'alice hears ringing');
    await bob.click('#answer');
    for (const [page, who] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ] as const) {
      const s = await until(
        page,
        (x) => x.call?.state === 'connected' && x.framesDecoded >= 10 && x.selectedPairType !== null,
        `${who} decodes video`,
      );
      assert.ok(['host', 'srflx', 'prflx', 'relay'].includes(s.selectedPairType as string));
      const stats = await until(page, (x) => x.networkStats !== null, `${who} reports network_stats`);
      assert.equal(typeof stats.networkStats?.['packet_loss'], 'number');
    }
    await alice.click('#hangup');
    const b = await ended(bob, 'user_hangup', 'bob gets the hang-up');
    assert.equal(typeof b.call?.duration, 'number');
    const a = await ended(alice, 'user_hangup', 'alice hung up');
    assert.equal(a.call?.id, b.call?.id);
    // The server kept the call in both histories with its end reason.
    const token = await alice.evaluate(async () => {
      const res = await fetch('/im/dev-login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'alice' }),
      });
      return ((await res.json()) as { token: string }).token;
    });
    const history = (await (
      await fetch(`${server.httpUrl}/im/calls`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { calls: { call_id: string; reason: string }[] };
    assert.equal(history.calls[0]?.call_id, a.call?.id);
    assert.equal(history.calls[0]?.reason, 'user_hangup');
  });

  it('a rejected call ends with user_rejected at the caller', async () => {
    await call(alice, 'bob', 'audio');
    await until(bob, (s) => s.incoming !== null, 'bob rings again');
    await bob.click('#reject');
    await ended(alice, 'user_rejected', 'alice is rejected');
    await ended(bob, 'user_rejected', 'bob rejected');
  });

  it('a callee in another call is busy: the third caller gets user_busy', async () => {
    await call(alice, 'bob', 'audio');
    await until(bob, (s) => s.incoming !== null, 'bob rings');
    await bob.click('#answer');
    await until(alice, (s) => s.call?.state === 'connected', 'alice and bob connected');
    const carol = await signIn('carol');
    await call(carol, 'bob', 'audio');
    await ended(carol, 'user_busy', 'carol hears busy');
    assert.equal((await stateOf(bob)).call?.state, 'connected');
    await bob.click('#hangup');
    await ended(alice, 'user_hangup', 'bob hung up on alice');
  });

  it('an unanswered call ends with timeout on both sides after --ring-timeout', async () => {
    await call(alice, 'bob', 'audio');
    await until(bob, (s) => s.incoming !== null, 'bob rings, and does not answer');
    await ended(alice, 'timeout', 'alice times out');
    await ended(bob, 'timeout', 'bob stops ringing');
  });
});
