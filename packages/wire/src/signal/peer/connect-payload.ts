/**
 * The SDK's `payload` in `connect` and `answer` (forwarded as `incoming` and `answered`,
 * docs/client.md): the connection id that survives server sessions, and the Noise handshake
 * messages that ride the signaling exchange. The server forwards it unread; the receiving peer
 * reads it here, tolerantly: a malformed field reads as absent, so a peer of another version (or a
 * hostile one) gets no further than a failed handshake.
 *
 *     connect  { connection, hs: [Noise message 1] }       answer { connection, hs: [message 2] }
 *     connect  { connection }   (re-establishing a relay)  answer { connection, resumed: true }
 */
import { z } from 'zod';

/** The longest handshake message accepted, as base64url text. */
export const PEER_MAX_HANDSHAKE_TEXT = 4096;

const handshakeText = (h: unknown): h is string =>
  typeof h === 'string' && h.length > 0 && h.length <= PEER_MAX_HANDSHAKE_TEXT;

export const PeerConnectPayload = z
  .object({
    /** Stable across server sessions: lets the other side recognise a resumed connection. */
    connection: z.string().min(1).max(64).optional().catch(undefined),
    /** Noise handshake messages, base64url; what is not such text is skipped. */
    hs: z
      .array(z.unknown())
      .catch([])
      .transform((list) => list.filter(handshakeText)),
    /** The answer to a re-established connection: the transport session carries on. */
    resumed: z.boolean().optional().catch(undefined),
  })
  .catch(() => ({ hs: [] }));
export type PeerConnectPayload = z.output<typeof PeerConnectPayload>;

/** Reads a peer's connect or answer payload; never throws, never fails (see above). */
export function parsePeerConnectPayload(payload: unknown): PeerConnectPayload {
  const r = PeerConnectPayload.safeParse(payload);
  return r.success ? r.data : { hs: [] };
}
