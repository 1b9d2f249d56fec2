/**
 * @peerlink/wire: pure, browser-safe codecs for peerlink's wire formats. This entry point covers
 * STUN (RFC 8489, compatible with RFC 5389), the TURN attributes of RFC 8656 and RFC 6062, the
 * NAT behaviour discovery attributes of RFC 5780, IP address text (RFC 4291, RFC 5952), KCP segments,
 * and peerlink's peer protocol (`/p2p`, docs/peer-protocol.md): its JSON messages both ways (zod
 * schemas; `parsePeerClientMessage`, `parsePeerServerMessage`), its binary relay frames and the SDK's
 * `signal` data (`parsePeerSignalData`).
 *
 * Everything here is a function over `Uint8Array`: no sockets, timers or Node built-ins.
 * Decoders return a {@link Result} and never throw on hostile bytes; a failure carries a
 * {@link WireError} with a stable `code` and the byte `offset` where decoding failed. Encoders
 * throw a `WireError` for arguments they cannot represent.
 *
 * @example Encode a Binding request, decode it, read the answer's XOR-MAPPED-ADDRESS
 * ```ts
 * import {
 *   StunAttr, StunClass, StunMethod, decodeStunMessage, decodeXorAddress, encodeStunMessage,
 *   encodeText, encodeXorAddress, findAttribute, newTransactionId, shortTermKey,
 *   verifyFingerprint, verifyMessageIntegrity,
 * } from '@peerlink/wire';
 *
 * const key = shortTermKey('VOkJxbRl1RmTxUk/WvJxBt');
 * const request = encodeStunMessage(
 *   {
 *     method: StunMethod.Binding,
 *     cls: StunClass.Request,
 *     transactionId: newTransactionId(),
 *     attributes: [{ type: StunAttr.Username, value: encodeText('evtj:h6vY', StunAttr.Username) }],
 *   },
 *   { integrityKey: key, fingerprint: true },
 * );
 *
 * const decoded = decodeStunMessage(request);
 * if (!decoded.ok) throw decoded.error; // decoded.error.code: 'STUN_TRUNCATED', 'STUN_NOT_STUN', ...
 * console.log(verifyFingerprint(request), verifyMessageIntegrity(request, key)); // true true
 *
 * // A server answers with the address it saw, XORed with the request's transaction id.
 * const { transactionId } = decoded.value;
 * const response = encodeStunMessage(
 *   {
 *     method: StunMethod.Binding,
 *     cls: StunClass.SuccessResponse,
 *     transactionId,
 *     attributes: [
 *       {
 *         type: StunAttr.XorMappedAddress,
 *         value: encodeXorAddress({ family: 4, address: '192.0.2.1', port: 32853 }, transactionId),
 *       },
 *     ],
 *   },
 *   { integrityKey: key, fingerprint: true },
 * );
 * const answer = decodeStunMessage(response);
 * const mapped = answer.ok ? findAttribute(answer.value, StunAttr.XorMappedAddress) : undefined;
 * if (mapped) console.log(decodeXorAddress(mapped.value, transactionId)); // { ok: true, value: { family: 4, address: '192.0.2.1', port: 32853 } }
 * ```
 *
 * @example Check what a peerlink server sends, and a relay frame
 * ```ts
 * import { decodePeerRelayFrame, encodePeerRelayFrame, parsePeerServerMessage } from '@peerlink/wire';
 *
 * const r = parsePeerServerMessage('{"type":"closed","session":7,"reason":"peer-gone","extra":1}');
 * if (r.ok && r.message.type === 'closed') console.log(r.message); // { type: 'closed', session: 7, reason: 'peer-gone' }
 * console.log(parsePeerServerMessage('{"type":"hello"}')); // { ok: false, code: 'UNKNOWN_TYPE', message: 'type: unknown type "hello"', type: 'hello' }
 *
 * const frame = decodePeerRelayFrame(encodePeerRelayFrame(7, new Uint8Array([1, 2])));
 * if (frame.ok) console.log(frame.value.session, frame.value.payload); // 7 Uint8Array(2) [ 1, 2 ]
 * ```
 */

export { fail, ok, type Result, shiftOffset, stunErrorCodeFor, WireError, WireErrorCode } from './errors.js';
export {
  formatIp,
  formatTransportAddress,
  parseIp,
  parseTransportAddress,
  type TransportAddress,
  unmapIpv4,
} from './ip.js';

