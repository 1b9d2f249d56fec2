/**
 * The SDK's connection to the server's peer protocol (`/p2p`, docs/peer-protocol.md): registers,
 * keeps a heartbeat, forwards JSON messages and binary relay frames, and reconnects with backoff on
 * GO_AWAY or a dropped socket. Whoever owns it learns of every (re)registration through `onWelcome`,
 * with the sessions the server kept, and resumes the rest. The socket beneath is a WebSocket, or a
 * QUIC stream for a `quic://HOST:PORT` server URL (signaling/, docs/quic-signaling.md).
 */
import {
  decodePeerRelayFrame,
  encodePeerRelayFrame,
  parsePeerServerMessage,
  PEER_PROTOCOL_VERSION,
  type PeerClientMessage,
  type PeerPath,
  type PeerServerMessage,
  type PeerWelcome,
} from '@peerlink/wire';
import { ClientError } from './errors.js';
import { openQuicSocket } from './signaling/quic-socket.js';
import type { QuicTlsOptions } from './signaling/quic-tls.js';
import { signalingUrl, type SignalingSocket } from './signaling/socket.js';
import { openWsSocket } from './signaling/ws-socket.js';

/** A message from the server, checked against @peerlink/wire's schema (`PeerServerMessage`). */
export type ServerMsg = PeerServerMessage;
/** The server's answer to `register` (`PeerWelcome`). */
export type WelcomeMsg = PeerWelcome;

export interface SignalingClientOptions extends QuicTlsOptions {
  /**
   * The server's http(s) base URL (`/p2p` on the matching ws(s) scheme is used), or
   * `quic://HOST:PORT` for its QUIC carrier (UDP, default port 4433).
   */
  readonly server: string;
  readonly id: string;
  /** A peer token, or a function that returns a fresh one for each (re)registration. */
  readonly token: string | (() => string | Promise<string>);
  /** Our Ed25519 public key, base64url, announced to the peers we connect with. */
  readonly publicKey: string;
  /** Backoff between reconnect attempts. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Give up reconnecting after this long without a registration. */
  readonly reconnectGiveUpMs?: number;
  /** QUIC: relay bytes queued on the stream past which relay frames are dropped (default 512 KiB). */
  readonly relayQueueBytes?: number;
}

export type SignalingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The `/p2p` WebSocket URL of an http(s) or ws(s) server URL. */
export function p2pUrl(server: string): string {
  const where = signalingUrl(server);
  if (where.kind !== 'ws')
    throw new ClientError('CLIENT_SERVER_UNREACHABLE', `not a WebSocket URL: ${server}`);
  return where.url;
}

export class SignalingClient {
  state: SignalingState = 'connecting';
  welcome: WelcomeMsg | undefined;
  /** Server messages and relay frames that failed to parse, dropped; `lastMalformed` says why. */
  malformedMessages = 0;
  malformedFrames = 0;
  lastMalformed: string | undefined;
  onMessage: (msg: ServerMsg) => void = () => {};
  onFrame: (session: number, payload: Uint8Array) => void = () => {};
  onWelcome: (w: WelcomeMsg, resumed: boolean) => void = () => {};
  onStateChange: (s: SignalingState, why?: string) => void = () => {};
  #ws: SignalingSocket | undefined;
  #open = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #lostAt: number | undefined;
  #registrations = 0;

  constructor(readonly opts: SignalingClientOptions) {}

  /** Connects and registers; rejects if the first registration fails. */
  start(): Promise<WelcomeMsg> {
    return new Promise((resolve, reject) => {
      this.#connect((err, w) => (w ? resolve(w) : reject(err)));
    });
  }

  send(msg: PeerClientMessage): boolean {
    if (this.state !== 'open' || !this.#open || !this.#ws) return false;
    this.#ws.sendText(JSON.stringify(msg));
    return true;
  }

  /**
   * Tells the server which path our side of `session` now uses, for its metrics (`path` message,
   * docs/peer-protocol.md). The server does not reply; false when the socket is not open.
   */
  reportPath(session: number, path: PeerPath): boolean {
    return this.send({ type: 'path', session, path });
  }

  sendFrame(session: number, payload: Uint8Array): boolean {
    const ws = this.#ws;
    if (this.state !== 'open' || !this.#open || !ws) return false;
    return ws.sendBinary(encodePeerRelayFrame(session, payload));
  }

  /** Bytes queued in the socket, for senders that want to pace themselves. */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Relay frames the socket dropped at its queue cap (QUIC), over every socket so far. */
  get droppedFrames(): number {
    return this.#dropped + (this.#ws?.droppedFrames ?? 0);
  }

  #dropped = 0;

  #openSocket(): SignalingSocket {
    const where = signalingUrl(this.opts.server);
    const o = {
      ...(this.opts.insecureTls !== undefined ? { insecureTls: this.opts.insecureTls } : {}),
      ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
      ...(this.opts.relayQueueBytes !== undefined ? { relayQueueBytes: this.opts.relayQueueBytes } : {}),
    };
    return where.kind === 'quic' ? openQuicSocket(where.host, where.port, o) : openWsSocket(where.url, o);
  }

  close(): void {
    this.#setState('closed', 'closed by the application');
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retry);
    this.#ws?.close(1000, 'bye');
  }

