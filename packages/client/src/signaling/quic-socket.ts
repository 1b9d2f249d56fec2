/**
 * The peer protocol over the server's QUIC carrier (`quic://HOST:PORT`, docs/quic-signaling.md):
 * one connection (ALPN peerlink-signal/1), one bidirectional stream, length-prefixed frames (binary
 * ones flagged in the length word). The stream opens with `JOIN {protocol: "peer"}`; after `JOINED`
 * it carries the same frames as the `/p2p` WebSocket. Another protocol's client (the KVS master and
 * viewer of @peerlink/webrtc) passes its own JOIN as `join` and reads the answer in `joinAnswer`.
 *
 * Writes go through a FrameWriter (as on the server): frames queued while a write is in flight
 * leave together in the next one. Relay queue cap: a stream that drains slower than the transport
 * writes (a lossy path, a slow server, a server pausing this sender for relay backpressure) would
 * queue without bound; past `relayQueueBytes` (512 KiB) of frames not yet taken by QUIC, relay
 * frames are dropped and counted (`droppedFrames`), and the transport above retransmits. Text
 * frames (signaling) are never dropped. The cap holds more than a transport session's send window
 * (256 segments of 1,200 bytes), so a burst of one window is queued, not dropped: with a 64 KiB cap
 * every burst lost most of its frames, and the drops and retransmissions outnumbered the stream's
 * own segments (docs/quic-signaling.md, "Relay throughput").
 */
import { webcrypto } from 'node:crypto';
import type { Socket } from 'node:dgram';
import Logger, { LogLevel } from '@matrixai/logger';
import { QUICClient, events, type QUICStream } from '@matrixai/quic';
import { FrameDecoder, FrameWriter, installQuicFastPath, QUIC_ALPN } from '@peerlink/signaling';
import { ClientError } from '../errors.js';
import { quicTlsConfig } from './quic-tls.js';
import type { SignalingSocket, SignalingSocketOptions } from './socket.js';

export const DEFAULT_RELAY_QUEUE_BYTES = 512 * 1024;

interface ConnectionEnd {
  readonly code: number;
  readonly reason: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface QuicSocketOptions extends SignalingSocketOptions {
  /**
   * The stream's first frame (docs/quic-signaling.md, "Join"). Default `{action: 'JOIN', protocol:
   * 'peer'}`; a KVS client sends its channel, role, client id and `token` or `presigned_url`.
   */
  readonly join?: Readonly<Record<string, unknown>>;
}

export interface QuicSignalingSocket extends SignalingSocket {
  /** The server's answer to the JOIN (JOINED or JOIN_ERROR) as parsed; undefined until it came. */
  readonly joinAnswer: Readonly<Record<string, unknown>> | undefined;
}

const PEER_JOIN = { action: 'JOIN', protocol: 'peer' } as const;

export function openQuicSocket(host: string, port: number, o: QuicSocketOptions): QuicSignalingSocket {
  const cap = o.relayQueueBytes ?? DEFAULT_RELAY_QUEUE_BYTES;
  let client: QUICClient | undefined;
  let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  /** Coalesces the frames queued while a write is in flight into the next write (as the server). */
  let out: FrameWriter | undefined;
  let open = false;
  let ended = false;
  let closing = false;
  let queued = 0;
  let end: ConnectionEnd | undefined;
  let tlsRefused: string | undefined;

  const finish = (code: number, reason: string): void => {
    if (ended) return;
    ended = true;
    open = false;
    s.onClose(end?.code ?? code, end?.reason ?? reason);
  };
  const write = (frame: string | Uint8Array): void => {
    if (!out) return;
    queued += frame.length;
    out.push([frame]);
  };

  let joinAnswer: Record<string, unknown> | undefined;
  const s: QuicSignalingSocket = {
    get joinAnswer() {
      return joinAnswer;
    },
    get bufferedAmount() {
      return queued;
    },
    droppedFrames: 0,
    sendText: (text) => {
      if (open) write(text);
    },
    sendBinary: (bytes) => {
      if (!open) return false;
      if (queued + bytes.length > cap) {
        (s as { droppedFrames: number }).droppedFrames++;
        return false;
      }
      write(bytes);
      return true;
    },
    close: (code, reason) => {
      if (closing) return;
      closing = true;
      open = false;
      end ??= { code, reason };
      void client
        ?.destroy({ isApp: true, errorCode: code, reason: new TextEncoder().encode(reason), force: true })
        .catch(() => {});
      if (!client) finish(code, reason);
    },
    onOpen: () => {},
    onText: () => {},
    onBinary: () => {},
    onError: () => {},
    onClose: () => {},
  };

  /** A JOIN answer or protocol frame from the server; an error string for what cannot be read. */
  let joined = false;
  const deliver = (f: Uint8Array, binary: boolean): string | undefined => {
    if (binary) {
      if (joined) s.onBinary(f);
      return undefined;
    }
    let text: string;
    try {
      text = utf8.decode(f);
    } catch {
      return 'a text frame that is not UTF-8';
    }
    if (joined) {
      s.onText(text);
      return undefined;
    }
    let answer: { messageType?: unknown; reason?: unknown; statusCode?: unknown } | undefined;
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      return 'a JOIN answer that is not JSON';
    }
    if (typeof answer === 'object' && answer !== null) joinAnswer = answer;
    if (answer?.messageType !== 'JOINED') {
      const why = `the server refused the QUIC join: ${String(answer?.statusCode)} ${String(answer?.reason)}`;
      s.onError(new ClientError('CLIENT_REGISTER_FAILED', why));
      return why;
    }
    joined = true;
    open = true;
    s.onOpen();
    return undefined;
  };

