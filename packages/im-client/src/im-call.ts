/**
 * One call on one device: its RTCPeerConnection, the seed's messages for it, and its state as this
 * device sees it. ImPhone creates calls (outgoing with `call`, incoming from a `call.offer`) and hands
 * them the frames about them.
 */
import type { ImMessageOf } from '@peerlink/wire';
import { Emitter } from './emitter.js';
import type { ImFrame, ImSocket } from './im-socket.js';
import {
  networkStats,
  offerConstraints,
  openMedia,
  quality,
  type CallType,
  type NetworkStats,
} from './media.js';

export type ImCallState = 'calling' | 'ringing' | 'answered' | 'connected' | 'disconnected' | 'ended';

export type ImCallEvents = {
  state: [state: ImCallState];
  /** The other side's media. */
  remoteStream: [stream: MediaStream];
  /** Network stats this device measured and sent. */
  stats: [stats: NetworkStats];
  /** A `call.error` about this call (the call goes on unless it also ended). */
  error: [code: string, message: string, reason: string | undefined];
  /** `reason`: the seed's end reason, or the error code that ended the call before it rang. */
  ended: [reason: string, duration: number | undefined];
};

export interface ImCallContext {
  readonly socket: ImSocket;
  readonly me: string;
  readonly rtcConfig: () => Promise<RTCConfiguration>;
  readonly getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>;
  readonly statsIntervalMs: number;
  readonly onEnded: (call: ImCall) => void;
}

type Id = string | number;

