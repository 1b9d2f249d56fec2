/**
 * A KVS master in Node: joins a channel as MASTER over peerlink's KVS signaling (WSS, or QUIC with
 * `signaling: 'quic'` or a `quic://` endpoint), and answers each viewer's offer with a peer
 * connection of its own (werift), sending the master's media sources and accepting the data
 * channels the viewer opens. Trickle ICE both ways; ICE servers from GetIceServerConfig (over QUIC,
 * from JOINED). Hostile signaling (bad frames, bad SDP, bad candidates, out-of-order messages) is
 * refused and counted, reported on `refused`, and never ends the master.
 */
import { EventEmitter } from 'node:events';
import type { PeerConfig, RTCDataChannel } from 'werift';
import { WebRtcError, WebRtcErrorCode } from './errors.js';
import { joinChannel, type JoinedChannel } from './kvs/connect.js';
import type { IceServer, KvsTarget } from './kvs/control.js';
import type { KvsEvent } from './kvs/events.js';
import type { KvsSocket } from './kvs/signaling-socket.js';
import type { CodecName } from './media/codecs.js';
import type { MediaSource } from './media/source.js';
import type { IceTtlTiming } from './peer/ice-ttl-gate.js';
import { ownMapping, type OwnMapping } from './peer/own-mapping.js';
import { PeerSession } from './peer/session.js';
import { firstStunUri, iceServersForNetwork } from './peer/turn-order.js';
import { peerStats, type PeerStats } from './peer/stats.js';
import type { CandidateInit } from './sdp/candidate.js';

export interface KvsMasterOptions extends KvsTarget {
  /** What every viewer receives (at most one source per kind); the codecs negotiated are theirs. */
  readonly sources?: readonly MediaSource[];
  /** Default 10, the KVS default per channel; a viewer past it is refused. */
  readonly maxViewers?: number;
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** Replace the ICE servers from GetIceServerConfig (e.g. a STUN server of your own). */
  readonly iceServers?: readonly IceServer[];
  /**
   * Ask once at start whether UDP reaches the first STUN server; when it does not, TURN over TCP
   * first and no STUN (`peer/turn-order.ts`: werift would answer only after 6.35 s of UDP). Default
   * true.
   */
  readonly probeUdp?: boolean;
  /** Any other werift option. */
  readonly rtc?: Partial<PeerConfig>;
  /**
   * The conntrack-clash remedy on werift's ICE checks (`peer/ice-ttl-gate.ts`, docs/webrtc.md):
   * TTL-limited openers from each local IPv4 socket to each viewer candidate, and checks to a
   * viewer's srflx candidate held until the viewer has sent (at most 2 s after the answer), when
   * its router answers ranging (accepts unsolicited UDP). Default true; false: plain werift ICE.
   * With it, the master asks at start whether its NAT maps endpoint-independently (`ownMapping`);
   * one that maps per destination runs plain werift ICE (the remedy would only cost it).
   */
  readonly ttlOpeners?: boolean | Partial<IceTtlTiming>;
  /**
   * More candidates to trickle for each local one (a port-mapped candidate from GatewayMapper's
   * `candidatesFor`); sent after it, as they resolve. Failures send nothing.
   */
  readonly extraCandidates?: (local: CandidateInit) => Promise<readonly CandidateInit[]>;
}

export interface KvsMasterEvents {
  viewer: [viewerId: string, session: PeerSession];
  datachannel: [viewerId: string, channel: RTCDataChannel];
  connected: [viewerId: string];
  refused: [error: WebRtcError, viewerId: string | undefined];
  close: [code: number, reason: string];
}

export class KvsMaster extends EventEmitter<KvsMasterEvents> {
  readonly #sessions = new Map<string, PeerSession>();
  #socket: KvsSocket | undefined;
  #joined: JoinedChannel | undefined;
  #iceServers: readonly IceServer[] = [];
  #udpOut: boolean | null = null;
  #ownMapping: OwnMapping = null;
  #refused = 0;

  constructor(private readonly o: KvsMasterOptions) {
    super();
    const kinds = (o.sources ?? []).map((s) => s.kind);
    if (new Set(kinds).size !== kinds.length)
      throw new WebRtcError(
        WebRtcErrorCode.InvalidOption,
        'at most one media source per kind (audio, video)',
      );
  }

