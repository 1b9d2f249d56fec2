/**
 * Typed errors of @peerlink/webrtc, each with a stable `code` (never renamed once released; new ones
 * may be added). Hostile input from signaling never throws out of a master or viewer: it is refused
 * with one of these codes, counted, and reported on the `refused` event. What throws is a caller's
 * mistake (bad options) or a failure to reach the server.
 */
export const WebRtcErrorCode = {
  /** An SDP that fails our rules (sdp/validate.ts); `field` names the failing line or attribute. */
  SdpInvalid: 'WEBRTC_SDP_INVALID',
  /** An ICE candidate that is not an RFC 8839 §5.1 candidate line. */
  CandidateInvalid: 'WEBRTC_CANDIDATE_INVALID',
  /** A signaling frame from the server that is not a KVS event (kvs/events.ts). */
  FrameInvalid: 'WEBRTC_FRAME_INVALID',
  /** A message the session cannot take now (an answer without an offer, a candidate before one). */
  OutOfOrder: 'WEBRTC_OUT_OF_ORDER',
  /** werift refused a description or candidate that passed our rules. */
  Rejected: 'WEBRTC_REJECTED',
  /** An option the caller gave that cannot be used. */
  InvalidOption: 'WEBRTC_INVALID_OPTION',
  /**
   * The control plane (GetSignalingChannelEndpoint, GetIceServerConfig), the WSS upgrade or the QUIC
   * connection failed.
   */
  ConnectFailed: 'WEBRTC_CONNECT_FAILED',
  /** The server refused a QUIC signaling JOIN (JOIN_ERROR: bad token or signature, unknown channel). */
  JoinRefused: 'WEBRTC_JOIN_REFUSED',
  /** A media file that is not the container it claims (IVF, Ogg). */
  MediaInvalid: 'WEBRTC_MEDIA_INVALID',
} as const;
export type WebRtcErrorCode = (typeof WebRtcErrorCode)[keyof typeof WebRtcErrorCode];

export class WebRtcError extends Error {
  override readonly name = 'WebRtcError';
  readonly code: WebRtcErrorCode;
  /** The SDP line, attribute or frame field that failed, when one did. */
  readonly field: string | undefined;

  constructor(code: WebRtcErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** A codec's or validator's answer: the value, or the error saying where it failed. Never thrown. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: WebRtcError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(code: WebRtcErrorCode, message: string, field?: string): Result<T> => ({
  ok: false,
  error: new WebRtcError(code, message, field),
});
