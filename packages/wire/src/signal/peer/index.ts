/**
 * The peer protocol's codec (docs/peer-protocol.md): the JSON messages both ways, the binary relay
 * frames, and the SDK's `signal` data. Pure and browser-safe; every parser returns a result and
 * never throws on hostile input. The server (@peerlink/signaling) and the SDK (@peerlink/client)
 * share it, so both sides check the same schemas.
 */
export { PEER_ERROR_CODES, PeerErrorCode, type PeerParseErrorCode, type PeerParseFailure } from './errors.js';
export {
  PEER_PATHS,
  PEER_PROTOCOL_NAME,
  PEER_PROTOCOL_VERSION,
  PeerId,
  PeerOpaque,
  PeerPath,
  PeerReason,
  PeerSessionId,
} from './protocol.js';
export { PEER_CLIENT_MESSAGE_TYPES, PeerClientMessage, parsePeerClientMessage } from './client-messages.js';
export {
  PEER_SERVER_MESSAGE_TYPES,
  PeerIceServer,
  PeerServerMessage,
  type PeerServerMessageOf,
  PeerWelcome,
  parsePeerServerMessage,
} from './server-messages.js';
export { PEER_MAX_HANDSHAKE_TEXT, PeerConnectPayload, parsePeerConnectPayload } from './connect-payload.js';
export {
  decodePeerRelayFrame,
  encodePeerRelayFrame,
  PEER_RELAY_HEADER_BYTES,
  type PeerRelayFrame,
  readPeerRelaySession,
} from './relay-frame.js';
export {
  PEER_MAX_NAT_PORTS,
  PEER_MAX_OPENER_RUNGS,
  PEER_MAX_SIGNAL_CANDIDATES,
  PEER_SIGNAL_KINDS,
  PEER_UNKNOWN_NAT,
  PeerDirectCandidates,
  PeerDirectOpened,
  PeerNatHint,
  PeerSignalCandidate,
  PeerSignalData,
  parsePeerSignalData,
} from './signal-payload.js';
