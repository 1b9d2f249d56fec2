/**
 * @peerlink/signaling: the signaling core and its protocols. Today: the peer protocol at `/p2p`
 * (registration, sessions, candidate trickle, relay) as a sans-IO engine plus a WebSocket adapter.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { PeerEngine, attachPeerWebSocket, verifyPeerToken } from '@peerlink/signaling';
 * const server = createServer().listen(8080);
 * const engine = new PeerEngine({ welcome: { stun: () => ({ primary: null, alternate: null }), iceServers: () => [] } });
 * attachPeerWebSocket({ engine, servers: [{ server, secure: false }], verifyToken: (t) => verifyPeerToken('secret', t) });
 * ```
 */
export { Mailbox } from './core/mailbox.js';
export type { MailboxLimits } from './core/mailbox.js';
export { TokenBucket } from './core/token-bucket.js';
export { mintPeerToken, verifyPeerToken } from './auth/peer-token.js';
export type { MintOptions, TokenCheck } from './auth/peer-token.js';
export { PeerEngine } from './protocols/peer/engine.js';
export type { PeerEngineDeps } from './protocols/peer/engine.js';
export {
  ClientMessage,
  parseClientMessage,
  PEER_PATHS,
  PeerId,
  PeerPath,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
} from './protocols/peer/messages.js';
export type { IceServer, PeerErrorCode, ServerMessage, Welcome } from './protocols/peer/messages.js';
export { CloseCode, DEFAULT_PEER_OPTIONS, NULL_OBSERVER } from './protocols/peer/options.js';
export type {
  PeerEngineOptions,
  PeerObserver,
  RelayLimits,
  WelcomeSource,
} from './protocols/peer/options.js';
export { encodeRelayFrame, readRelaySession, RELAY_HEADER_BYTES } from './protocols/peer/relay-frame.js';
export type { Action, ConnId, ConnMeta } from './protocols/peer/state.js';
export { attachPeerWebSocket } from './transports/ws-peer-adapter.js';
export type { PeerWsAdapter, PeerWsOptions } from './transports/ws-peer-adapter.js';
