/**
 * Calls over the /im socket: `phone.call(user, 'video')` for an outgoing call, the `incoming` event
 * for a `call.offer` that rings this device. Each ImCall holds its RTCPeerConnection; ICE servers come
 * from the option (or `GET /im/ice-servers` through `iceServers: () => ...`).
 *
 * @example
 * ```ts
 * import { ImPhone, ImSocket } from '@peerlink/im-client';
 * const socket = new ImSocket({ url: 'wss://peerlink.example/im', token: jwt });
 * const phone = new ImPhone({ socket, iceServers: () => fetchIceServers(jwt) });
 * phone.on('incoming', (call) => void call.answer());
 * const call = await phone.call('42', 'video');
 * call.on('remoteStream', (s) => (video.srcObject = s));
 * ```
 */
import { Emitter } from './emitter.js';
import { ImCall } from './im-call.js';
import type { ImFrame, ImSocket } from './im-socket.js';
import type { CallType } from './media.js';

export interface ImPhoneOptions {
  readonly socket: ImSocket;
  /** ICE servers, or a function that fetches fresh ones for each call (TURN credentials expire). */
  readonly iceServers?: RTCIceServer[] | (() => Promise<RTCIceServer[]>);
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** Default navigator.mediaDevices.getUserMedia. */
  readonly getUserMedia?: (c: MediaStreamConstraints) => Promise<MediaStream>;
  /** How often a connected call reports network_stats (default 5000 ms; 0: never). */
  readonly statsIntervalMs?: number;
}

export type ImPhoneEvents = {
  /** A call rings this device: answer it, reject it, or let it time out. */
  incoming: [call: ImCall];
  /** A frame about no call this device knows (another device's call, a late frame). */
  stray: [frame: ImFrame];
};

const newCallId = (): string => `call_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;

export class ImPhone extends Emitter<ImPhoneEvents> {
  readonly calls = new Map<string, ImCall>();
  readonly #o: ImPhoneOptions;

  constructor(o: ImPhoneOptions) {
    super();
    this.#o = o;
    o.socket.on('frame', (f) => void this.#frame(f).catch(() => undefined));
    o.socket.on('open', (_user, reconnected) => {
      if (reconnected)
        for (const c of this.calls.values()) void c.restartIceIfNeeded().catch(() => undefined);
    });
  }

  /** Calls `user`; resolves once the offer is sent (watch the call's `state` for ringing and after). */
  async call(user: string | number, type: CallType, callId: string = newCallId()): Promise<ImCall> {
    const call = this.#make(callId, user, 'outgoing', type);
    try {
      await call.start();
    } catch (err) {
      this.calls.delete(callId);
      call.pc?.close();
      for (const t of call.localStream?.getTracks() ?? []) t.stop();
      throw err;
    }
    return call;
  }

  #make(
    id: string,
    peer: string | number,
    dir: 'outgoing' | 'incoming',
    type: CallType,
    offer?: RTCSessionDescriptionInit,
  ): ImCall {
    const o = this.#o;
    const call = new ImCall(
      id,
      peer,
      dir,
      type,
      {
        socket: o.socket,
        me: o.socket.userId ?? '',
        rtcConfig: async () => ({
          iceServers: typeof o.iceServers === 'function' ? await o.iceServers() : (o.iceServers ?? []),
          ...(o.iceTransportPolicy && { iceTransportPolicy: o.iceTransportPolicy }),
        }),
        getUserMedia: o.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c)),
        statsIntervalMs: o.statsIntervalMs ?? 5000,
        onEnded: (c) => this.calls.delete(c.id),
      },
      offer,
    );
    this.calls.set(id, call);
    return call;
  }

  async #frame(f: ImFrame): Promise<void> {
    const id = f.payload.call_id;
    const known = id === undefined ? undefined : this.calls.get(id);
    if (known) return known.handle(f);
    if (f.type === 'call.offer' && id !== undefined) {
      const call = this.#make(id, f.payload.from_user, 'incoming', f.payload.call_type, f.payload.sdp);
      this.emit('incoming', call);
      return;
    }
    this.emit('stray', f);
  }
}
