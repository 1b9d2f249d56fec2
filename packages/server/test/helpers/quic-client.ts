// A Node client of peerlink's QUIC signaling (docs/quic-signaling.md) on @matrixai/quic, for tests
// and the benchmark: pins the server's certificate by its SHA-256 fingerprint (what the C client's
// pinned-fingerprint option does), opens the one signaling stream, writes and reads length-prefixed
// frames (binary ones, the peer relay's, as `{ binary }`), and reports how the server closed the
// connection. It runs the library with the coalesced recv/send the SDK's quic:// client uses
// (installQuicFastPath, docs/quic-signaling.md "Throughput").
import { X509Certificate, webcrypto } from 'node:crypto';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICClient, events, type QUICStream } from '@matrixai/quic';
import { FrameDecoder, FrameWriter, installQuicFastPath, QUIC_ALPN } from '@peerlink/signaling';

export type Frame = Record<string, unknown>;

export interface QuicTestClient {
  readonly client: QUICClient;
  readonly stream: QUICStream;
  /**
   * A frame (an object as JSON, or a string) or raw bytes written as they are (hostile tests);
   * frames sent in one turn leave in one stream write.
   */
  send(frame: Frame | string | Uint8Array): Promise<void>;
  /** The next frame (in arrival order). */
  next(): Promise<Frame>;
  /** Resolves when the server ends the stream (FIN or reset). */
  readonly ended: Promise<void>;
  /** How the connection ended: the server's application code and reason. */
  readonly closed: Promise<{ code: number; reason: string; app: boolean }>;
  close(): Promise<void>;
}

export interface QuicConnectOptions {
  readonly host?: string;
  readonly alpn?: string;
  /** Bind the client to this local address (e.g. 127.0.0.2, a second loopback address). */
  readonly localHost?: string;
  /** Give up connecting after this long (default: the library's, which is long). */
  readonly timeoutMs?: number;
}

export async function quicConnect(
  port: number,
  certPem: string,
  o: QuicConnectOptions = {},
): Promise<QUICClient> {
  installQuicFastPath();
  const pinned = new X509Certificate(certPem).fingerprint256;
  return QUICClient.createQUICClient(
    {
      host: o.host ?? '127.0.0.1',
      port,
      ...(o.localHost ? { localHost: o.localHost } : {}),
      crypto: {
        ops: { randomBytes: async (b: ArrayBuffer) => void webcrypto.getRandomValues(new Uint8Array(b)) },
      },
      config: {
        applicationProtos: [o.alpn ?? QUIC_ALPN],
        verifyPeer: true,
        verifyCallback: async (certs: Uint8Array[]) =>
          certs[0] && new X509Certificate(certs[0]).fingerprint256 === pinned ? undefined : 304, // bad_certificate-class
        maxIdleTimeout: 60_000,
        initialMaxStreamsUni: 0,
      },
      logger: new Logger('quic-test-client', LogLevel.SILENT),
    },
    o.timeoutMs !== undefined ? { timer: o.timeoutMs } : {},
  );
}

export async function quicStream(client: QUICClient): Promise<QuicTestClient> {
  const closed = new Promise<{ code: number; reason: string; app: boolean }>((resolve) => {
    client.connection.addEventListener(events.EventQUICConnectionError.name, (e: Event) => {
      const d = (e as events.EventQUICConnectionError).detail as {
        data?: { isApp?: boolean; errorCode?: number; reason?: Uint8Array };
      };
      resolve({
        code: d.data?.errorCode ?? -1,
        reason: new TextDecoder().decode(d.data?.reason ?? new Uint8Array()),
        app: d.data?.isApp ?? false,
      });
    });
  });
  const stream = client.connection.newStream('bidi');
  const writer = stream.writable.getWriter();
  writer.closed.catch(() => {});
  const frames = new FrameWriter({ write: (bytes) => writer.write(bytes), flushed: () => {} });
  const reader = stream.readable.getReader();
  const decoder = new FrameDecoder();
  const queue: Frame[] = [];
  const waiters: ((f: Frame) => void)[] = [];
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const r = decoder.push(value);
        for (const [i, f] of r.frames.entries()) {
          // A binary frame (a peer relay frame) arrives as { binary: bytes }.
          const frame = r.binary[i] ? { binary: f } : (JSON.parse(new TextDecoder().decode(f)) as Frame);
          const w = waiters.shift();
          if (w) w(frame);
          else queue.push(frame);
        }
      }
    } catch {
      // reset by the server, or the connection closed
    }
    endedResolve();
  })();
  return {
    client,
    stream,
    send: async (frame) => {
      if (frame instanceof Uint8Array) {
        await frames.idle();
        return writer.write(frame);
      }
      frames.push([typeof frame === 'string' ? frame : JSON.stringify(frame)]);
      return frames.idle();
    },
    next: () => {
      const f = queue.shift();
      return f ? Promise.resolve(f) : new Promise((r) => waiters.push(r));
    },
    ended,
    closed,
    close: async () => {
      await client.destroy({ isApp: true, errorCode: 0, force: true }).catch(() => {});
    },
  };
}

/** Connects, opens the stream and sends JOIN; resolves with the client and the server's answer. */
export async function quicJoin(
  port: number,
  certPem: string,
  join: Frame,
  o: QuicConnectOptions = {},
): Promise<{ c: QuicTestClient; answer: Frame }> {
  const c = await quicStream(await quicConnect(port, certPem, o));
  await c.send({ action: 'JOIN', protocol: 'kvs', ...join });
  return { c, answer: await c.next() };
}
