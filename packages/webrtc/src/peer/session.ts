/**
 * One RTCPeerConnection (werift) to one remote peer, fed by signaling: every description and
 * candidate is validated by our rules first (sdp/), trickle ICE both ways, candidates that arrive
 * before the remote description queued (up to MAX_EARLY_CANDIDATES). A refusal is returned, never
 * thrown; werift's own refusals come back as WEBRTC_REJECTED.
 */
import { RTCPeerConnection, type MediaStreamTrack, type PeerConfig, type RTCDataChannel } from 'werift';
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';
import type { IceServer } from '../kvs/control.js';
import { codecConfig, type CodecName } from '../media/codecs.js';
import { validateCandidateInit, type CandidateInit } from '../sdp/candidate.js';
import { validateDescription, type DescriptionInit } from '../sdp/validate.js';
import type { IceTtlTiming } from './ice-ttl-gate.js';
import { hookIceTtl, type IceTtlHook, type WeriftIceConnection } from './ice-ttl-hook.js';
import { trackTransports } from './werift-fixes.js';

export const MAX_EARLY_CANDIDATES = 100;

export interface PeerSessionOptions {
  readonly iceServers: readonly IceServer[];
  readonly iceTransportPolicy?: 'all' | 'relay';
  readonly codecs: readonly CodecName[];
  /** Any other werift option (e.g. `iceAdditionalHostAddresses`, `icePortRange`). */
  readonly rtc?: Partial<PeerConfig>;
  /**
   * The conntrack-clash remedy on werift's ICE checks (peer/ice-ttl-gate.ts): TTL-limited openers to
   * each remote IPv4 candidate, checks to a remote srflx candidate held until it has sent. Default
   * off here; the master turns it on. An object tunes its timing.
   */
  readonly ttlOpeners?: boolean | Partial<IceTtlTiming>;
  /** A local candidate to trickle to the remote (its `toJSON()` shape). */
  readonly onLocalCandidate: (c: CandidateInit) => void;
}

export class PeerSession {
  readonly pc: RTCPeerConnection;
  readonly #early: CandidateInit[] = [];
  /** Local candidates gathered before our description went out (werift gathers inside setLocalDescription). */
  #held: CandidateInit[] | undefined = [];
  #haveRemote = false;

  constructor(o: PeerSessionOptions) {
    this.pc = new RTCPeerConnection({
      ...o.rtc,
      iceServers: o.iceServers.map((s) => ({ ...s })),
      iceTransportPolicy: o.iceTransportPolicy ?? 'all',
      codecs: codecConfig(o.codecs),
    });
    const ttl = o.ttlOpeners ?? false;
    this.#stopTransports = trackTransports(this.pc, (t) => {
      const conn = iceConnectionOf(t);
      if (ttl !== false && conn !== undefined) this.#ttlHooks.push(hookIceTtl(conn, ttl === true ? {} : ttl));
    });
    this.pc.onIceCandidate.subscribe((c) => {
      if (c === undefined) return;
      const j = c.toJSON();
      const init = {
        candidate: j.candidate ?? '',
        sdpMid: j.sdpMid ?? null,
        sdpMLineIndex: j.sdpMLineIndex ?? null,
        usernameFragment: j.usernameFragment ?? null,
      };
      if (this.#held !== undefined) this.#held.push(init);
      else o.onLocalCandidate(init);
    });
    this.#release = o.onLocalCandidate;
  }

  readonly #release: (c: CandidateInit) => void;
  readonly #ttlHooks: IceTtlHook[] = [];
  readonly #stopTransports: () => Promise<void>;

  /** Call once the local description has been sent: trickles the candidates held until then. */
  descriptionSent(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const c of held) this.#release(c);
    for (const h of this.#ttlHooks) h.arm();
  }

  /** Master side: takes the viewer's offer, answers. */
  async answer(offer: unknown): Promise<Result<DescriptionInit>> {
    const d = validateDescription(offer, 'offer');
    if (!d.ok) return d;
    if (this.#haveRemote)
      return fail(
        WebRtcErrorCode.OutOfOrder,
        'a second offer on this session (renegotiation is not supported)',
      );
    try {
      await this.pc.setRemoteDescription(d.value);
      await this.#remoteSet();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      const local = this.pc.localDescription;
      return ok({ type: 'answer', sdp: local?.sdp ?? answer.sdp });
    } catch (err) {
      return fail(WebRtcErrorCode.Rejected, `werift refused the offer: ${(err as Error).message}`);
    }
  }

  /** Viewer side: makes the offer. */
  async offer(): Promise<DescriptionInit> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    return { type: 'offer', sdp: this.pc.localDescription?.sdp ?? offer.sdp };
  }

  /** Viewer side: takes the master's answer. */
  async accept(answer: unknown): Promise<Result<true>> {
    const d = validateDescription(answer, 'answer');
    if (!d.ok) return d;
    if (this.#haveRemote || this.pc.signalingState !== 'have-local-offer')
      return fail(WebRtcErrorCode.OutOfOrder, 'an answer without an offer outstanding');
    try {
      await this.pc.setRemoteDescription(d.value);
      await this.#remoteSet();
      return ok(true);
    } catch (err) {
      return fail(WebRtcErrorCode.Rejected, `werift refused the answer: ${(err as Error).message}`);
    }
  }

  /** A remote trickled candidate: queued until the remote description is set. */
  async candidate(c: unknown): Promise<Result<true>> {
    const v = validateCandidateInit(c);
    if (!v.ok) return v;
    if (!this.#haveRemote) {
      if (this.#early.length >= MAX_EARLY_CANDIDATES)
        return fail(
          WebRtcErrorCode.OutOfOrder,
          `more than ${MAX_EARLY_CANDIDATES} candidates before the description`,
        );
      this.#early.push(v.value);
      return ok(true);
    }
    return this.#add(v.value);
  }

  addTrack(track: MediaStreamTrack): void {
    this.pc.addTransceiver(track, { direction: 'sendonly' });
  }

  createDataChannel(label: string): RTCDataChannel {
    return this.pc.createDataChannel(label);
  }

  async close(): Promise<void> {
    for (const h of this.#ttlHooks) h.close();
    await this.pc.close();
    await this.#stopTransports();
  }

  async #remoteSet(): Promise<void> {
    this.#haveRemote = true;
    for (const c of this.#early.splice(0)) await this.#add(c);
  }

  async #add(c: CandidateInit): Promise<Result<true>> {
    if (c.candidate === '') return ok(true); // end of candidates
    try {
      await this.pc.addIceCandidate({
        candidate: c.candidate,
        ...(c.sdpMid !== null ? { sdpMid: c.sdpMid } : {}),
        ...(c.sdpMLineIndex !== null ? { sdpMLineIndex: c.sdpMLineIndex } : {}),
      });
      return ok(true);
    } catch (err) {
      return fail(WebRtcErrorCode.Rejected, `werift refused the candidate: ${(err as Error).message}`);
    }
  }
}

/** werift's ICE agent of a DTLS transport, when it has the shape the hook expects. */
function iceConnectionOf(t: unknown): WeriftIceConnection | undefined {
  const c = (t as { iceTransport?: { connection?: Partial<WeriftIceConnection> } }).iceTransport?.connection;
  return typeof c?.checkStart === 'function' &&
    typeof c.pairLocalProtocol === 'function' &&
    typeof c.ensureProtocol === 'function' &&
    typeof c.addRemoteCandidate === 'function'
    ? (c as WeriftIceConnection)
    : undefined;
}
