/**
 * Peer relay frames: the binary WebSocket messages on `/p2p` (docs/peer-protocol.md, "Relay frames").
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                   Session (u32, big-endian)                   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                  Payload (the SDK's encrypted packet)         /
 *
 * The WebSocket frame gives the length. The server reads only the session number and forwards the
 * frame unchanged to the session's other peer; only the two peers read the payload.
 */
import { isUint, readU32, writeU32 } from '../../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../../errors.js';

export const PEER_RELAY_HEADER_BYTES = 4;

export interface PeerRelayFrame {
  readonly session: number;
  /** A plain `Uint8Array` view into the decoder's input (even for a Node `Buffer`): copy it to keep it. */
  readonly payload: Uint8Array;
}

/** Decodes a relay frame. Never throws; a frame shorter than its header is `PEER_RELAY_TRUNCATED`. */
export function decodePeerRelayFrame(frame: Uint8Array): Result<PeerRelayFrame> {
  if (frame.length < PEER_RELAY_HEADER_BYTES) {
    return fail(WireErrorCode.PeerRelayTruncated, `relay frame of ${frame.length} bytes has no session`, 0);
  }
  return ok({
    session: readU32(frame, 0),
    payload: new Uint8Array(
      frame.buffer,
      frame.byteOffset + PEER_RELAY_HEADER_BYTES,
      frame.length - PEER_RELAY_HEADER_BYTES,
    ),
  });
}

/** The session number of a relay frame, without looking at the payload; undefined when too short. */
export function readPeerRelaySession(frame: Uint8Array): number | undefined {
  return frame.length < PEER_RELAY_HEADER_BYTES ? undefined : readU32(frame, 0);
}

/** Encodes a relay frame. Throws a `WireError` for a session that is not a u32. */
export function encodePeerRelayFrame(session: number, payload: Uint8Array): Uint8Array {
  if (!isUint(session, 0xffffffff)) {
    throw new WireError(WireErrorCode.InvalidArgument, `relay session ${session} is not a u32`);
  }
  const out = new Uint8Array(PEER_RELAY_HEADER_BYTES + payload.length);
  writeU32(out, 0, session);
  out.set(payload, PEER_RELAY_HEADER_BYTES);
  return out;
}
