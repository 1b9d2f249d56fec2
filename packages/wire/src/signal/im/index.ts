/**
 * The IM call protocol's codec (seed 003, docs/im-calls.md): the `{type, payload, timestamp}` frames
 * both ways, media constraints in both of the seed's shapes, and the SDP rules they are checked by.
 * Pure and browser-safe: the server's engine and the browser SDK check the same schemas.
 */
export {
  IM_AUDIO_CODECS,
  IM_SAMPLE_RATES,
  IM_VIDEO_CODECS,
  ImAudioConstraints,
  ImConstraints,
  ImNetworkConstraints,
  ImVideoConstraints,
} from './constraints.js';
export {
  IM_CALL_STATUSES,
  IM_END_REASONS,
  IM_ERROR_CODES,
  IM_MESSAGE_TYPES,
  ImAnswerPayload,
  ImCallId,
  type ImCallMessage,
  type ImCallStatus,
  ImEndPayload,
  type ImEndReason,
  type ImErrorCode,
  ImErrorPayload,
  ImIceCandidate,
  ImIcePayload,
  ImMessage,
  type ImMessageOf,
  type ImMessageType,
  ImNetworkStats,
  ImOfferPayload,
  type ImParseFailure,
  ImStatusPayload,
  ImUserId,
  encodeImMessage,
  parseImMessage,
  sameUser,
} from './messages.js';
