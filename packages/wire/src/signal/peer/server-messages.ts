/**
 * Server -> client messages of the peer protocol, version 1 (docs/peer-protocol.md, "Server
 * messages"). The server builds them typed; the SDK checks each one it receives with
 * {@link parsePeerServerMessage}: unknown fields are ignored, an unknown `type` (a newer server)
 * and a malformed message come back as a failure to count and drop, never a throw.
 */
import { z } from 'zod';
import { PeerErrorCode, type PeerParseFailure } from './errors.js';
import { PEER_PROTOCOL_NAME, PEER_PROTOCOL_VERSION, PeerId, PeerOpaque, PeerSessionId } from './protocol.js';
import { parseMessageText, tagsOf } from './validate.js';

/** A STUN or TURN server for the peer's ICE agent (RFC 8489 / RFC 8656 URLs). */
export const PeerIceServer = z.object({
  urls: z.array(z.string()),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type PeerIceServer = z.infer<typeof PeerIceServer>;

/** The answer to `register`: who the peer is, where the server saw it, and the limits it runs under. */
export const PeerWelcome = z.object({
  type: z.literal('welcome'),
  protocol: z.literal(PEER_PROTOCOL_NAME),
  v: z.literal(PEER_PROTOCOL_VERSION),
  id: PeerId,
  /** The server node that holds this connection (several nodes share one Redis). */
  node: z.string().max(128).optional(),
  /** The peer's address as the server saw it (ip:port). */
  observedAddress: z.string(),
  stun: z.object({ primary: z.string().nullable(), alternate: z.string().nullable() }),
  iceServers: z.array(PeerIceServer),
  relay: z.object({ maxFrameBytes: z.number(), bytesPerSecond: z.number(), burstBytes: z.number() }),
  limits: z.object({
    maxMessageBytes: z.number(),
    messagesPerSecond: z.number(),
    idleTimeoutSeconds: z.number(),
  }),
  heartbeatSeconds: z.number().min(0),
  /** Sessions that survived a reconnect (resume), with their peers. */
  sessions: z.array(z.object({ session: PeerSessionId, peer: PeerId })),
});
export type PeerWelcome = z.infer<typeof PeerWelcome>;

/**
 * `incoming` (to the target) and `answered` (to the initiator) introduce the other peer. `address`:
 * the IP the server sees that peer's signaling come from, the only one birthday probing aims at.
 */
const introduction = <T extends 'incoming' | 'answered'>(type: T) =>
  z.object({
    type: z.literal(type),
    session: PeerSessionId,
    from: PeerId,
    address: z.string().optional(),
    publicKey: z.string().optional(),
    payload: PeerOpaque.optional(),
  });

export const PeerServerMessage = z.discriminatedUnion('type', [
  PeerWelcome,
  z.object({
    type: z.literal('connecting'),
    session: PeerSessionId,
    target: PeerId,
    ref: z.string().optional(),
  }),
  introduction('incoming'),
  introduction('answered'),
  z.object({ type: z.literal('rejected'), session: PeerSessionId, from: PeerId, reason: z.string() }),
  z.object({ type: z.literal('candidate'), session: PeerSessionId, from: PeerId, candidate: PeerOpaque }),
  z.object({ type: z.literal('signal'), session: PeerSessionId, from: PeerId, data: PeerOpaque }),
  z.object({ type: z.literal('closed'), session: PeerSessionId, reason: z.string() }),
  z.object({ type: z.literal('pong'), ts: z.number().optional() }),
  z.object({ type: z.literal('goaway'), reason: z.string(), reconnectMs: z.number().min(0) }),
  z.object({
    type: z.literal('error'),
    code: PeerErrorCode,
    message: z.string(),
    session: PeerSessionId.optional(),
    ref: z.string().optional(),
  }),
]);
export type PeerServerMessage = z.infer<typeof PeerServerMessage>;
/** One server message by its `type`: `PeerServerMessageOf<'incoming'>`. */
export type PeerServerMessageOf<T extends PeerServerMessage['type']> = Extract<
  PeerServerMessage,
  { type: T }
>;

/** The `type`s this version of the protocol sends to clients. */
export const PEER_SERVER_MESSAGE_TYPES = tagsOf('type', PeerServerMessage.options);

/** Parses and validates one text frame from the server. Never throws. */
export const parsePeerServerMessage = (
  text: string,
): { ok: true; message: PeerServerMessage } | PeerParseFailure =>
  parseMessageText(PeerServerMessage, PEER_SERVER_MESSAGE_TYPES, text);
