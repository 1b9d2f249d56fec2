/**
 * @peerlink/webrtc: WebRTC in Node on werift (ICE, DTLS, SRTP, RTP/RTCP, SCTP data channels), with a
 * KVS master and viewer over peerlink's KVS signaling, SDP and candidate validation by our own
 * rules, media forwarded as it came (RTP from a UDP port, IVF and Ogg Opus files) and RTCP
 * statistics per peer connection. docs/webrtc.md says what is werift's and what is ours.
 *
 * @example
 * ```ts
 * import { createKvsMaster, rtpUdpSource } from '@peerlink/webrtc';
 * // ffmpeg -re -f lavfi -i testsrc=size=640x480:rate=30 -c:v libvpx -g 30 -f rtp rtp://127.0.0.1:5004
 * const video = await rtpUdpSource({ port: 5004, codec: 'vp8' });
 * const master = await createKvsMaster({
 *   endpoint: 'https://127.0.0.1:8443', channel: 'camera-1',
 *   credentials: { accessKeyId: 'AKIA...', secretAccessKey: '...' }, sources: [video],
 * });
 * master.on('viewer', (id) => console.log('viewer', id));
 * master.on('datachannel', (_id, ch) => ch.onMessage.subscribe((m) => ch.send(m))); // echo
 * setInterval(async () => console.log(await master.stats('viewer-1')), 5000);
 * ```
 */
export { WebRtcError, WebRtcErrorCode } from './errors.js';
export type { Result } from './errors.js';
export { iceServersFrom, resolveChannel } from './kvs/control.js';
export type { IceServer, KvsTarget, ResolvedChannel } from './kvs/control.js';
export type { JoinedChannel } from './kvs/connect.js';
export { decodeKvsEvent, encodeKvsAction } from './kvs/events.js';
export type { KvsAction, KvsEvent } from './kvs/events.js';
export { presignKvsUrl } from './kvs/presign.js';
export type { KvsCredentials } from './kvs/presign.js';
export { createKvsMaster, KvsMaster } from './master.js';
export type { KvsMasterEvents, KvsMasterOptions } from './master.js';
export { CODECS, isCodecName } from './media/codecs.js';
export type { CodecName, MediaKind } from './media/codecs.js';
export { fileSource } from './media/file-source.js';
export { parseIvf } from './media/ivf.js';
export type { IvfFile } from './media/ivf.js';
export { opusPacketSamples, parseOggOpus } from './media/ogg-opus.js';
export type { OggOpus } from './media/ogg-opus.js';
export { looksLikeRtp, rtpUdpSource } from './media/rtp-udp-source.js';
export type { MediaSource } from './media/source.js';
export { PeerSession } from './peer/session.js';
export type { PeerSessionOptions } from './peer/session.js';
export { peerStats } from './peer/stats.js';
export type { InboundStats, OutboundStats, PeerStats } from './peer/stats.js';
export { parseCandidateLine, validateCandidateInit } from './sdp/candidate.js';
export type { CandidateInit, CandidateLine, CandidateType } from './sdp/candidate.js';
export { MAX_SDP_LENGTH, validateDescription, validateSdp } from './sdp/validate.js';
export type { DescriptionInit } from './sdp/validate.js';
export { createKvsViewer, KvsViewer } from './viewer.js';
export type { KvsViewerEvents, KvsViewerOptions } from './viewer.js';
export { DEFAULT_ICE_TTL_TIMING, IceTtlGate } from './peer/ice-ttl-gate.js';
export type { IceTtlAction, IceTtlTiming, SocketId } from './peer/ice-ttl-gate.js';
export { ownMapping } from './peer/own-mapping.js';
export type { OwnMapping } from './peer/own-mapping.js';
export { GatewayMapper } from './peer/gateway-mapper.js';
export type { GatewayMapperOptions, MapPortFn } from './peer/gateway-mapper.js';
export { candidatePriority, mappableHost, mappedCandidate } from './peer/mapped-candidate.js';
export {
  firstStunUri,
  iceServersForNetwork,
  tcpTurnFirst,
  udpReaches,
  UDP_PROBE_TIMING,
} from './peer/turn-order.js';