export {
  FINGERPRINT_XOR,
  isComprehensionRequired,
  MAGIC_COOKIE,
  PasswordAlgorithm,
  STUN_HEADER_LENGTH,
  StunAttr,
  type StunAttrValue,
  stunAttributeName,
  StunClass,
  stunClassName,
  type StunClassValue,
  StunMethod,
  stunMethodName,
  TRANSACTION_ID_LENGTH,
  TransportProtocol,
} from './stun/constants.js';
export {
  type AttributeSpan,
  decodeMessageType,
  encodeMessageType,
  isStunMessage,
  scanMessage,
  type ScannedMessage,
  stunFrameLength,
} from './stun/framing.js';
export {
  decodeStunMessage,
  encodeStunMessage,
  type EncodeStunOptions,
  findAttribute,
  newTransactionId,
  type StunAttribute,
  type StunMessage,
} from './stun/message.js';
export {
  MESSAGE_INTEGRITY_LENGTH,
  MESSAGE_INTEGRITY_SHA256_LENGTH,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from './stun/integrity.js';
export { crc32 } from './stun/crc32.js';
export { computeUserhash, longTermKey, prepareCredential, shortTermKey } from './stun/credentials.js';
export { decodeAddress, decodeXorAddress, encodeAddress, encodeXorAddress } from './stun/address.js';
export {
  decodeAddressErrorCode,
  decodeErrorCode,
  decodeUnknownAttributes,
  encodeAddressErrorCode,
  encodeErrorCode,
  encodeUnknownAttributes,
  StunErrorCode,
} from './stun/error-code.js';
export { decodeText, encodeText, TEXT_LIMITS, type TextLimit } from './stun/text.js';
export {
  decodeChangeRequest,
  decodeResponsePort,
  decodeUint32,
  decodeUint64,
  encodeChangeRequest,
  encodeResponsePort,
  encodeUint32,
  encodeUint64,
} from './stun/scalar.js';
export {
  CHANNEL_NUMBER_MAX,
  CHANNEL_NUMBER_MIN,
  decodeAddressFamily,
  decodeChannelNumber,
  decodeEvenPort,
  decodeRequestedTransport,
  encodeAddressFamily,
  encodeChannelNumber,
  encodeEvenPort,
  encodeRequestedTransport,
} from './stun/turn-attributes.js';
export {
  decodePasswordAlgorithm,
  decodePasswordAlgorithms,
  encodePasswordAlgorithm,
  encodePasswordAlgorithms,
  type PasswordAlgorithmEntry,
} from './stun/password-algorithms.js';
export { describeStunMessage } from './stun/describe.js';
export {
  CHANNEL_DATA_HEADER_LENGTH,
  type ByteAllocator,
  type ChannelData,
  decodeChannelData,
  encodeChannelData,
  isChannelData,
  LEGACY_CHANNEL_NUMBER_MAX,
} from './turn/channel-data.js';
export {
  makeTurnRestCredentials,
  turnRestExpiry,
  turnRestPassword,
  type TurnRestCredentials,
} from './turn/rest-credentials.js';
export {
  decodeKcpSegments,
  encodeKcpSegments,
  KCP_OVERHEAD,
  KcpCommand,
  type KcpCommandValue,
  kcpConv,
  type KcpSegment,
  kcpSegmentLength,
  writeKcpSegment,
} from './kcp/segment.js';
export {
  decodeIcmp,
  decodeReservationToken,
  encodeIcmp,
  type IcmpAttribute,
  RESERVATION_TOKEN_LENGTH,
} from './turn/icmp-and-token.js';
export {
  decodePeerRelayFrame,
  encodePeerRelayFrame,
  PEER_CLIENT_MESSAGE_TYPES,
  PEER_ERROR_CODES,
  PEER_MAX_HANDSHAKE_TEXT,
  PEER_MAX_NAT_PORTS,
  PEER_MAX_OPENER_RUNGS,
  PEER_MAX_SIGNAL_CANDIDATES,
  PEER_PATHS,
  PEER_PROTOCOL_NAME,
  PEER_PROTOCOL_VERSION,
  PEER_RELAY_HEADER_BYTES,
  PEER_SERVER_MESSAGE_TYPES,
  PEER_SIGNAL_KINDS,
  PEER_UNKNOWN_NAT,
  PeerClientMessage,
  PeerConnectPayload,
  PeerDirectCandidates,
  PeerDirectOpened,
  PeerErrorCode,
  PeerIceServer,
  PeerId,
  PeerNatHint,
  PeerOpaque,
  type PeerParseErrorCode,
  type PeerParseFailure,
  PeerPath,
  PeerReason,
  type PeerRelayFrame,
  PeerServerMessage,
  type PeerServerMessageOf,
  PeerSessionId,
  PeerSignalCandidate,
  PeerSignalData,
  PeerWelcome,
  parsePeerClientMessage,
  parsePeerConnectPayload,
  parsePeerServerMessage,
  parsePeerSignalData,
  readPeerRelaySession,
} from './signal/peer/index.js';
export {
  PROXY_V1_MAX_LENGTH,
  PROXY_V1_PREFIX,
  PROXY_V2_HEADER_LENGTH,
  PROXY_V2_SIGNATURE,
  type ProxyAddresses,
  type ProxyDecodeOptions,
  type ProxyDecodeResult,
  type ProxyHeader,
  proxiedSource,
  type ProxyTlv,
  ProxyTlvType,
} from './proxy/header.js';
export { decodeProxyHeader } from './proxy/decode.js';
export { decodeProxyV1, encodeProxyV1 } from './proxy/v1.js';
export { decodeProxyV2, encodeProxyV2 } from './proxy/v2.js';
export * from './signal/im/index.js';
export { checkSdp, MAX_SDP_LENGTH, type SdpCheck } from './sdp/check-sdp.js';
