// The connection core with a tiny protocol of its own: what every protocol gets for free (input order
// while a handler waits, backpressure on a long queue, handler failures turned into errors that do not
// take the process down, timeouts, drain with the protocol's GO_AWAY, mounting by path).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloseCode,
  SignalingCore,
  StoreError,
  type Action,
  type Admission,
  type AuthResult,
  type ConnApi,
  type ConnMeta,
  type ConnId,
  type ConnLimits,
  type Protocol,
} from '../src/index.js';

const LIMITS: ConnLimits = {
  maxMessageBytes: 100,
  messagesPerSecond: 1000,
  messageBurst: 1000,
  idleTimeoutMs: 60_000,
  maxDurationMs: 3_600_000,
  registerTimeoutMs: 10_000,
  strikesBeforeClose: 3,
  maxQueuedInputs: 4,
  maxConnectionsPerIp: 3,
};

/** Echoes text; `wait` parks the handler until released; `ready` marks the connection ready. */
class EchoProtocol implements Protocol {
  readonly name = 'echo';
  readonly path: string = '/echo';
  readonly limits = LIMITS;
  api!: ConnApi;
  release: (() => void) | undefined;
  attach(api: ConnApi): void {
    this.api = api;
  }
  opened(_conn: ConnId, _meta: ConnMeta): void {}
  async text(conn: ConnId, text: string): Promise<void> {
    if (text === 'wait') await new Promise<void>((r) => (this.release = r));
    if (text === 'throw') throw new Error('bug');
    if (text === 'store') throw new StoreError('STORE_UNAVAILABLE', 'down');
    if (text === 'ready') this.api.ready(conn);
    this.api.send(conn, `echo:${text}`);
  }
  binary(): void {}
  authenticated(_conn: ConnId, _r: AuthResult): void {}
  closed(): void {}
  tick(): void {}
  errorFrame(code: string): string {
    return `error:${code}`;
  }
  goAwayFrame(reason: string, ms: number): string {
    return `goaway:${reason}:${ms}`;
  }
}

function setup() {
  const p = new EchoProtocol();
  const internal: unknown[] = [];
  const core = new SignalingCore({
    observer: { error() {}, closed() {}, internalError: (_p, e) => internal.push(e) },
  });
  core.mount(p);
  const out: Action[] = [];
  const take = (): Action[] => {
    out.push(...core.takeActions());
    return out;
  };
  const sent = (conn: ConnId): string[] =>
    take().flatMap((a) => (a.type === 'send' && a.conn === conn ? [String(a.data)] : []));
  const open = (): ConnId => {
    const id = core.open({ remote: '192.0.2.1:1', path: '/echo', query: {}, headers: {}, secure: false }, 0);
    assert.ok(id !== undefined);
    return id;
  };
  return { p, core, take, sent, open, internal };
}

