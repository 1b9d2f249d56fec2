/**
 * The peer protocol, version 1: JSON text frames on a WebSocket at `/p2p`, plus binary relay frames
 * (relay-frame.ts). The schemas live in @peerlink/wire (`packages/wire/src/signal/peer/`), shared
 * with the SDK, which checks the server's messages with the same code; this module keeps the names
 * the engine has always used. Every client message is validated with `parseClientMessage` before
 * the engine sees it; unknown fields are ignored so newer clients still talk to this server.
 * docs/peer-protocol.md is the reference, with a sequence diagram.
 */
export {
  PeerClientMessage as ClientMessage,
  PeerErrorCode,
  PeerIceServer as IceServer,
  PeerId,
  PeerPath,
  PEER_PATHS,
  PEER_PROTOCOL_NAME as PROTOCOL_NAME,
  PEER_PROTOCOL_VERSION as PROTOCOL_VERSION,
  PeerServerMessage as ServerMessage,
  PeerSessionId as SessionId,
  PeerWelcome as Welcome,
  parsePeerClientMessage as parseClientMessage,
} from '@peerlink/wire';
