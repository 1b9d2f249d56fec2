/**
 * The peer protocol's name, version and the identifiers every message shares (docs/peer-protocol.md):
 * peer ids, server session numbers and the kinds of path a session side can run on.
 */
import { z } from 'zod';

export const PEER_PROTOCOL_VERSION = 1;
export const PEER_PROTOCOL_NAME = 'peerlink-p2p';

/** Peer ids: what `peerlink token --id` puts in `sub`. */
export const PeerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');
export type PeerId = z.infer<typeof PeerId>;

/** Server-chosen session numbers: 1 to 2^32-1 (they head every relay frame, relay-frame.ts). */
export const PeerSessionId = z.number().int().min(1).max(0xffffffff);
export type PeerSessionId = z.infer<typeof PeerSessionId>;

/** How a session side's data travels: through the server's /p2p relay, direct UDP, or a TURN relay. */
export const PeerPath = z.enum(['relay', 'direct', 'turn']);
export type PeerPath = z.infer<typeof PeerPath>;
export const PEER_PATHS: readonly PeerPath[] = PeerPath.options;

/** A reason a peer gives (reject, close): forwarded to the other peer. */
export const PeerReason = z.string().max(200);

/** Opaque application data the server forwards unread (the SDK's handshake, candidates...). */
export const PeerOpaque = z.unknown();
