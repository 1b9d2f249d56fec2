/**
 * A KVS viewer in Node: joins a channel as VIEWER with its client id (over WSS or QUIC, as the
 * master), offers a peer connection (werift) receiving the kinds asked for and sending its own
 * sources, opens a data channel, and trickles ICE both ways. Hostile signaling is refused and
 * counted, as in the master.
 */
import { EventEmitter } from 'node:events';
import type { MediaStreamTrack, PeerConfig, RTCDataChannel } from 'werift';
import { WebRtcError, WebRtcErrorCode } from './errors.js';
import { joinChannel, type JoinedChannel } from './kvs/connect.js';
import type { IceServer, KvsTarget } from './kvs/control.js';
import type { KvsEvent } from './kvs/events.js';
import type { KvsSocket } from './kvs/signaling-socket.js';
import { CODECS, type CodecName, type MediaKind } from './media/codecs.js';
import type { MediaSource } from './media/source.js';
import { PeerSession } from './peer/session.js';
import { peerStats, type PeerStats } from './peer/stats.js';

export interface KvsViewerOptions extends KvsTarget {
  /** This viewer's id on the channel ([a-zA-Z0-9_.-]{1,256}). */
  readonly clientId: string;
  /** Kinds to receive; default both. */
  readonly receive?: readonly MediaKind[];
  /** What this viewer sends (at most one per kind); a received kind with a source is sendrecv. */
  readonly sources?: readonly MediaSource[];
  /** Codecs offered for what is received, in preference order; default all six. */
  readonly codecs?: readonly CodecName[];
  /** The data channel's label; null opens none. Default `kvsDataChannel`, as AWS's sample names it. */
  readonly dataChannel?: string | null;
  readonly iceTransportPolicy?: 'all' | 'relay';
  readonly iceServers?: readonly IceServer[];
  readonly rtc?: Partial<PeerConfig>;
}

export interface KvsViewerEvents {
  track: [track: MediaStreamTrack];
  connected: [];
  refused: [error: WebRtcError];
  close: [code: number, reason: string];
}

export class KvsViewer extends EventEmitter<KvsViewerEvents> {
  #socket: KvsSocket | undefined;
  #joined: JoinedChannel | undefined;
  #session: PeerSession | undefined;
  #channel: RTCDataChannel | undefined;
  #refused = 0;

  constructor(private readonly o: KvsViewerOptions) {
    super();
  }

  /** @internal */
  async start(): Promise<this> {
    const { channel, socket } = await joinChannel(this.o, 'VIEWER', this.o.clientId, {
      onEvent: (e) => void this.#onEvent(e),
      onRefused: (e) => this.#refuse(e),
      onClose: (code, reason) => this.emit('close', code, reason),
    });
    this.#socket = socket;
    this.#joined = channel;
    const sources = this.o.sources ?? [];
    const session = new PeerSession({
      iceServers: this.o.iceServers ?? channel.iceServers,
      codecs: [...(this.o.codecs ?? CODECS), ...sources.map((s) => s.codec)].filter(
        (c, i, a) => a.indexOf(c) === i,
      ),
      ...(this.o.iceTransportPolicy !== undefined ? { iceTransportPolicy: this.o.iceTransportPolicy } : {}),
      ...(this.o.rtc !== undefined ? { rtc: this.o.rtc } : {}),
      onLocalCandidate: (c) => socket.send('ICE_CANDIDATE', c),
    });
    this.#session = session;
    const receive = this.o.receive ?? ['video', 'audio'];
    for (const kind of receive) {
      const src = sources.find((s) => s.kind === kind);
      session.pc.addTransceiver(src?.track ?? kind, { direction: src ? 'sendrecv' : 'recvonly' });
    }
    for (const s of sources) if (!receive.includes(s.kind)) session.addTrack(s.track);
    const label = this.o.dataChannel === undefined ? 'kvsDataChannel' : this.o.dataChannel;
    if (label !== null) this.#channel = session.createDataChannel(label);
    session.pc.onTrack.subscribe((t) => this.emit('track', t));
    session.pc.connectionStateChange.subscribe((st) => {
      if (st === 'connected') this.emit('connected');
    });
    socket.send('SDP_OFFER', await session.offer());
    session.descriptionSent();
    return this;
  }

  /** The channel joined: its ARN, the carrier (`wss` or `quic`), ICE servers, the server's keepalive. */
  get joined(): JoinedChannel | undefined {
    return this.#joined;
  }

  get session(): PeerSession | undefined {
    return this.#session;
  }

  get dataChannel(): RTCDataChannel | undefined {
    return this.#channel;
  }

  get refused(): number {
    return this.#refused;
  }

  stats(): Promise<PeerStats | undefined> {
    return this.#session === undefined ? Promise.resolve(undefined) : peerStats(this.#session.pc);
  }

  async close(): Promise<void> {
    this.#socket?.close();
    await this.#session?.close();
    for (const s of this.o.sources ?? []) s.close();
  }

  #refuse(e: WebRtcError): void {
    this.#refused++;
    this.emit('refused', e);
  }

  async #onEvent(e: KvsEvent): Promise<void> {
    const s = this.#session;
    if (s === undefined) return;
    if (e.messageType === 'SDP_ANSWER') {
      const r = await s.accept(e.payload);
      if (!r.ok) this.#refuse(r.error);
    } else if (e.messageType === 'ICE_CANDIDATE') {
      const r = await s.candidate(e.payload);
      if (!r.ok) this.#refuse(r.error);
    } else if (e.messageType === 'SDP_OFFER') {
      this.#refuse(new WebRtcError(WebRtcErrorCode.OutOfOrder, 'an SDP offer to a viewer'));
    }
  }
}

/**
 * Joins `channel` as viewer `clientId` and offers a connection to its master.
 *
 * @example
 * ```ts
 * const viewer = await createKvsViewer({ endpoint, channel: 'door-camera', credentials, clientId: 'phone-1' });
 * viewer.on('track', (t) => t.onReceiveRtp.subscribe((rtp) => console.log(t.kind, rtp.header.sequenceNumber)));
 * ```
 */
export function createKvsViewer(o: KvsViewerOptions): Promise<KvsViewer> {
  return new KvsViewer(o).start();
}