  /** @internal */
  async start(): Promise<this> {
    const { channel, socket } = await joinChannel(this.o, 'MASTER', 'master', {
      onEvent: (e) => void this.#onEvent(e),
      onRefused: (e) => this.#refuse(e, undefined),
      onClose: (code, reason) => this.emit('close', code, reason),
    });
    this.#socket = socket;
    this.#joined = channel;
    const servers = this.o.iceServers ?? channel.iceServers;
    if (this.o.probeUdp ?? true) {
      const fit = await iceServersForNetwork(servers);
      this.#iceServers = fit.servers;
      this.#udpOut = fit.udpOut;
    } else this.#iceServers = servers;
    const stun = firstStunUri(this.#iceServers);
    if ((this.o.ttlOpeners ?? true) !== false && stun !== null && this.#udpOut !== false)
      this.#ownMapping = await ownMapping(stun).catch(() => null);
    return this;
  }

  /** The channel joined: its ARN, the carrier (`wss` or `quic`), ICE servers, the server's keepalive. */
  get joined(): JoinedChannel | undefined {
    return this.#joined;
  }

  /** What the start found of the master's own NAT (null: not asked, or no answer to tell). */
  get ownMapping(): OwnMapping {
    return this.#ownMapping;
  }

  /** Whether viewers' connections get the TTL remedy: asked for, and the NAT not mapping per destination. */
  get ttlOpeners(): boolean {
    return (this.o.ttlOpeners ?? true) !== false && this.#ownMapping !== 'dependent';
  }

  /** What the start's probe found: UDP reaches the STUN server, or not (TCP TURN first); null: not asked. */
  get udpOut(): boolean | null {
    return this.#udpOut;
  }

  /** The ICE servers each viewer's connection uses. */
  get iceServers(): readonly IceServer[] {
    return this.#iceServers;
  }

  /** Signaling messages refused so far (frames, descriptions, candidates). */
  get refused(): number {
    return this.#refused;
  }

  viewers(): ReadonlyMap<string, PeerSession> {
    return this.#sessions;
  }

  /** RTCP statistics of the viewer's connection. */
  stats(viewerId: string): Promise<PeerStats | undefined> {
    const s = this.#sessions.get(viewerId);
    return s === undefined ? Promise.resolve(undefined) : peerStats(s.pc);
  }

  async close(): Promise<void> {
    this.#socket?.close();
    await Promise.all([...this.#sessions.values()].map((s) => s.close()));
    this.#sessions.clear();
    for (const s of this.o.sources ?? []) s.close();
  }

  #refuse(e: WebRtcError, viewerId: string | undefined): void {
    this.#refused++;
    this.emit('refused', e, viewerId);
  }

  async #onEvent(e: KvsEvent): Promise<void> {
    if (e.messageType !== 'SDP_OFFER' && e.messageType !== 'ICE_CANDIDATE') {
      if (e.messageType === 'SDP_ANSWER')
        this.#refuse(new WebRtcError(WebRtcErrorCode.OutOfOrder, 'an SDP answer to a master'), undefined);
      return; // GO_AWAY and RECONNECT_ICE_SERVER: the socket's close follows; STATUS_RESPONSE: nothing to do
    }
    const viewerId = e.senderClientId;
    if (viewerId === undefined)
      return this.#refuse(
        new WebRtcError(WebRtcErrorCode.FrameInvalid, 'no senderClientId', 'senderClientId'),
        undefined,
      );
    if (e.messageType === 'ICE_CANDIDATE') {
      const s = this.#sessions.get(viewerId);
      if (s === undefined)
        return this.#refuse(
          new WebRtcError(WebRtcErrorCode.OutOfOrder, 'a candidate before the offer'),
          viewerId,
        );
      const r = await s.candidate(e.payload);
      if (!r.ok) this.#refuse(r.error, viewerId);
      return;
    }
    await this.#onOffer(viewerId, e.payload);
  }

  async #onOffer(viewerId: string, offer: unknown): Promise<void> {
    const old = this.#sessions.get(viewerId);
    if (old === undefined && this.#sessions.size >= (this.o.maxViewers ?? 10))
      return this.#refuse(
        new WebRtcError(WebRtcErrorCode.OutOfOrder, `over ${this.o.maxViewers ?? 10} viewers`),
        viewerId,
      );
    const sources = this.o.sources ?? [];
    const codecs: CodecName[] = sources.map((s) => s.codec);
    const session = new PeerSession({
      iceServers: this.#iceServers,
      codecs,
      ttlOpeners: this.ttlOpeners ? (this.o.ttlOpeners ?? true) : false,
      ...(this.o.iceTransportPolicy !== undefined ? { iceTransportPolicy: this.o.iceTransportPolicy } : {}),
      ...(this.o.rtc !== undefined ? { rtc: this.o.rtc } : {}),
      onLocalCandidate: (c) => {
        this.#socket?.send('ICE_CANDIDATE', c, viewerId);
        this.o.extraCandidates?.(c).then(
          (more) => more.forEach((m) => this.#socket?.send('ICE_CANDIDATE', m, viewerId)),
          () => {},
        );
      },
    });
    for (const s of sources) session.addTrack(s.track);
    session.pc.onDataChannel.subscribe((ch) => this.emit('datachannel', viewerId, ch));
    session.pc.connectionStateChange.subscribe((st) => {
      if (st === 'connected') this.emit('connected', viewerId);
    });
    // Registered before answering: the viewer's candidates trickle in meanwhile and are queued.
    this.#sessions.set(viewerId, session);
    if (old !== undefined) await old.close(); // a viewer that offers again starts over
    const answer = await session.answer(offer);
    if (!answer.ok) {
      if (this.#sessions.get(viewerId) === session) this.#sessions.delete(viewerId);
      await session.close();
      return this.#refuse(answer.error, viewerId);
    }
    this.#socket?.send('SDP_ANSWER', answer.value, viewerId);
    session.descriptionSent();
    this.emit('viewer', viewerId, session);
  }
}

/**
 * Joins `channel` as its master and answers viewers until closed.
 *
 * @example
 * ```ts
 * const video = await rtpUdpSource({ port: 5004, codec: 'vp8' }); // ffmpeg ... -f rtp rtp://127.0.0.1:5004
 * const master = await createKvsMaster({
 *   endpoint: 'https://peerlink.example:8443', channel: 'door-camera',
 *   credentials: { accessKeyId: 'AKIA...', secretAccessKey: '...' }, sources: [video],
 * });
 * master.on('datachannel', (id, ch) => ch.onMessage.subscribe((m) => ch.send(m))); // echo
 * ```
 */
export function createKvsMaster(o: KvsMasterOptions): Promise<KvsMaster> {
  return new KvsMaster(o).start();
}