  const readLoop = async (stream: QUICStream): Promise<void> => {
    const reader = stream.readable.getReader();
    const decoder = new FrameDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const r = decoder.push(value);
        let bad = r.frames.reduce<string | undefined>(
          (err, f, i) => err ?? deliver(f, r.binary[i] === true),
          undefined,
        );
        if (!r.ok) bad ??= r.error.message;
        if (bad !== undefined) {
          end ??= { code: 1002, reason: bad };
          break;
        }
      }
    } catch {
      // reset by the server, or the connection went away: its close says why
    }
    if (end) return s.close(end.code, end.reason);
    // The server ended its side: end ours, and let it close the connection with its code and reason
    // (the connection's error event carries them); a server that never does is cut off.
    void writer?.close().catch(() => {});
    setTimeout(() => s.close(1006, 'the server ended the stream'), 3000).unref();
  };

  const start = async (): Promise<void> => {
    installQuicFastPath();
    const c = await QUICClient.createQUICClient(
      {
        host,
        port,
        crypto: {
          ops: {
            randomBytes: async (b: ArrayBuffer) => void webcrypto.getRandomValues(new Uint8Array(b)),
          },
        },
        config: {
          applicationProtos: [QUIC_ALPN],
          ...quicTlsConfig(o, host, (why) => (tlsRefused = why)),
          maxIdleTimeout: 60_000,
          keepAliveIntervalTime: 15_000,
          initialMaxStreamsUni: 0,
          // One read takes up to 64 KiB (the library's default is 4 KiB), as the server's worker.
          readableChunkSize: 64 * 1024,
        },
        logger: new Logger('peerlink-quic', LogLevel.SILENT),
      },
      { timer: o.connectTimeoutMs ?? 10_000 },
    );
    client = c;
    // As the server's worker: datagrams that arrive while this thread is busy wait in the socket.
    try {
      (c as unknown as { socket: { socket: Socket } }).socket.socket.setRecvBufferSize(4 * 1024 * 1024);
    } catch {
      // not allowed here: the default stays
    }
    c.connection.addEventListener(events.EventQUICConnectionError.name, (e: Event) => {
      const d = (e as events.EventQUICConnectionError).detail as {
        data?: { isApp?: boolean; errorCode?: number; reason?: Uint8Array };
      };
      if (d.data?.isApp)
        end ??= { code: d.data.errorCode ?? 1006, reason: new TextDecoder().decode(d.data.reason) };
    });
    c.connection.addEventListener(
      events.EventQUICConnectionStopped.name,
      () => finish(1006, 'the QUIC connection ended'),
      { once: true },
    );
    if (closing) {
      await c.destroy({ isApp: true, errorCode: end?.code ?? 1000, force: true }).catch(() => {});
      return;
    }
    const stream = c.connection.newStream('bidi');
    const w = stream.writable.getWriter();
    writer = w;
    w.closed.catch(() => {}); // a reset: the read side reports it
    out = new FrameWriter({ write: (bytes) => w.write(bytes), flushed: (n) => void (queued -= n) });
    void readLoop(stream);
    write(JSON.stringify(o.join ?? PEER_JOIN));
  };
  start().catch((err: unknown) => {
    s.onError(
      tlsRefused !== undefined
        ? new ClientError('CLIENT_TLS', `the server's certificate is not trusted: ${tlsRefused}`)
        : err instanceof Error
          ? err
          : new Error(String(err)),
    );
    finish(1006, `cannot connect: ${(err as Error).message}`);
  });
  return s;
}
