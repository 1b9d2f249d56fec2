/**
 * The QUIC listener, run in a worker thread (docs/quic-signaling.md, "Isolation"): @matrixai/quic
 * (quiche) turns some client behaviour into exceptions nobody can catch (an InvalidStreamState thrown
 * from a socket handler, internal errors rethrown from event handlers), and an uncaught exception
 * ends only this thread. The carrier on the main thread sees the worker exit, closes its connections
 * in the core and starts a new worker; WebSocket signaling carries on.
 *
 * Here: the handshake (ALPN, Retry, keepalive), per-IP and total limits on connections before the
 * library holds state for them, exactly one client bidirectional stream per connection, the
 * length-prefixed framing, and counted drops. What the frames mean is the carrier's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICServer, events, native, type QUICConnection, type QUICStream } from '@matrixai/quic';
import { FrameDecoder } from './frame-codec.js';
import { FrameWriter, itemSize, type FrameItem } from './frame-writer.js';
import { outbox } from './outbox.js';
import { installQuicFastPath } from './quic-fast-path.js';
import type { CarrierCommand, QuicDropReason, QuicWorkerConfig, WorkerEvent } from './worker-messages.js';

installQuicFastPath();
const cfg = workerData as QuicWorkerConfig;
const READ_CHUNK_BYTES = 64 * 1024;
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;
const port = parentPort;
if (!port) throw new Error('quic-worker.js runs as a worker thread');
const outgoing = outbox<WorkerEvent>(
  (e) => port.postMessage(e),
  (list) => ({ t: 'batch', events: list }),
  setImmediate,
);
const post = (e: WorkerEvent): void => outgoing.push(e);

interface WConn {
  readonly id: number;
  readonly conn: QUICConnection;
  readonly ip: string;
  stream?: QUICStream;
  writer?: WritableStreamDefaultWriter<Uint8Array>;
  out?: FrameWriter;
  joined: boolean;
  closing: boolean;
  paused: boolean;
  resume?: () => void;
  /** Resolves when the client's side of the stream has ended (or failed). */
  readDone: Promise<void>;
  endRead: () => void;
  joinTimer: NodeJS.Timeout;
}

const conns = new Map<number, WConn>();
const perIp = new Map<string, { pending: number; open: number }>();
let drops: Partial<Record<QuicDropReason, number>> = {};
let handshakes = 0;
let nextId = 1;
const drop = (reason: QuicDropReason): void => {
  drops[reason] = (drops[reason] ?? 0) + 1;
};
const ipCount = (ip: string): { pending: number; open: number } => {
  let c = perIp.get(ip);
  if (!c) perIp.set(ip, (c = { pending: 0, open: 0 }));
  return c;
};
const release = (ip: string, pending: boolean): void => {
  const c = ipCount(ip);
  c.open--;
  if (pending) c.pending--;
  if (c.open <= 0) perIp.delete(ip);
};

// @matrixai/quic builds quiche's Config itself and offers no active_connection_id_limit (quiche's
// default is 2: one spare id from the client). Every connection's Config comes from
// Config.withBoringSslCtx, looked up on the shared native module at each call, so this thread
// wraps it once to raise the limit: a client can then hand over enough spare ids for the server to
// follow it through several address changes (NAT rebinding) in a row.
type NativeConfig = { setActiveConnectionIdLimit(v: number): void };
const quicheModule = native.quiche as unknown as {
  Config: { withBoringSslCtx: (...args: unknown[]) => NativeConfig };
};
const NativeConfigClass = quicheModule.Config;
// The class's own withBoringSslCtx is read-only (a Proxy may not change it): an object inheriting
// from the class, with its own withBoringSslCtx, stands in for it.
quicheModule.Config = Object.create(NativeConfigClass, {
  withBoringSslCtx: {
    value: (...args: unknown[]): NativeConfig => {
      const config = NativeConfigClass.withBoringSslCtx(...args);
      config.setActiveConnectionIdLimit(cfg.activeConnectionIdLimit);
      return config;
    },
  },
}) as typeof NativeConfigClass;

const hmac = (key: ArrayBuffer, data: ArrayBuffer): Buffer =>
  createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest();
