/**
 * @peerlink/signaling: one connection core for every signaling protocol, the protocols on it (the
 * peer protocol at `/p2p` today), the carriers that feed it (WebSocket) and the store seam that lets
 * several nodes share state (memory or Redis). docs/signaling-core.md and docs/signaling-cluster.md.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { MemoryBus, MemoryHub, MemoryStore, PeerEngine, Router, SignalingCore, attachWebSocket, verifyPeerToken } from '@peerlink/signaling';
 * const hub = new MemoryHub();
 * const router = new Router(new MemoryStore({ hub, mailbox: { ttlMs: 30_000, maxMessages: 256, maxBytes: 262_144 } }), new MemoryBus('node-1', hub));
 * await router.start();
 * let carrier: { pump(): void } | undefined;
 * const core = new SignalingCore({ wake: () => carrier?.pump() });
 * core.mount(new PeerEngine({ router, welcome: { stun: () => ({ primary: null, alternate: null }), iceServers: () => [] } }));
 * const server = createServer().listen(8080);
 * carrier = attachWebSocket({ core, servers: [{ server, secure: false }], verifyToken: (t) => verifyPeerToken('secret', t) });
 * ```
 */
export { SignalingCore, NULL_CORE_OBSERVER } from './core/signaling-core.js';
export type { CoreDeps, CoreObserver } from './core/signaling-core.js';
export type { Admission, ConnApi, Protocol } from './core/protocol.js';
export { CloseCode, ipOf } from './core/types.js';
export type { Action, AuthResult, ConnId, ConnLimits, ConnMeta } from './core/types.js';
export { TokenBucket } from './core/token-bucket.js';
export { Router } from './routing/router.js';
export type { LocalSink, RouterObserver, TextOutcome } from './routing/router.js';
export { decodeEnvelope, encodeEnvelope, EnvelopeKind } from './routing/envelope.js';
export type { Envelope } from './routing/envelope.js';
export { MemoryBus, MemoryHub, MemoryStore } from './store/memory-store.js';
export { readRecord, RECORD_VERSION, StoreError } from './store/records.js';
export type { PresenceRecord, StoreErrorCode, VersionedRecord } from './store/records.js';
export type { MailboxLimits, SignalBus, SignalStore, StoreHealth } from './store/store.js';
export { mintPeerToken, verifyPeerToken } from './auth/peer-token.js';
export { KVS_TOKEN_AUDIENCE, kvsClaimsProblem, mintKvsToken, verifyKvsToken } from './auth/kvs-token.js';
export type { KvsRole, KvsTokenCheck, KvsTokenClaims, MintKvsTokenOptions } from './auth/kvs-token.js';
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
export { DEFAULT_PEER_OPTIONS, NULL_OBSERVER } from './protocols/peer/options.js';
export type {
  PeerEngineOptions,
  PeerObserver,
  RelayLimits,
  WelcomeSource,
} from './protocols/peer/options.js';
export { encodeRelayFrame, readRelaySession, RELAY_HEADER_BYTES } from './protocols/peer/relay-frame.js';
export type { SessionRecord } from './protocols/peer/state.js';
export { attachWebSocket, socketRemote } from './transports/ws-adapter.js';
export type { WsCarrier, WsCarrierOptions } from './transports/ws-adapter.js';
export { QUIC_ALPN, startQuicCarrier } from './transports/quic/quic-carrier.js';
export type { QuicCarrier, QuicCarrierOptions, QuicObserver } from './transports/quic/quic-carrier.js';
export type { QuicDropReason } from './transports/quic/worker-messages.js';
export {
  BINARY_FRAME_FLAG,
  encodeBinaryFrame,
  encodeFrame,
  FrameDecoder,
  FRAME_HEADER_BYTES,
  MAX_BINARY_FRAME_BYTES,
  MAX_FRAME_BYTES,
} from './transports/quic/frame-codec.js';
export type { DecodeResult, FrameError, FrameErrorCode } from './transports/quic/frame-codec.js';
export { encodeFrames, FrameWriter } from './transports/quic/frame-writer.js';
export type { FrameItem, FrameWriterOptions } from './transports/quic/frame-writer.js';
export { parseJoin, joinMeta } from './transports/quic/join.js';
export { installQuicFastPath } from './transports/quic/quic-fast-path.js';
export type { JoinRefusal, QuicIceServer, QuicJoin } from './transports/quic/join.js';
export { RedisStore } from './store/redis-store.js';
export type { RedisStoreOptions } from './store/redis-store.js';
export { RedisBus } from './store/redis-bus.js';
export type { RedisBusOptions } from './store/redis-bus.js';
export { KvsEngine, presignedRequestOf } from './protocols/kvs/engine.js';
export type { KvsEngineDeps, KvsIdentity } from './protocols/kvs/engine.js';
export { DEFAULT_KVS_OPTIONS } from './protocols/kvs/options.js';
export type { KvsChannel, KvsObserver, KvsOptions } from './protocols/kvs/options.js';
export { formatChannelArn, parseChannelArn, CHANNEL_NAME } from './protocols/kvs/arn.js';
export type { ChannelArn } from './protocols/kvs/arn.js';
export { KVS_CLIENT_ACTIONS, kvsControl, kvsEvent, parseKvsFrame } from './protocols/kvs/frames.js';
export type { KvsAction, KvsClientFrame, KvsFrameError, KvsMessageType } from './protocols/kvs/frames.js';
export type { SignedRequest, SigV4Failure, SigV4Result, SigV4Verifier } from './auth/sigv4-types.js';
export type { DurableRecords } from './store/durable.js';
export { createSigV4Verifier, MAX_PRESIGNED_EXPIRES_S } from './auth/sigv4/verifier.js';
export type { SigV4VerifierOptions } from './auth/sigv4/verifier.js';
export { SIGV4_HTTP_STATUS } from './auth/sigv4/failures.js';
export { NodeSha256 } from './auth/sigv4/node-sha256.js';
export { canonicalJson, DEFAULT_LIST_LIMIT } from './store/durable-codec.js';
export type { UnreadableListener } from './store/durable-codec.js';
export { SqliteRecords } from './store/durable-sqlite.js';
export type { SqliteRecordsOptions } from './store/durable-sqlite.js';
export { RedisRecords } from './store/durable-redis.js';
export type { RedisRecordsOptions } from './store/durable-redis.js';
export {
  channelByArn,
  channelByName,
  channelInfo,
  findChannel,
  channelKey,
  CHANNEL_PREFIX,
} from './protocols/kvs/control/channel-record.js';
export type { ChannelInfo, ChannelRecord } from './protocols/kvs/control/channel-record.js';
export type { KvsControlContext } from './protocols/kvs/control/context.js';
export {
  createSignalingChannel,
  DEFAULT_MESSAGE_TTL_SECONDS,
  deleteSignalingChannel,
  describeSignalingChannel,
  updateSignalingChannel,
} from './protocols/kvs/control/channels.js';
export { listSignalingChannels } from './protocols/kvs/control/list.js';
export { listTagsForResource, tagResource, untagResource } from './protocols/kvs/control/tags.js';
export { getSignalingChannelEndpoint } from './protocols/kvs/control/endpoint.js';
export type { KvsEndpoints, ResourceEndpoint } from './protocols/kvs/control/endpoint.js';
export {
  getIceServerConfig,
  ICE_CONFIG_TTL_SECONDS,
  MAX_ICE_SERVERS,
  MAX_ICE_URIS,
} from './protocols/kvs/control/ice-config.js';
export type {
  IceConfigContext,
  KvsIceServer,
  TurnServerGrant,
  TurnServerSource,
} from './protocols/kvs/control/ice-config.js';
export { guardStore, KVS_ERROR_STATUS, kvsError, sigV4Error } from './protocols/kvs/control/errors.js';
export type { KvsControlError, KvsErrorType, KvsResult } from './protocols/kvs/control/errors.js';
export { handleKvsControl, KVS_CONTROL_PATHS } from './protocols/kvs/control/operations.js';
export type { KvsControlPath } from './protocols/kvs/control/operations.js';
export { MemoryRecords } from './store/durable-memory.js';
export { ImCallEngine, imErrorFrame } from './protocols/im/call-engine.js';
export type { ImCallEngineDeps, ImConnection, ImDeviceSink, ImRefusal } from './protocols/im/call-engine.js';
export { CallMachine, sameDevice } from './protocols/im/call-machine.js';
export type { CallEffect, CallSummary, CallTimers, DeviceRef } from './protocols/im/call-machine.js';
export { DurableCallHistory } from './protocols/im/call-history.js';
export type { CallHistory, HistoryPage } from './protocols/im/call-history.js';
export { IM_PATH, ImProtocol } from './protocols/im/engine.js';
export { DEFAULT_IM_OPTIONS, NULL_IM_OBSERVER } from './protocols/im/options.js';
export type { CallPolicy, CallRequest, ImObserver, ImOptions, OfflineCall } from './protocols/im/options.js';
export { createImTokenVerifier } from './auth/im-token.js';
export type { ImTokenOptions, ImTokenVerifier } from './auth/im-token.js';
export type { TokenAdmissionDeps } from './protocols/kvs/token-admission.js';
