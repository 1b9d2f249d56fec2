/**
 * The IM call protocol on the signaling core, at `/im`: a connection authenticates with a JWT (as
 * `?token=` on the URL, or a first message `{"type":"auth","payload":{"token":".."}}`), the carrier
 * checks it (ConnApi.authenticate) and its `sub` becomes the connection's user; then the connection
 * is a device of the ImCallEngine, which does everything else. Refusals are `call.error` frames and
 * count strikes in the core. docs/im-calls.md.
 */
import { encodeImMessage, IM_ERROR_CODES, parseImMessage, type ImErrorCode } from '@peerlink/wire';
import type { ConnApi, Protocol } from '../../core/protocol.js';
import { CloseCode, type AuthResult, type ConnId, type ConnMeta } from '../../core/types.js';
import { ImCallEngine, imErrorFrame, type ImCallEngineDeps, type ImConnection } from './call-engine.js';
import type { ImOptions } from './options.js';

export const IM_PATH = '/im';

type ImConn = { state: 'waiting' } | { state: 'checking' } | { state: 'in'; device: ImConnection };

export class ImProtocol implements Protocol {
  readonly name = 'im';
  readonly path = IM_PATH;
  readonly engine: ImCallEngine;
  readonly limits: ImOptions;
  readonly #conns = new Map<ConnId, ImConn>();
  #api!: ConnApi;
  /** The time of the latest input, for the timestamp of error frames the core asks for. */
  #now = 0;

  constructor(deps: ImCallEngineDeps) {
    this.engine = new ImCallEngine(deps);
    this.limits = this.engine.options;
  }

  attach(api: ConnApi): void {
    this.#api = api;
  }

  opened(conn: ConnId, meta: ConnMeta, now: number): void {
    this.#now = now;
    const token = meta.query['token'];
    if (token === undefined) return void this.#conns.set(conn, { state: 'waiting' });
    this.#conns.set(conn, { state: 'checking' });
    this.#api.authenticate(conn, token);
  }

  async text(conn: ConnId, text: string, now: number): Promise<void> {
    this.#now = now;
    const c = this.#conns.get(conn);
    if (c?.state === 'in') return c.device.receive(text, now);
    if (c?.state !== 'waiting') return this.#unauthorized(conn, 'wait for auth.ok before sending');
    const r = parseImMessage(text);
    if (!r.ok || r.message.type !== 'auth')
      return this.#unauthorized(conn, 'the first message must be {"type":"auth","payload":{"token":..}}');
    this.#conns.set(conn, { state: 'checking' });
    this.#api.authenticate(conn, r.message.payload.token);
  }

  binary(conn: ConnId, _bytes: Uint8Array, now: number): void {
    this.#now = now;
    this.#api.fail(conn, 'SIGNALING_ERROR', 'type: binary frames are not part of the IM protocol');
  }

  async authenticated(conn: ConnId, result: AuthResult, now: number): Promise<void> {
    this.#now = now;
    if (this.#conns.get(conn)?.state !== 'checking') return;
    if (!result.ok) return this.#unauthorized(conn, `token: ${result.reason}`);
    const device = this.engine.connect(
      result.sub,
      {
        send: (text) => this.#api.send(conn, text),
        refuse: (r) =>
          this.#api.fail(conn, r.code, r.reason, r.callId === undefined ? {} : { call_id: r.callId }),
      },
      now,
    );
    this.#conns.set(conn, { state: 'in', device });
    await device.ready;
    this.#api.ready(conn);
    this.#api.send(conn, encodeImMessage('auth.ok', { user_id: result.sub }, now));
  }

  async closed(conn: ConnId, now: number): Promise<void> {
    const c = this.#conns.get(conn);
    this.#conns.delete(conn);
    if (c?.state === 'in') await c.device.close(now);
  }

  tick(now: number): Promise<void> {
    this.#now = now;
    return this.engine.tick(now);
  }

  errorFrame(code: string, message: string, extra?: Readonly<Record<string, unknown>>): string {
    const known = (IM_ERROR_CODES as readonly string[]).includes(code);
    const callId = extra?.['call_id'];
    return imErrorFrame(
      {
        code: known ? (code as ImErrorCode) : 'SIGNALING_ERROR',
        callId: typeof callId === 'string' ? callId : undefined,
        // The core's own refusals (TOO_LARGE, RATE_LIMITED, STORE_UNAVAILABLE) keep their code.
        reason: known ? message : `${code}: ${message}`,
      },
      this.#now,
    );
  }

  goAwayFrame(): undefined {
    return undefined; // the seed has no such frame: the close (1001, with a reason) says it
  }

  #unauthorized(conn: ConnId, reason: string): void {
    this.#api.send(conn, imErrorFrame({ code: 'UNAUTHORIZED', callId: undefined, reason }, this.#now));
    this.#api.close(conn, CloseCode.Unauthorized, 'unauthorized');
  }
}
