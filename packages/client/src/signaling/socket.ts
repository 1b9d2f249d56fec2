/**
 * The signaling connection beneath SignalingClient, whatever carries it: a WebSocket (`ws://`,
 * `wss://`, or the server's `http(s)://` base URL) or a QUIC stream (`quic://HOST:PORT`, the peer
 * protocol over the server's QUIC carrier, docs/quic-signaling.md). Text frames are the peer
 * protocol's JSON messages, binary frames its relay frames; the client never sees the difference.
 */
import { ClientError } from '../errors.js';
import type { QuicTlsOptions } from './quic-tls.js';

export interface SignalingSocket {
  /** Bytes handed to the socket and not yet written out. */
  readonly bufferedAmount: number;
  /** Relay frames dropped by the socket's queue cap (QUIC; always 0 on a WebSocket). */
  readonly droppedFrames: number;
  sendText(text: string): void;
  /** False when the frame was dropped (not open, or over the queue cap): the relay retransmits. */
  sendBinary(bytes: Uint8Array): boolean;
  close(code: number, reason: string): void;
  onOpen: () => void;
  onText: (text: string) => void;
  onBinary: (bytes: Uint8Array) => void;
  /** Could not connect (or the connection failed); `onClose` follows when it had opened. */
  onError: (err: Error) => void;
  onClose: (code: number, reason: string) => void;
}

export interface SignalingSocketOptions extends QuicTlsOptions {
  /** Connecting gives up after this long. */
  readonly connectTimeoutMs?: number;
  /** QUIC: relay bytes queued on the stream past which relay frames are dropped (default 512 KiB). */
  readonly relayQueueBytes?: number;
}

export type SignalingUrl =
  | { readonly kind: 'ws'; readonly url: string }
  | { readonly kind: 'quic'; readonly host: string; readonly port: number };

/** The host (IPv6 without brackets) and UDP port of a parsed `quic://` URL; 4433 when none is given. */
export function quicHostPort(u: URL): { host: string; port: number } {
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 4433) };
}

/** Where a server URL leads: `/p2p` on the ws(s) scheme, or a QUIC host and UDP port. */
export function signalingUrl(server: string): SignalingUrl {
  let u: URL;
  try {
    u = new URL(server);
  } catch {
    throw new ClientError('CLIENT_SERVER_UNREACHABLE', `not a server URL: ${server}`);
  }
  if (u.protocol === 'quic:') return { kind: 'quic', ...quicHostPort(u) };
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new ClientError(
      'CLIENT_SERVER_UNREACHABLE',
      `server URL must be http(s)://, ws(s):// or quic://, got ${server}`,
    );
  }
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/$/, '')}/p2p`;
  return { kind: 'ws', url: u.toString() };
}