export class ImCall extends Emitter<ImCallEvents> {
  state: ImCallState;
  pc: RTCPeerConnection | undefined;
  localStream: MediaStream | undefined;
  remoteStream: MediaStream | undefined;
  endReason: string | undefined;
  duration: number | undefined;
  #answeredAt: number | undefined;
  #offer: RTCSessionDescriptionInit | undefined;
  #remoteCandidates: RTCIceCandidateInit[] = [];
  #statsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly id: string,
    readonly peer: Id,
    readonly direction: 'outgoing' | 'incoming',
    public callType: CallType,
    private readonly ctx: ImCallContext,
    offer?: RTCSessionDescriptionInit,
  ) {
    super();
    this.state = direction === 'outgoing' ? 'calling' : 'ringing';
    this.#offer = offer;
  }

  /** Outgoing: opens the media, makes the offer and sends `call.offer`. */
  async start(): Promise<void> {
    const pc = await this.#open();
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.#send('call.offer', {
      ...this.#parties(),
      call_type: this.callType,
      sdp: { type: 'offer', sdp: offer.sdp ?? '' },
      constraints: offerConstraints(this.callType),
      created_at: new Date().toISOString(),
    });
  }

  /** Incoming: opens the media and answers. */
  async answer(): Promise<void> {
    if (this.direction !== 'incoming' || this.state !== 'ringing' || !this.#offer)
      throw new Error(`cannot answer a call that is ${this.state}`);
    const pc = await this.#open();
    await this.#acceptOffer(pc, this.#offer);
  }

  /** Incoming and ringing: `call.end` user_rejected. */
  reject(): void {
    this.#hangUp('user_rejected');
  }

  /** `call.end` user_hangup (or user_rejected while an incoming call rings). */
  hangup(): void {
    this.#hangUp(this.direction === 'incoming' && this.state === 'ringing' ? 'user_rejected' : 'user_hangup');
  }

  /** A frame about this call, from ImPhone. */
  async handle(frame: ImFrame): Promise<void> {
    switch (frame.type) {
      case 'call.offer': // a re-offer (ICE restart) from the other side
        this.#offer = frame.payload.sdp;
        if (this.pc && this.state !== 'ringing') await this.#acceptOffer(this.pc, frame.payload.sdp);
        return;
      case 'call.answer':
        await this.pc?.setRemoteDescription(frame.payload.sdp);
        await this.#flushCandidates();
        return;
      case 'call.ice':
        this.#remoteCandidates.push(frame.payload.ice_candidate as RTCIceCandidateInit);
        if (this.pc?.remoteDescription) await this.#flushCandidates();
        return;
      case 'call.status':
        return this.#status(frame.payload.status);
      case 'call.end':
        return this.#ended(frame.payload.reason, frame.payload.duration);
      case 'call.error': {
        const p = frame.payload;
        const reason = typeof p.details?.['reason'] === 'string' ? p.details['reason'] : undefined;
        this.emit('error', p.error_code, p.error_message, reason);
        // Refused before it rang (denied, bad offer): the call never existed on the server.
        if (this.state === 'calling') this.#ended(p.error_code, undefined);
        return;
      }
    }
  }

  /** After the socket came back: an ICE restart when the media path dropped meanwhile. */
  async restartIceIfNeeded(): Promise<void> {
    const s = this.pc?.iceConnectionState;
    if (this.direction !== 'outgoing' || !this.pc || (s !== 'disconnected' && s !== 'failed')) return;
    const offer = await this.pc.createOffer({ iceRestart: true });
    await this.pc.setLocalDescription(offer);
    this.#send('call.offer', {
      ...this.#parties(),
      call_type: this.callType,
      sdp: { type: 'offer', sdp: offer.sdp ?? '' },
    });
  }

  #parties(): { call_id: string; from_user: Id; to_user: Id } {
    return { call_id: this.id, from_user: this.ctx.me, to_user: this.peer };
  }

  #send<T extends 'call.offer' | 'call.answer' | 'call.ice' | 'call.end' | 'call.status'>(
    type: T,
    payload: ImMessageOf<T>['payload'],
  ): void {
    this.ctx.socket.send(type, payload);
  }

  async #open(): Promise<RTCPeerConnection> {
    const media = await openMedia(this.callType, this.ctx.getUserMedia);
    this.callType = media.type;
    this.localStream = media.stream;
    const pc = new RTCPeerConnection(await this.ctx.rtcConfig());
    this.pc = pc;
    for (const t of media.stream.getTracks()) pc.addTrack(t, media.stream);
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate && e.candidate.candidate !== '' && this.state !== 'ended')
        this.#send('call.ice', { ...this.#parties(), ice_candidate: e.candidate.toJSON() as never });
    });
    pc.addEventListener('track', (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      if (this.remoteStream === stream) return;
      this.remoteStream = stream;
      this.emit('remoteStream', stream);
    });
    pc.addEventListener('connectionstatechange', () => this.#connectionState(pc.connectionState));
    return pc;
  }

  async #acceptOffer(pc: RTCPeerConnection, offer: RTCSessionDescriptionInit): Promise<void> {
    await pc.setRemoteDescription(offer);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.#send('call.answer', {
      ...this.#parties(),
      sdp: { type: 'answer', sdp: answer.sdp ?? '' },
      answered_at: new Date().toISOString(),
    });
    await this.#flushCandidates();
  }

  async #flushCandidates(): Promise<void> {
    const pc = this.pc;
    if (!pc?.remoteDescription) return;
    const list = this.#remoteCandidates;
    this.#remoteCandidates = [];
    for (const c of list) await pc.addIceCandidate(c).catch(() => undefined); // a stale candidate is harmless
  }

  #setState(s: ImCallState): void {
    if (this.state === s || this.state === 'ended') return;
    this.state = s;
    if (s === 'answered' && this.#answeredAt === undefined) this.#answeredAt = Date.now();
    this.emit('state', s);
  }

  #status(status: string): void {
    if (status === 'ringing' || status === 'answered' || status === 'connected' || status === 'disconnected')
      this.#setState(status);
  }

  #connectionState(s: RTCPeerConnectionState): void {
    if (this.state === 'ended') return;
    if (s === 'connected') {
      this.#send('call.status', { call_id: this.id, status: 'connected' });
      this.#setState('connected');
      this.#startStats();
    } else if (s === 'disconnected' || s === 'failed') {
      this.#send('call.status', { call_id: this.id, status: s });
      this.#setState('disconnected');
    }
  }

  #startStats(): void {
    if (this.#statsTimer !== undefined || this.ctx.statsIntervalMs <= 0) return;
    this.#statsTimer = setInterval(() => {
      void this.pc?.getStats().then((report) => {
        if (this.state === 'ended') return;
        const stats = networkStats(report);
        const q = quality(stats);
        this.#send('call.status', {
          call_id: this.id,
          status: this.state === 'disconnected' ? 'disconnected' : 'connected',
          audio_quality: q,
          ...(this.callType === 'video' && { video_quality: q }),
          network_stats: stats,
        });
        this.emit('stats', stats);
      });
    }, this.ctx.statsIntervalMs);
  }

  #hangUp(reason: 'user_hangup' | 'user_rejected'): void {
    if (this.state === 'ended') return;
    this.#send('call.end', { ...this.#parties(), reason });
    const duration = this.#answeredAt === undefined ? 0 : Math.round((Date.now() - this.#answeredAt) / 1000);
    this.#ended(reason, duration);
  }

  #ended(reason: string, duration: number | undefined): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = reason;
    this.duration = duration;
    clearInterval(this.#statsTimer);
    for (const t of this.localStream?.getTracks() ?? []) t.stop();
    this.pc?.close();
    this.emit('state', 'ended');
    this.emit('ended', reason, duration);
    this.ctx.onEnded(this);
  }
}
