/**
 * The QUIC carrier (docs/quic-signaling.md): the second carrier of the signaling core, beside the
 * WebSocket. The QUIC library runs in a worker thread (quic-worker.ts) that hands this side decoded
 * frames per connection; here a connection's first frame, its JOIN, names a protocol (`kvs`, `peer`,
 * `im`) and becomes the ConnMeta of that protocol's upgrade (`/kvs`, `/p2p`, `/im`); it goes through
 * the protocol's own admission (`core.admit`), after which the connection is a connection of that
 * protocol on the core like any other: same engine, limits, store, metrics and cluster routing.
 * Tokens the protocols ask about (a peer's `register`, IM's `auth`) are checked by `verifyToken`, as
 * the WebSocket carrier does. The carrier answers JOIN (JOINED / JOIN_ERROR) and, for KVS,
 * GET_ICE_CONFIG itself; every other frame, text or binary, goes to the core untouched. A worker
 * that dies closes its connections in the core and is started again.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { SignalingCore } from '../../core/signaling-core.js';
import { TokenBucket } from '../../core/token-bucket.js';
import { CloseCode, type AuthResult, type ConnId, type ConnMeta } from '../../core/types.js';
import { kvsStatusResponse } from '../../protocols/kvs/frames.js';
import type { KvsIdentity } from '../../protocols/kvs/engine.js';
import {
  iceConfigFrame,
  iceConfigRequest,
  joinedFrame,
  joinErrorFrame,
  joinMeta,
  parseJoin,
  protocolJoinedFrame,
  refusalOf,
  type JoinRefusal,
  type QuicIceServer,
  type QuicProtocol,
} from './join.js';
import { outbox } from './outbox.js';
import type { CarrierCommand, QuicDropReason, QuicWorkerConfig, WorkerEvent } from './worker-messages.js';

export const QUIC_ALPN = 'peerlink-signal/1';

export interface QuicObserver {
  dropped(reason: QuicDropReason, n: number): void;
  handshakes(n: number): void;
  /** A JOIN answered, by outcome (`joined`, or the refusal's errorType). */
  joined(outcome: string): void;
  /** The worker ended unasked (a library failure): its connections were closed, a new one starts. */
  workerFailed(err: unknown): void;
}

export interface QuicCarrierOptions {
  readonly core: SignalingCore;
  readonly host: string;
  /** UDP port; 0 picks a free one (see `port`). */
  readonly port: number;
  readonly cert: string;
  readonly key: string;
  /** STUN/TURN for JOINED and ICE_CONFIG: who asks, and the host the client reached us by if known. */
  readonly iceServers: (who: { channel: string; user: string }, host: string | undefined) => QuicIceServer[];
  /**
   * Checks a token a protocol asked about (a peer's `register`, IM's `auth`), by the connection's
   * meta, as the WebSocket carrier's `verifyToken`. Without it such tokens are refused.
   */
  readonly verifyToken?: (token: string, meta: ConnMeta) => Promise<AuthResult>;
  /** QUIC PING interval (default 15 s), below common NAT UDP binding timeouts. */
  readonly keepaliveMs?: number;
  /** QUIC idle timeout (default 10 min: KVS's idle limit). */
  readonly idleTimeoutMs?: number;
  /** From the handshake to the JOIN's answer (default 10 s). */
  readonly joinTimeoutMs?: number;
  readonly closeGraceMs?: number;
  /** Handshakes and unjoined connections from one IP (default 64). */
  readonly maxPendingPerIp?: number;
  readonly maxConnectionsPerIp?: number;
  readonly maxConnections?: number;
  /** Connection ids a client may hand over (default 8): spares for following its address changes. */
  readonly activeConnectionIdLimit?: number;
  /** GET_ICE_CONFIG per connection: 1 a second, burst 5. */
  readonly iceConfigPerSecond?: number;
  /** How often this carrier runs the core's timers; 0 when another carrier already does. */
  readonly tickMs?: number;
  readonly now?: () => number;
  readonly observer?: Partial<QuicObserver>;
}