  #malformed(what: 'message' | 'frame', why: string): void {
    if (what === 'message') this.malformedMessages++;
    else this.malformedFrames++;
    this.lastMalformed = `${what}: ${why}`;
  }

  #setState(s: SignalingState, why?: string): void {
    if (this.state === s || this.state === 'closed') return;
    this.state = s;
    this.onStateChange(s, why);
  }

  #connect(first?: (err: Error | undefined, w?: WelcomeMsg) => void): void {
    if (this.#ws) this.#dropped += this.#ws.droppedFrames;
    let ws: SignalingSocket;
    try {
      ws = this.#openSocket();
    } catch (err) {
      first?.(err as Error);
      return;
    }
    this.#ws = ws;
    this.#open = false;
    let registered = false;
    ws.onOpen = async () => {
      this.#open = true;
      const token = typeof this.opts.token === 'string' ? this.opts.token : await this.opts.token();
      const register: PeerClientMessage = {
        type: 'register',
        id: this.opts.id,
        token,
        publicKey: this.opts.publicKey,
        v: PEER_PROTOCOL_VERSION,
      };
      ws.sendText(JSON.stringify(register));
    };
    ws.onBinary = (data) => {
      const frame = decodePeerRelayFrame(data);
      if (frame.ok) this.onFrame(frame.value.session, frame.value.payload);
      else this.#malformed('frame', frame.error.message);
    };
    ws.onText = (data) => {
      const parsed = parsePeerServerMessage(data);
      if (!parsed.ok) {
        this.#malformed('message', parsed.message);
        // Unregistered, a welcome (or error) we cannot read fails the first registration; a later
        // one closes the socket, and the reconnect (its backoff, its give-up) tries again.
        if (registered || (parsed.type !== 'welcome' && parsed.type !== 'error')) return;
        if (first) {
          first(
            new ClientError('CLIENT_PROTOCOL', `malformed ${parsed.type} from the server: ${parsed.message}`),
          );
          first = undefined;
          this.close();
        } else if (parsed.type === 'welcome') ws.close(1002, 'malformed welcome');
        return;
      }
      const msg = parsed.message;
      if (msg.type === 'welcome') {
        registered = true;
        this.#attempt = 0;
        this.#lostAt = undefined;
        this.welcome = msg;
        const resumed = this.#registrations++ > 0;
        this.#setState('open');
        clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(
          () => this.send({ type: 'ping', ts: Date.now() }),
          Math.max(1, this.welcome.heartbeatSeconds) * 1000,
        );
        this.#heartbeat.unref();
        first?.(undefined, this.welcome);
        first = undefined;
        this.onWelcome(this.welcome, resumed);
        return;
      }
      if (msg.type === 'goaway') {
        // The server is leaving: reconnect (to it again, or to another instance behind the balancer).
        ws.close(1000, 'goaway');
        return;
      }
      if (!registered && msg.type === 'error' && first) {
        first(new ClientError('CLIENT_REGISTER_FAILED', `${msg.code}: ${msg.message}`));
        first = undefined;
        this.close();
        return;
      }
      this.onMessage(msg);
    };
    ws.onError = (err) => {
      if (first) {
        first(
          err instanceof ClientError
            ? err
            : new ClientError(
                'CLIENT_SERVER_UNREACHABLE',
                `cannot reach ${this.opts.server}: ${err.message}`,
                {
                  cause: err,
                },
              ),
        );
        first = undefined;
        this.close();
      }
    };
    ws.onClose = (code, reason) => {
      if (this.#ws === ws) this.#open = false;
      clearInterval(this.#heartbeat);
      if (this.state === 'closed' || first) return;
      if (code === 4001 || code === 4003) {
        this.#setState('closed', `server closed the connection: ${code} ${reason}`);
        return;
      }
      this.#lostAt ??= Date.now();
      this.#setState('reconnecting', `socket closed (${code} ${reason})`);
      this.#scheduleReconnect();
    };
  }

  #scheduleReconnect(): void {
    const giveUp = this.opts.reconnectGiveUpMs ?? 60_000;
    if (this.#lostAt !== undefined && Date.now() - this.#lostAt > giveUp) {
      this.#setState('closed', `no registration for ${giveUp} ms`);
      return;
    }
    const min = this.opts.reconnectMinMs ?? 100;
    const max = this.opts.reconnectMaxMs ?? 3000;
    const delay = Math.min(max, min * 2 ** this.#attempt++) * (0.75 + Math.random() * 0.5);
    this.#retry = setTimeout(() => this.#connect(), delay);
  }
}