const retryKey = Uint8Array.from(cfg.retryKey);
const server = new QUICServer({
  crypto: {
    key: retryKey.buffer,
    ops: {
      sign: async (key, data) => new Uint8Array(hmac(key, data)).buffer,
      verify: async (key, data, sig) => {
        const want = hmac(key, data);
        return sig.byteLength === want.length && timingSafeEqual(want, Buffer.from(sig));
      },
    },
  },
  config: {
    cert: cfg.cert,
    key: cfg.key,
    applicationProtos: [cfg.alpn],
    // A unidirectional stream that arrives while the connection is starting throws an uncaught
    // InvalidStreamState in the library: clients get no credit for any.
    initialMaxStreamsUni: 0,
    initialMaxStreamsBidi: 4,
    initialMaxStreamDataBidiRemote: 256 * 1024,
    initialMaxStreamDataBidiLocal: 256 * 1024,
    initialMaxData: 1024 * 1024,
    // One read takes what quiche holds for the stream, up to this (the library's default is 4 KiB: a
    // read, a copy and a frame-decoder pass per 4 KiB).
    readableChunkSize: READ_CHUNK_BYTES,
    keepAliveIntervalTime: cfg.keepaliveMs,
    maxIdleTimeout: cfg.idleTimeoutMs,
    verifyPeer: false,
  },
  // A handshake that stalls is given up after this, whatever the idle timeout.
  minIdleTimeout: Math.min(cfg.joinTimeoutMs, cfg.idleTimeoutMs),
  logger: new Logger('quic', LogLevel.SILENT),
});

// Limits before the library creates a connection: it calls acceptConnection for every packet of an
// unknown connection (Initials, the Retry round included), on the instance, so this wraps it.
type Accept = (
  remote: { host: string; port: number },
  ...rest: unknown[]
) => Promise<QUICConnection | undefined>;
const guarded = server as unknown as { acceptConnection: Accept };
const accept = guarded.acceptConnection.bind(server);
guarded.acceptConnection = async (remote, ...rest) => {
  const ip = remote.host.replace(/^::ffff:/, '');
  const c = ipCount(ip);
  if (c.pending >= cfg.maxPendingPerIp) return (drop('pending-per-ip'), undefined);
  if (c.open >= cfg.maxConnectionsPerIp) return (drop('connections-per-ip'), undefined);
  if (conns.size >= cfg.maxConnections) return (drop('connections'), undefined);
  c.pending++;
  c.open++;
  let connection: QUICConnection | undefined;
  try {
    connection = await accept(remote, ...rest);
  } finally {
    if (!connection) release(ip, true);
  }
  if (connection) adopt(connection, ip, `${ip.includes(':') ? `[${ip}]` : ip}:${remote.port}`);
  return connection;
};

