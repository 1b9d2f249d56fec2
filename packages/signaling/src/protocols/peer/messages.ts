/**
 * The peer protocol, version 1: JSON text frames on a WebSocket at `/p2p`, plus binary relay frames
 * (see relay-frame.ts). Every client message is validated here before the engine sees it; unknown
 * fields are ignored so newer clients still talk to this server. docs/peer-protocol.md is the
 * reference, with a sequence diagram.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const PROTOCOL_NAME = 'peerlink-p2p';

/** Peer ids: what `peerlink token --id` puts in `sub`. */
export const PeerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');
export const SessionId = z.number().int().min(1).max(0xffffffff);
const Reason = z.string().max(200);
/** Opaque application data the server forwards unread (SDP, handshake hints, punch timing...). */
const Opaque = z.unknown();
/** How a session side's data travels: through this server's /p2p relay, direct UDP, or a TURN relay. */
export const PeerPath = z.enum(['relay', 'direct', 'turn']);
export type PeerPath = z.infer<typeof PeerPath>;
export const PEER_PATHS: readonly PeerPath[] = PeerPath.options;

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('register'),
    v: z.number().int().optional(),
    id: PeerId,
    token: z.string().min(1).max(4096),
    /** The peer's Ed25519 identity key (base64url), passed to the peers it connects with. */
    publicKey: z.string().max(128).optional(),
  }),
  z.object({
    type: z.literal('connect'),
    target: PeerId,
    ref: z.string().max(64).optional(),
    payload: Opaque.optional(),
  }),
  z.object({ type: z.literal('answer'), session: SessionId, payload: Opaque.optional() }),
  z.object({ type: z.literal('reject'), session: SessionId, reason: Reason.optional() }),
  z.object({ type: z.literal('candidate'), session: SessionId, candidate: Opaque }),
  z.object({ type: z.literal('signal'), session: SessionId, data: Opaque }),
  z.object({ type: z.literal('close'), session: SessionId, reason: Reason.optional() }),
  /** The sender's side of the session now runs on `path` (docs/peer-protocol.md); no reply. */
  z.object({ type: z.literal('path'), session: SessionId, path: PeerPath }),
  z.object({ type: z.literal('ping'), ts: z.number().optional() }),
  z.object({ type: z.literal('pong'), ts: z.number().optional() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface Welcome {
  type: 'welcome';
  protocol: typeof PROTOCOL_NAME;
  v: typeof PROTOCOL_VERSION;
  id: string;
  /** The server node that holds this connection (several nodes share one Redis). */
  node?: string;
  /** The peer's address as the server saw it (ip:port). */
  observedAddress: string;
  stun: { primary: string | null; alternate: string | null };
  iceServers: IceServer[];
  relay: { maxFrameBytes: number; bytesPerSecond: number; burstBytes: number };
  limits: { maxMessageBytes: number; messagesPerSecond: number; idleTimeoutSeconds: number };
  heartbeatSeconds: number;
  /** Sessions that survived a reconnect (resume), with their peers. */
  sessions: { session: number; peer: string }[];
}

export type ServerMessage =
  | Welcome
  | { type: 'connecting'; session: number; target: string; ref?: string }
  /** `address`: the IP the server sees the peer's signaling come from (what it may aim probes at). */
  | {
      type: 'incoming';
      session: number;
      from: string;
      address?: string;
      publicKey?: string;
      payload?: unknown;
    }
  | {
      type: 'answered';
      session: number;
      from: string;
      address?: string;
      publicKey?: string;
      payload?: unknown;
    }
  | { type: 'rejected'; session: number; from: string; reason: string }
  | { type: 'candidate'; session: number; from: string; candidate: unknown }
  | { type: 'signal'; session: number; from: string; data: unknown }
  | { type: 'closed'; session: number; reason: string }
  | { type: 'pong'; ts?: number }
  | { type: 'goaway'; reason: string; reconnectMs: number }
  | { type: 'error'; code: PeerErrorCode; message: string; session?: number; ref?: string };

/** Stable error codes of the peer protocol (docs/peer-protocol.md). */
export type PeerErrorCode =
  | 'BAD_MESSAGE'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'NOT_REGISTERED'
  | 'ALREADY_REGISTERED'
  | 'UNAUTHORIZED'
  | 'ID_MISMATCH'
  | 'SERVER_FULL'
  | 'PEER_OFFLINE'
  | 'SELF_CONNECT'
  | 'UNKNOWN_SESSION'
  | 'NOT_IN_SESSION'
  | 'SESSION_NOT_ACTIVE'
  | 'RELAY_QUOTA'
  | 'REPLACED'
  | 'DRAINING'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

/** Parses and validates one text frame. Never throws. */
export function parseClientMessage(
  text: string,
): { ok: true; message: ClientMessage } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not JSON' };
  }
  const r = ClientMessage.safeParse(json);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `${where}${issue?.message ?? 'invalid message'}` };
}
