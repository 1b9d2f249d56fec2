/**
 * Relay frames: binary WebSocket messages `[session: u32 big-endian][payload]`. The payload is the
 * SDK's encrypted packet; the server reads only the session number and forwards the frame unchanged
 * to the other peer of that session. The codec lives in @peerlink/wire (shared with the SDK); these
 * are the names the server has always used.
 */
export {
  encodePeerRelayFrame as encodeRelayFrame,
  PEER_RELAY_HEADER_BYTES as RELAY_HEADER_BYTES,
  readPeerRelaySession as readRelaySession,
} from '@peerlink/wire';