function adopt(conn: QUICConnection, ip: string, remote: string): void {
  handshakes++;
  let endRead!: () => void;
  const readDone = new Promise<void>((r) => (endRead = r));
  const w: WConn = {
    id: nextId++,
    conn,
    ip,
    joined: false,
    closing: false,
    paused: false,
    readDone,
    endRead,
    joinTimer: setTimeout(() => {
      drop('join-timeout');
      void close(w, 1008, 'no JOIN in time');
    }, cfg.joinTimeoutMs),
  };
  conns.set(w.id, w);
  conn.addEventListener(events.EventQUICConnectionStream.name, (e: Event) => {
    const s = (e as events.EventQUICConnectionStream).detail;
    // Client-initiated bidirectional ids are 0 mod 4; the first one is the signaling stream.
    if (w.stream || (s.streamId & 3) !== 0 || w.closing) {
      drop('extra-stream');
      s.cancel(new Error('one signaling stream per connection'));
      return;
    }
    w.stream = s;
    w.writer = s.writable.getWriter();
    w.writer.closed.catch(() => {}); // a reset from the client: the read side reports it
    const writer = w.writer;
    w.out = new FrameWriter({
      write: (bytes) => writer.write(bytes),
      flushed: (size) => addFlushed(w.id, size),
    });
    post({ t: 'open', id: w.id, remote });
    void readLoop(w, s);
  });
  conn.addEventListener(
    events.EventQUICConnectionStopped.name,
    () => {
      clearTimeout(w.joinTimer);
      conns.delete(w.id);
      release(ip, !w.joined);
      w.endRead();
      if (w.stream) post({ t: 'closed', id: w.id });
    },
    { once: true },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readLoop(w: WConn, s: QUICStream): Promise<void> {
  const decoder = new FrameDecoder(cfg.maxFrameBytes);
  const reader = s.readable.getReader();
  try {
    for (;;) {
      if (w.paused) await new Promise<void>((r) => (w.resume = r));
      const { value, done } = await reader.read();
      if (done) break;
      const r = decoder.push(value);
      const frames: (string | Uint8Array)[] = [];
      let bad: string | undefined;
      for (const [i, f] of r.frames.entries()) {
        if (r.binary[i]) {
          frames.push(f); // a relay frame: bytes the carrier passes on unread
          continue;
        }
        try {
          frames.push(utf8.decode(f));
        } catch {
          bad = 'a frame that is not UTF-8';
          drop('bad-utf8');
          break;
        }
      }
      if (frames.length > 0) post({ t: 'frames', id: w.id, frames });
      if (!r.ok && bad === undefined) {
        bad = r.error.message;
        drop('bad-frame');
      }
      if (bad !== undefined) {
        s.cancel(new Error(bad));
        void close(w, 1008, bad);
        break;
      }
    }
  } catch {
    // reset by the client, or the connection went away
  } finally {
    w.endRead();
  }
  if (!w.closing) void close(w, 1000, 'the client ended its stream');
}

/** Ends the stream after what is queued, lets the client read it, then closes with code and reason. */
async function close(w: WConn, code: number, reason: string): Promise<void> {
  if (w.closing) return;
  w.closing = true;
  clearTimeout(w.joinTimer);
  w.resume?.();
  let grace: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((r) => (grace = setTimeout(r, cfg.closeGraceMs)));
  const writer = w.writer;
  const out = w.out;
  await Promise.race([out?.idle().then(() => writer?.close().catch(() => {})), graceOver]);
  await Promise.race([w.readDone, graceOver]);
  clearTimeout(grace);
  await w.conn
    .stop({ isApp: true, errorCode: code, reason: new TextEncoder().encode(reason), force: true })
    .catch(() => {});
}

let flushed = new Map<number, number>();
const reportFlushed = (): void => {
  for (const [id, bytes] of flushed) post({ t: 'flushed', id, bytes });
  flushed = new Map();
};
const addFlushed = (id: number, size: number): void => {
  if (flushed.size === 0) setImmediate(reportFlushed);
  flushed.set(id, (flushed.get(id) ?? 0) + size);
};

/** Frames for one connection: coalesced into as few stream writes as the stream lets through. */
function send(w: WConn, items: readonly FrameItem[]): void {
  if (!w.out || w.closing)
    addFlushed(
      w.id,
      items.reduce((n, t) => n + itemSize(t), 0),
    );
  else w.out.push(items);
}

const reportCounts = (always: boolean): void => {
  if (!always && handshakes === 0 && Object.keys(drops).length === 0) return;
  post({ t: 'counts', drops, handshakes });
  drops = {};
  handshakes = 0;
};
const countsTimer = setInterval(() => reportCounts(false), 1000);

const onCommand = (m: CarrierCommand): void => {
  switch (m.t) {
    case 'batch':
      for (const c of m.commands) onCommand(c);
      break;
    case 'send': {
      const w = conns.get(m.id);
      if (w) send(w, m.frames);
      else post({ t: 'flushed', id: m.id, bytes: m.frames.reduce((n, t) => n + itemSize(t), 0) });
      break;
    }
    case 'joined': {
      const w = conns.get(m.id);
      if (!w || w.joined) break;
      w.joined = true;
      clearTimeout(w.joinTimer);
      ipCount(w.ip).pending--;
      break;
    }
    case 'close': {
      const w = conns.get(m.id);
      if (w) void close(w, m.code, m.reason);
      break;
    }
    case 'pause':
    case 'resume': {
      const w = conns.get(m.id);
      if (!w) break;
      w.paused = m.t === 'pause';
      if (!w.paused) w.resume?.();
      break;
    }
    case 'drain':
      break; // the carrier refuses JOINs while draining; handshakes still get that answer
    case 'counts':
      reportCounts(true);
      break;
    case 'stop':
      clearInterval(countsTimer);
      void server
        .stop({
          isApp: true,
          errorCode: 1001,
          reason: new TextEncoder().encode('server stopping'),
          force: true,
        })
        .finally(() => {
          post({ t: 'stopped' });
          outgoing.flush();
          port.close();
        });
      break;
  }
};
port.on('message', onCommand);

// Datagrams that are not QUIC never reach a connection; the library drops them silently.
const udp = (server as unknown as { socket: { socket: Socket } }).socket;
await server.start({ host: cfg.host, port: cfg.port });
// A deeper socket receive buffer than Linux's default (208 KiB): datagrams that arrive while this
// thread is busy wait for it instead of being lost (and cutting quiche's congestion window). The
// kernel clamps it to net.core.rmem_max.
try {
  udp.socket.setRecvBufferSize(RECV_BUFFER_BYTES);
} catch {
  // not allowed here: the default stays
}
udp.socket.on('message', (msg: Buffer) => {
  try {
    native.quiche.Header.fromSlice(msg, native.quiche.MAX_CONN_ID_LEN);
  } catch {
    drop('not-quic');
  }
});
post({ t: 'listening', port: server.port });