export interface QuicCarrier {
  /** The UDP port (the current worker's; the same after a restart). */
  readonly port: number;
  /** Executes the core's actions for QUIC connections (the core's `wake` calls this). */
  pump(): void;
  /** GO_AWAY to everyone, refuse joins, resolve when all are closed or the grace ends. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
  /** Asks the worker for its counters now (tests; they also arrive every second by themselves). */
  flushCounts(): Promise<void>;
  /** Open connections the worker told us of (joined or not). */
  readonly connections: number;
}

interface Conn {
  readonly wid: number;
  readonly remote: string;
  state: 'joining' | 'admitting' | 'joined' | 'closed';
  protocol?: QuicProtocol;
  meta?: ConnMeta;
  coreId?: ConnId;
  identity?: KvsIdentity;
  host?: string | undefined;
  readonly waiting: (string | Uint8Array)[];
  readonly iceBucket: TokenBucket;
}

const WAITING_MAX = 64;

export async function startQuicCarrier(o: QuicCarrierOptions): Promise<QuicCarrier> {
  const { core } = o;
  const now = o.now ?? Date.now;
  const obs = o.observer ?? {};
  const keepaliveMs = o.keepaliveMs ?? 15_000;
  let config: QuicWorkerConfig = {
    host: o.host,
    port: o.port,
    cert: o.cert,
    key: o.key,
    alpn: QUIC_ALPN,
    retryKey: randomBytes(32),
    keepaliveMs,
    idleTimeoutMs: o.idleTimeoutMs ?? 600_000,
    joinTimeoutMs: o.joinTimeoutMs ?? 10_000,
    closeGraceMs: o.closeGraceMs ?? 2000,
    maxPendingPerIp: o.maxPendingPerIp ?? 64,
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? 1000,
    maxConnections: o.maxConnections ?? 100_000,
    maxFrameBytes: 65_536,
    activeConnectionIdLimit: o.activeConnectionIdLimit ?? 8,
  };
  const conns = new Map<number, Conn>();
  const byCore = new Map<ConnId, Conn>();
  let worker!: Worker;
  let stopping = false;
  let restarts = 0;
  let countsWaiter: (() => void) | undefined;
  let allClosed: (() => void) | undefined;

  const commands = outbox<CarrierCommand>(
    (c) => worker.postMessage(c),
    (list) => ({ t: 'batch', commands: list }),
    queueMicrotask,
  );
  const command = (c: CarrierCommand): void => commands.push(c);
  const sendFrames = (c: Conn, frames: (string | Uint8Array)[]): void => {
    if (frames.length > 0 && c.state !== 'closed') command({ t: 'send', id: c.wid, frames });
  };
  const closeConn = (c: Conn, code: number, reason: string): void => {
    if (c.state !== 'closed') command({ t: 'close', id: c.wid, code, reason });
  };

  const pump = (): void => {
    const batches = new Map<Conn, (string | Uint8Array)[]>();
    for (const a of core.takeActions('quic')) {
      const c = byCore.get(a.conn);
      switch (a.type) {
        case 'send': {
          if (!c || c.state === 'closed') {
            core.flushed(a.conn, a.data.length);
            break;
          }
          const b = batches.get(c) ?? [];
          b.push(a.data);
          batches.set(c, b);
          break;
        }
        case 'close':
          if (c) {
            sendFrames(c, batches.get(c) ?? []);
            batches.delete(c);
            closeConn(c, a.code, a.reason);
          }
          break;
        case 'pause':
        case 'resume':
          if (c && c.state !== 'closed') command({ t: a.type, id: c.wid });
          break;
        case 'authenticate': {
          const meta = c?.meta;
          if (!meta || !o.verifyToken) {
            core.authResult(a.conn, { ok: false, reason: 'no token check on this carrier' }, now());
            break;
          }
          const answer = (r: AuthResult): void => {
            core.authResult(a.conn, r, now());
            pump();
          };
          void o
            .verifyToken(a.token, meta)
            .then(answer, (err: unknown) => answer({ ok: false, reason: (err as Error).message }));
          break;
        }
      }
    }
    for (const [c, frames] of batches) sendFrames(c, frames);
  };

  const iceServers = (c: Conn): QuicIceServer[] =>
    o.iceServers({ channel: c.identity?.channel ?? '', user: c.identity?.clientId || 'master' }, c.host);

  const refuse = (c: Conn, r: JoinRefusal): void => {
    obs.joined?.(r.errorType);
    sendFrames(c, [joinErrorFrame(r)]);
    const code =
      r.statusCode === 503
        ? 1013
        : r.statusCode === 401 || r.statusCode === 403
          ? CloseCode.Unauthorized
          : CloseCode.PolicyViolation;
    closeConn(c, code, r.reason);
  };

  const join = async (c: Conn, text: string): Promise<void> => {
    const parsed = parseJoin(text);
    const mapped = parsed.ok ? joinMeta(parsed.join, c.remote) : parsed;
    if (!mapped.ok) return refuse(c, mapped.refusal);
    const protocol = parsed.ok ? parsed.join.protocol : 'kvs';
    const notServed: JoinRefusal = {
      statusCode: 404,
      errorType: 'ResourceNotFoundException',
      reason: `protocol ${protocol} is not served here`,
    };
    const asked = mapped.meta;
    if (!core.accepts(asked.path)) return refuse(c, notServed);
    const a = await core.admit(asked, now());
    if (c.state === 'closed') return;
    if (!a.ok) return refuse(c, refusalOf(a.status, a.body));
    const meta = a.identity === undefined ? asked : { ...asked, identity: a.identity };
    // Known before open: the protocol may ask for a token check at once (IM's ?token=).
    c.protocol = protocol;
    c.meta = meta;
    c.host = meta.host;
    const coreId = core.open(meta, now());
    if (coreId === undefined) return refuse(c, notServed);
    c.coreId = coreId;
    c.state = 'joined';
    byCore.set(coreId, c);
    command({ t: 'joined', id: c.wid });
    obs.joined?.('joined');
    if (protocol === 'kvs') {
      const identity = a.identity as KvsIdentity;
      c.identity = identity;
      sendFrames(c, [
        joinedFrame({
          channelArn: identity.arn,
          role: identity.role,
          clientId:
            identity.clientId ||
            (parsed.ok && parsed.join.protocol === 'kvs' ? (parsed.join.clientId ?? '') : ''),
          iceServers: iceServers(c),
          keepaliveMs,
        }),
      ]);
    } else sendFrames(c, [protocolJoinedFrame(protocol, keepaliveMs)]);
    for (const t of c.waiting.splice(0)) receive(c, t);
    pump();
  };

  const receive = (c: Conn, frame: string | Uint8Array): void => {
    switch (c.state) {
      case 'joining':
        if (typeof frame !== 'string')
          return refuse(c, {
            statusCode: 400,
            errorType: 'InvalidArgumentException',
            reason: 'the first frame must be a JOIN (text)',
          });
        c.state = 'admitting';
        void join(c, frame).catch((err: unknown) => {
          obs.workerFailed?.(err);
          refuse(c, { statusCode: 500, errorType: 'InternalFailure', reason: 'internal error' });
        });
        return;
      case 'admitting':
        if (c.waiting.length >= WAITING_MAX)
          return closeConn(c, CloseCode.PolicyViolation, 'too many frames before JOINED');
        c.waiting.push(frame);
        return;
      case 'joined': {
        const id = c.coreId as ConnId;
        if (typeof frame !== 'string') return core.receiveBinary(id, frame, now());
        const ice = c.protocol === 'kvs' ? iceConfigRequest(frame) : undefined;
        if (!ice) return core.receiveText(id, frame, now());
        if (c.iceBucket.take(1, now()))
          return sendFrames(c, [iceConfigFrame(ice.correlationId, iceServers(c))]);
        if (ice.correlationId !== undefined)
          sendFrames(c, [
            kvsStatusResponse({
              errorType: 'ClientLimitExceededException',
              statusCode: '429',
              description: 'over the GET_ICE_CONFIG rate of this connection',
              correlationId: ice.correlationId,
            }),
          ]);
        return;
      }
      case 'closed':
        return;
    }
  };

  const gone = (c: Conn): void => {
    c.state = 'closed';
    conns.delete(c.wid);
    if (c.coreId !== undefined) {
      byCore.delete(c.coreId);
      core.closed(c.coreId, now());
    }
    if (conns.size === 0) allClosed?.();
  };

  /** One event; true when the core may have actions for QUIC connections afterwards. */
  const handle = (e: WorkerEvent): boolean => {
    switch (e.t) {
      case 'batch': {
        let any = false;
        for (const x of e.events) any = handle(x) || any;
        return any;
      }
      case 'open':
        conns.set(e.id, {
          wid: e.id,
          remote: e.remote,
          state: 'joining',
          waiting: [],
          iceBucket: new TokenBucket(o.iceConfigPerSecond ?? 1, 5, now()),
        });
        return false;
      case 'frames': {
        const c = conns.get(e.id);
        if (c) for (const f of e.frames) receive(c, f);
        break;
      }
      case 'flushed': {
        const c = conns.get(e.id);
        if (c?.coreId !== undefined) core.flushed(c.coreId, e.bytes);
        break;
      }
      case 'closed': {
        const c = conns.get(e.id);
        if (c) gone(c);
        break;
      }
      case 'counts':
        for (const [reason, n] of Object.entries(e.drops)) obs.dropped?.(reason as QuicDropReason, n);
        if (e.handshakes > 0) obs.handshakes?.(e.handshakes);
        countsWaiter?.();
        return false;
      case 'listening':
      case 'stopped':
        return false;
    }
    return true;
  };
  const onEvent = (e: WorkerEvent): void => {
    if (handle(e)) pump();
  };

  const spawn = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL('./quic-worker.js', import.meta.url), { workerData: config });
      worker = w;
      let listening = false;
      w.on('message', (e: WorkerEvent) => {
        const at = e.t === 'batch' ? e.events.find((x) => x.t === 'listening') : e;
        if (at?.t === 'listening' && !listening) {
          listening = true;
          if (config.port === 0) config = { ...config, port: at.port }; // a restart binds the same port
          resolve(at.port);
        }
        onEvent(e);
      });
      w.on('error', (err) => {
        if (!listening) reject(err);
        else if (!stopping) obs.workerFailed?.(err);
      });
      w.on('exit', () => {
        for (const c of [...conns.values()]) gone(c);
        if (!listening) reject(new Error('the QUIC worker ended before it listened'));
        else if (!stopping) {
          // A library failure: start again, backing off when it keeps failing.
          const delay = Math.min(10_000, 100 * 2 ** restarts++);
          setTimeout(
            () =>
              void spawn().then(
                () => (restarts = 0),
                (err: unknown) => obs.workerFailed?.(err),
              ),
            delay,
          ).unref();
        }
      });
    });

  const port = await spawn();
  const timer =
    (o.tickMs ?? 1000) > 0 ? setInterval(() => (core.tick(now()), pump()), o.tickMs ?? 1000) : undefined;
  timer?.unref();

  const close = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    command({ t: 'stop' });
    const t = setTimeout(() => void worker.terminate(), 3000);
    await exited;
    clearTimeout(t);
    pump(); // what the core still had for QUIC connections goes nowhere
  };

  return {
    port,
    pump,
    get connections() {
      return conns.size;
    },
    async drain(graceMs) {
      core.drain(now(), graceMs);
      pump();
      if (conns.size > 0)
        await new Promise<void>((resolve) => {
          allClosed = resolve;
          setTimeout(resolve, graceMs + 1000).unref();
        });
      await close();
    },
    close,
    flushCounts: () =>
      new Promise<void>((resolve) => {
        countsWaiter = resolve;
        command({ t: 'counts' });
      }),
  };
}
