/**
 * Client -> server messages of the peer protocol, version 1: JSON text frames on the `/p2p`
 * WebSocket (docs/peer-protocol.md, "Client messages"). The server validates every one with
 * {@link parsePeerClientMessage} before its engine sees it; unknown fields are ignored so newer
 * clients still talk to an older server.
 */
import { z } from 'zod';
import type { PeerParseFailure } from './errors.js';
import { PeerId, PeerOpaque, PeerPath, PeerReason, PeerSessionId } from './protocol.js';
import { parseMessageText, tagsOf } from './validate.js';

export const PeerClientMessage = z.discriminatedUnion('type', [
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
    payload: PeerOpaque.optional(),
  }),
  z.object({ type: z.literal('answer'), session: PeerSessionId, payload: PeerOpaque.optional() }),
  z.object({ type: z.literal('reject'), session: PeerSessionId, reason: PeerReason.optional() }),
  z.object({ type: z.literal('candidate'), session: PeerSessionId, candidate: PeerOpaque }),
  z.object({ type: z.literal('signal'), session: PeerSessionId, data: PeerOpaque }),
  z.object({ type: z.literal('close'), session: PeerSessionId, reason: PeerReason.optional() }),
  /** The sender's side of the session now runs on `path` (docs/peer-protocol.md); no reply. */
  z.object({ type: z.literal('path'), session: PeerSessionId, path: PeerPath }),
  z.object({ type: z.literal('ping'), ts: z.number().optional() }),
  z.object({ type: z.literal('pong'), ts: z.number().optional() }),
]);
export type PeerClientMessage = z.infer<typeof PeerClientMessage>;

/** The `type`s a client may send. */
export const PEER_CLIENT_MESSAGE_TYPES = tagsOf('type', PeerClientMessage.options);

/** Parses and validates one text frame from a client. Never throws. */
export const parsePeerClientMessage = (
  text: string,
): { ok: true; message: PeerClientMessage } | PeerParseFailure =>
  parseMessageText(PeerClientMessage, PEER_CLIENT_MESSAGE_TYPES, text);