describe('signaling core', () => {
  it('mounts by path and refuses others', () => {
    const { core } = setup();
    assert.equal(core.accepts('/echo'), true);
    assert.equal(
      core.open({ remote: 'x:1', path: '/nope', query: {}, headers: {}, secure: false }, 0),
      undefined,
    );
  });

  it('keeps input order while a handler waits, and pauses a connection whose queue grows', async () => {
    const { p, core, take, sent, open } = setup();
    const c = open();
    core.receiveText(c, 'wait', 0);
    for (const m of ['a', 'b', 'c', 'd']) core.receiveText(c, m, 0);
    assert.ok(
      take().some((a) => a.type === 'pause' && a.conn === c),
      'paused at maxQueuedInputs',
    );
    p.release?.();
    await core.idle();
    assert.deepEqual(sent(c), ['echo:wait', 'echo:a', 'echo:b', 'echo:c', 'echo:d']);
    assert.ok(take().some((a) => a.type === 'resume' && a.conn === c));
  });

  it('turns a failing handler into an error frame, counts it, and goes on', async () => {
    const { core, sent, open, internal } = setup();
    const c = open();
    core.receiveText(c, 'throw', 0);
    core.receiveText(c, 'store', 0);
    core.receiveText(c, 'ok', 0);
    await core.idle();
    assert.deepEqual(sent(c), ['error:INTERNAL', 'error:STORE_UNAVAILABLE', 'echo:ok']);
    assert.equal(internal.length, 1);
  });

  it('limits size, closes after too many strikes', async () => {
    const { core, take, sent, open } = setup();
    const c = open();
    core.receiveText(c, 'x'.repeat(101), 0);
    assert.deepEqual(sent(c), ['error:TOO_LARGE']);
    core.receiveText(c, 'x'.repeat(101), 0);
    core.receiveText(c, 'x'.repeat(101), 0);
    const close = take().find((a) => a.type === 'close' && a.conn === c);
    assert.equal(close?.type === 'close' && close.code, CloseCode.PolicyViolation);
  });

  it('closes a connection that never becomes ready, not one that did', async () => {
    const { core, take, open } = setup();
    const lazy = open();
    const good = open();
    core.receiveText(good, 'ready', 0);
    await core.idle();
    core.tick(10_000);
    const closes = take().filter((a) => a.type === 'close');
    assert.deepEqual(
      closes.map((a) => a.conn),
      [lazy],
    );
  });

  it("drain sends the protocol's GO_AWAY, refuses newcomers with it, and closes after the grace", () => {
    const { core, take, sent, open } = setup();
    const c = open();
    core.drain(0, 5000);
    assert.deepEqual(sent(c), ['goaway:shutdown:5000']);
    const late = open();
    assert.deepEqual(sent(late), ['goaway:draining:1000']);
    core.tick(5000);
    assert.ok(take().some((a) => a.type === 'close' && a.conn === c));
  });

  it('refuses connections from one address past its limit, and counts them down as they close', () => {
    const { core, take, sent, open } = setup();
    const conns = [open(), open(), open()];
    const fourth = open();
    assert.deepEqual(sent(fourth), ['error:RATE_LIMITED']);
    assert.ok(take().some((a) => a.type === 'close' && a.conn === fourth));
    core.closed(fourth, 0);
    core.closed(conns[0] as ConnId, 0);
    const again = open();
    assert.deepEqual(sent(again), [], 'a freed slot is usable again');
    const other = core.open(
      { remote: '192.0.2.2:1', path: '/echo', query: {}, headers: {}, secure: false },
      0,
    );
    assert.deepEqual(sent(other as ConnId), [], 'another address has its own count');
  });

  it('lets a protocol authenticate at the upgrade, from the URL, before any message', () => {
    const core = new SignalingCore();
    const results: string[] = [];
    const p = new (class extends EchoProtocol {
      override readonly path = '/kvs';
      override opened(conn: ConnId, meta: ConnMeta): void {
        const token = meta.query['X-Amz-Signature'];
        if (token === undefined) return this.api.close(conn, CloseCode.Unauthorized, 'no credentials');
        this.api.authenticate(conn, token);
      }
      override authenticated(conn: ConnId, r: AuthResult): void {
        results.push(`${conn}:${r.ok}`);
        if (r.ok) this.api.ready(conn);
        else this.api.close(conn, CloseCode.Unauthorized, 'bad credentials');
      }
    })();
    core.mount(p);
    const meta = (query: Record<string, string>) => ({
      remote: 'x:1',
      path: '/kvs',
      query,
      headers: {},
      secure: true,
    });
    const signed = core.open(meta({ 'X-Amz-Signature': 'sig' }), 0) as ConnId;
    const bare = core.open(meta({}), 0) as ConnId;
    const actions = core.takeActions();
    assert.deepEqual(
      actions
        .filter((a) => a.type === 'authenticate')
        .map((a) => a.type === 'authenticate' && [a.conn, a.token]),
      [[signed, 'sig']],
    );
    assert.ok(
      actions.some((a) => a.type === 'close' && a.conn === bare && a.code === CloseCode.Unauthorized),
    );
    core.authResult(signed, { ok: true, sub: 'cam1' }, 0);
    core.tick(10_000);
    assert.deepEqual(results, [`${signed}:true`]);
    assert.equal(
      core.takeActions().some((a) => a.type === 'close' && a.conn === signed),
      false,
      'authenticated at the upgrade counts as ready: no register timeout',
    );
  });

  it('asks the protocol at the door: 404 for no protocol, 503 while draining, its own refusal, identity passed on', async () => {
    const refused: string[] = [];
    const p = new (class extends EchoProtocol {
      override readonly path = '/door';
      admit(meta: ConnMeta): Admission {
        return meta.query['ok'] === '1'
          ? { ok: true, identity: { who: 'cam1' } }
          : {
              ok: false,
              status: 403,
              body: '{"message":"nope"}',
              contentType: 'application/json',
              reason: 'signature',
            };
      }
    })();
    const obs = new SignalingCore({
      observer: { error() {}, closed() {}, internalError() {}, refused: (_p, r) => refused.push(r) },
    });
    obs.mount(p);
    const meta = (path: string, query: Record<string, string>): ConnMeta => ({
      remote: 'x:1',
      path,
      query,
      headers: {},
      secure: true,
    });
    assert.deepEqual(await obs.admit(meta('/door', { ok: '1' }), 0), { ok: true, identity: { who: 'cam1' } });
    const no = await obs.admit(meta('/door', {}), 0);
    assert.equal(no.ok === false && no.status, 403);
    assert.equal((await obs.admit(meta('/elsewhere', {}), 0)).ok, false);
    assert.deepEqual(refused, ['signature']);
    obs.drain(0, 1000);
    const late = await obs.admit(meta('/door', { ok: '1' }), 0);
    assert.equal(late.ok === false && late.status, 503);
  });

  it('wakes its carrier for actions that appear between inputs, once until taken', async () => {
    const p = new EchoProtocol();
    let wakes = 0;
    const core = new SignalingCore({ wake: () => wakes++ });
    core.mount(p);
    const c = core.open({ remote: 'x:1', path: '/echo', query: {}, headers: {}, secure: false }, 0) as ConnId;
    assert.equal(wakes, 0, 'actions of an input are taken by its caller');
    p.api.send(c, 'from elsewhere');
    p.api.send(c, 'and more');
    assert.equal(wakes, 1);
    core.takeActions();
    p.api.send(c, 'again');
    assert.equal(wakes, 2);
  });

  it("hands each carrier only its own connections' actions, and wakes the other for the rest", () => {
    let wakes = 0;
    const core = new SignalingCore({ wake: () => wakes++ });
    const p = new EchoProtocol();
    core.mount(p);
    const at = (carrier?: string): ConnMeta => ({
      remote: `10.0.0.${carrier === undefined ? 1 : 2}:1`,
      path: '/echo',
      query: {},
      headers: {},
      secure: true,
      ...(carrier !== undefined ? { carrier } : {}),
    });
    const ws = core.open(at(), 0) as ConnId;
    const quic = core.open(at('quic'), 0) as ConnId;
    core.takeActions();
    p.api.send(quic, 'to-quic');
    p.api.send(ws, 'to-ws');
    wakes = 0;
    assert.deepEqual(core.takeActions('ws'), [{ type: 'send', conn: ws, data: 'to-ws' }]);
    assert.equal(wakes, 1); // the QUIC carrier has something waiting
    assert.deepEqual(core.takeActions('quic'), [{ type: 'send', conn: quic, data: 'to-quic' }]);
    assert.equal(wakes, 1);
    assert.deepEqual(core.takeActions(), []);
  });
});
