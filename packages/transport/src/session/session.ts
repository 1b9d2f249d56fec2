/**
 * The session: one encrypted KCP conversation between two peers, independent of the path that
 * carries its packets (docs/transport.md has the contract and diagrams). Sans-IO: feed it
 * `receive(bytes, now)` and `update(now)`, drain `takeOutput()` (datagrams for the selected path)
 * and `takeEvents()`; `nextWakeAt(now)` says when `update` is due. Hostile bytes never throw: they
 * are dropped and counted in `stats()`.
 *
 * Inside a DATA packet the plaintext's first byte says what follows: 0 KCP segments (ikcp wire
 * format), 1 an unreliable datagram, 2 a keepalive, 3 and 4 FEC data and parity shards (fec/fec.ts),
 * 5 a loss report (u16 LE, per mille) that steers the peer's FEC ratio.
 */
import { TransportError } from '../errors.js';
import { type Identity } from '../crypto/identity.js';
import { type Aead, type KeyPair } from '../crypto/noise-primitives.js';
import {
  DATA_OVERHEAD,
  DATA_PACKET_TYPE,
  type OpenFailure,
  PacketCipher,
  type RekeyPolicy,
} from '../crypto/packet-cipher.js';
import { Kcp } from '../kcp/kcp.js';
import { KcpMode, type KcpModeName } from '../kcp/constants.js';
import { FEC_DATA, FEC_PARITY, FecDecoder, FecEncoder } from '../fec/fec.js';
import { Handshake } from './handshake.js';
import { MuxKind, decodeMuxFrame, encodeMuxFrame } from './mux.js';
import { type SessionEvent, emptyStats, type SessionStats } from './session-types.js';

const Inner = { Kcp: 0, Datagram: 1, Keepalive: 2, LossReport: 5 } as const;
/** Room kept in every packet for the largest FEC framing, so FEC can start at any time. */
const FEC_RESERVE = 10;
const LOSS_REPORT_MS = 1000;

/** Options of {@link Session}, with defaults. */
export interface SessionOptions {
  /** The initiator sends HS1; the responder waits for it. */
  role: 'initiator' | 'responder';
  /** Our Ed25519 identity. */
  identity: Identity;
  /** The peer's Ed25519 public key if known (from the server's welcome): pins it. */
  remoteIdentity?: Uint8Array | undefined;
  /** KCP mode (default 'fast'). */
  mode?: KcpModeName;
  /** Largest datagram the session emits (default 1200, fits every peerlink path). */
  mtu?: number;
  /** KCP windows in segments (default 256 and 256). */
  sendWindow?: number;
  receiveWindow?: number;
  rekey?: RekeyPolicy;
  /** Handshake retransmission interval (default 500 ms) and deadline (default 10,000 ms). */
  handshakeRetryMs?: number;
  handshakeTimeoutMs?: number;
  /** Send a keepalive after this long without sending (default 5,000 ms). */
  keepaliveMs?: number;
  /** Declare the peer unreachable after this long without a valid packet (default 30,000 ms). */
  idleTimeoutMs?: number;
  /** Our X25519 static key (default fresh; tests fix it). */
  staticKey?: KeyPair;
  /**
   * Forward error correction on what we send: 'adaptive' groups KCP datagrams with Reed-Solomon
   * parity at the ratio the peer's loss reports pick; 'off' (default) sends none. The receiving
   * side always understands FEC, so each side chooses for itself.
   */
  fec?: 'off' | 'adaptive';
  /** Acknowledge every packet at once rather than on the next tick (default: true in Turbo only). */
  ackNoDelay?: boolean;
  /** The packet AEAD (default pure TypeScript; in Node pass `nodeAead`, several times faster). */
  aead?: Aead;
}

type State = 'new' | 'handshaking' | 'open' | 'closed';

export class Session {
  private state: State = 'new';
  private readonly handshake: Handshake;
  private cipher: PacketCipher | undefined;
  private kcp: Kcp | undefined;
  private out: Uint8Array[] = [];
  private events: SessionEvent[] = [];
  private readonly o: Required<Omit<SessionOptions, 'remoteIdentity' | 'staticKey' | 'rekey' | 'aead'>> &
    SessionOptions;
  private readonly fecOut: FecEncoder | undefined;
  private readonly fecIn = new FecDecoder();
  private lastLossReport = 0;
  private startedAt = 0;
  private lastHandshakeSend = 0;
  private lastSend = 0;
  private lastReceive = 0;
  /** The responder proved it has keys (a DATA packet arrived): stop repeating HS3. */
  private confirmed = false;
  private nextStream: number;
  private readonly streams = new Set<number>();
  /** Streams the peer opened that we have seen: they are ours to write too, until we end them. */
  private readonly remoteStreams = new Set<number>();
  private readonly counters: SessionStats = emptyStats();
  remoteIdentity: Uint8Array | undefined;

  constructor(options: SessionOptions) {
    this.o = {
      mode: 'fast',
      mtu: 1200,
      sendWindow: 256,
      receiveWindow: 256,
      handshakeRetryMs: 500,
      handshakeTimeoutMs: 10_000,
      keepaliveMs: 5_000,
      idleTimeoutMs: 30_000,
      fec: 'off',
      ackNoDelay: options.mode === 'turbo',
      ...options,
    };
    if (this.o.mtu < 100 || this.o.mtu > 65_000) {
      throw new TransportError('TRANSPORT_INVALID_ARGUMENT', `mtu ${this.o.mtu} is not in 100..65000`);
    }
    const initiator = options.role === 'initiator';
    this.nextStream = initiator ? 1 : 2;
    this.fecOut = this.o.fec === 'adaptive' ? new FecEncoder() : undefined;
    this.handshake = new Handshake({
      initiator,
      identity: options.identity,
      pinned: options.remoteIdentity,
      staticKey: options.staticKey,
    });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** The largest unreliable datagram `sendDatagram` accepts. */
  get maxDatagramSize(): number {
    return this.o.mtu - DATA_OVERHEAD - 1;
  }

  /** Begins the handshake (the initiator sends HS1; the responder starts its deadline). */
  start(now: number): void {
    if (this.state !== 'new') return;
    this.state = 'handshaking';
    this.startedAt = now;
    this.lastReceive = now;
    if (this.o.role === 'initiator') this.emitHandshake(this.handshake.start(), now);
  }

  /** Feeds one datagram from any path. Never throws. */
  receive(bytes: Uint8Array, now: number): void {
    if (this.state === 'new') this.start(now);
    if (this.state === 'closed') return;
    const type = bytes[0];
    if (type === DATA_PACKET_TYPE) return this.receiveData(bytes, now);
    if (type === undefined || type < 1 || type > 3) return void this.counters.dropped.malformed++;
    try {
      const step = this.handshake.receive(bytes);
      if (step.kind === 'ignored') return void this.counters.dropped.handshake++;
      this.lastReceive = now;
      if (step.packet) this.emitHandshake(step.packet, now);
      if (step.kind === 'done' && this.state === 'handshaking') this.establish(now);
    } catch (err) {
      this.fail(
        err instanceof TransportError ? err : new TransportError('TRANSPORT_HANDSHAKE_FAILED', String(err)),
      );
    }
  }

  private receiveData(packet: Uint8Array, now: number): void {
    if (!this.cipher || !this.kcp) return void this.counters.dropped.early++;
    const opened = this.cipher.open(packet);
    if (!opened.ok) return void this.counters.dropped[opened.reason satisfies OpenFailure]++;
    this.counters.packetsReceived++;
    this.lastReceive = now;
    this.confirmed = true;
    const inner = opened.plaintext;
    const body = inner.subarray(1);
    if (inner[0] === Inner.Kcp || inner[0] === FEC_DATA || inner[0] === FEC_PARITY) {
      const datagrams = inner[0] === Inner.Kcp ? [body] : this.fecIn.accept(inner);
      for (const datagram of datagrams) {
        if (!this.kcp.input(datagram, now)) this.counters.dropped.malformed++;
      }
      // Acks at once instead of at the next tick: the sender repairs losses up to one interval
      // sooner, for one ack packet per data packet (kcp-go's ackNoDelay).
      if (this.o.ackNoDelay && datagrams.length > 0) {
        this.kcp.flush();
        this.sealKcpOutput(now);
      }
      this.drainKcp();
    } else if (inner[0] === Inner.LossReport) {
      if (this.fecOut && body.length === 2)
        this.fecOut.loss = ((body[0] as number) | ((body[1] as number) << 8)) / 1000;
    } else if (inner[0] === Inner.Datagram) {
      this.events.push({ type: 'datagram', data: body.slice() });
    } else if (inner[0] !== Inner.Keepalive) {
      this.counters.dropped.malformed++;
    }
  }

  private establish(now: number): void {
    const done = this.handshake.done;
    if (!done) return;
    this.cipher = new PacketCipher(done.sendKey, done.receiveKey, now, this.o.rekey, this.o.aead);
    const conv = new DataView(done.handshakeHash.buffer, done.handshakeHash.byteOffset, 4).getUint32(0, true);
    this.kcp = new Kcp(conv, {
      mtu: this.o.mtu - DATA_OVERHEAD - FEC_RESERVE,
      sendWindow: this.o.sendWindow,
      receiveWindow: this.o.receiveWindow,
      noDelay: KcpMode[this.o.mode],
      // Normal mode keeps a congestion window; let it open as TCP's does (docs/transport.md).
      windowGrowth: 'per-segment',
    });
    this.kcp.update(now);
    this.state = 'open';
    // The responder's first DATA packet tells the initiator HS3 arrived, so it stops repeating it.
    if (this.o.role === 'responder') this.seal(Uint8Array.of(Inner.Keepalive), now);
    this.remoteIdentity = done.remoteIdentity;
    this.events.push({ type: 'open', remoteIdentity: done.remoteIdentity });
  }

  /** Runs timers: KCP, handshake retransmission, keepalives and the idle deadline. */
  update(now: number): void {
    if (this.state === 'closed' || this.state === 'new') return;
    if (now - this.lastReceive >= this.o.idleTimeoutMs && this.state === 'open') {
      return this.fail(
        new TransportError('TRANSPORT_PEER_UNREACHABLE', `nothing heard for ${this.o.idleTimeoutMs} ms`),
      );
    }
    if (this.state === 'handshaking') {
      if (now - this.startedAt >= this.o.handshakeTimeoutMs) {
        return this.fail(
          new TransportError(
            'TRANSPORT_HANDSHAKE_TIMEOUT',
            `no handshake after ${this.o.handshakeTimeoutMs} ms`,
          ),
        );
      }
    }
    if (this.handshakeRetryDue(now)) {
      const again = this.handshake.retransmission();
      if (again) this.emitHandshake(again, now);
    }
    if (this.kcp) {
      this.kcp.update(now);
      this.sealKcpOutput(now);
      this.drainKcp();
      if (this.kcp.isDead) {
        return this.fail(
          new TransportError('TRANSPORT_PEER_UNREACHABLE', 'a KCP segment was retransmitted 20 times'),
        );
      }
      for (const parity of this.fecOut?.due(now) ?? []) this.seal(parity, now);
      this.reportLoss(now);
      if (now - this.lastSend >= this.o.keepaliveMs) this.seal(Uint8Array.of(Inner.Keepalive), now);
    }
  }

  /** The initiator repeats HS1 until HS2, then HS3 until the first DATA packet. */
  private get repeatingHandshake(): boolean {
    return (
      this.o.role === 'initiator' &&
      (this.state === 'handshaking' || (this.state === 'open' && !this.confirmed))
    );
  }

  private handshakeRetryDue(now: number): boolean {
    return this.repeatingHandshake && now - this.lastHandshakeSend >= this.o.handshakeRetryMs;
  }

  /** When `update` should next run. */
  nextWakeAt(now: number): number {
    if (this.state === 'closed' || this.state === 'new') return Infinity;
    let next = this.lastReceive + this.o.idleTimeoutMs;
    if (this.state === 'handshaking') next = Math.min(next, this.startedAt + this.o.handshakeTimeoutMs);
    if (this.repeatingHandshake) next = Math.min(next, this.lastHandshakeSend + this.o.handshakeRetryMs);
    if (this.kcp) {
      next = Math.min(next, now + ((this.kcp.check(now) - now) | 0), this.lastSend + this.o.keepaliveMs);
      if (this.fecOut) next = Math.min(next, this.fecOut.nextWakeAt());
    }
    return Math.max(next, now);
  }

  /** Queues a reliable, ordered message (at most 127 KCP segments, about 140 KB at mtu 1200). */
  sendMessage(data: Uint8Array, now: number): void {
    this.kcpSend(encodeMuxFrame({ kind: MuxKind.Message, data }), now);
  }

  /** Sends an unreliable datagram at once: no retransmission, no ordering, no head-of-line wait. */
  sendDatagram(data: Uint8Array, now: number): void {
    this.requireOpen();
    if (data.length > this.maxDatagramSize) {
      throw new TransportError(
        'TRANSPORT_DATAGRAM_TOO_LARGE',
        `${data.length} > ${this.maxDatagramSize} bytes`,
      );
    }
    const inner = new Uint8Array(1 + data.length);
    inner[0] = Inner.Datagram;
    inner.set(data, 1);
    this.seal(inner, now);
  }

  /** Opens a new ordered byte stream and returns its id. */
  openStream(): number {
    this.requireOpen();
    const id = this.nextStream;
    this.nextStream += 2;
    this.streams.add(id);
    return id;
  }

  /** Writes bytes to a stream (split into chunks that fit a KCP message). */
  writeStream(stream: number, data: Uint8Array, now: number): void {
    if (!this.streams.has(stream))
      throw new TransportError('TRANSPORT_STREAM_CLOSED', `stream ${stream} is not open`);
    const kcp = this.requireOpen();
    const chunk = kcp.maxSegmentSize * 64;
    for (let offset = 0; offset < data.length || offset === 0; offset += chunk) {
      this.kcpSend(
        encodeMuxFrame({ kind: MuxKind.StreamData, stream, data: data.subarray(offset, offset + chunk) }),
        now,
      );
      if (data.length === 0) break;
    }
  }

  /** Ends our side of a stream; the peer gets `stream-end` after all its data. */
  endStream(stream: number, now: number): void {
    if (!this.streams.delete(stream))
      throw new TransportError('TRANSPORT_STREAM_CLOSED', `stream ${stream} is not open`);
    this.kcpSend(encodeMuxFrame({ kind: MuxKind.StreamEnd, stream }), now);
  }

  /** Segments queued or unacknowledged: back-pressure for bulk senders. */
  get pendingSegments(): number {
    return this.kcp?.waitingToSend ?? 0;
  }

  takeOutput(): Uint8Array[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  takeEvents(): SessionEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  stats(): SessionStats {
    const kcp = this.kcp?.counters;
    return {
      ...this.counters,
      dropped: { ...this.counters.dropped },
      timeoutRetransmits: kcp?.timeoutRetransmits ?? 0,
      fastRetransmits: kcp?.fastRetransmits ?? 0,
      fecRecovered: this.fecIn.recovered,
      srttMs: this.kcp?.srtt ?? 0,
      sendEpoch: this.cipher?.epoch ?? 0,
    };
  }

  /** Closes the session locally (no packet is sent; the peer times out or is told by signaling). */
  close(): void {
    this.state = 'closed';
  }

  private requireOpen(): Kcp {
    if (this.state !== 'open' || !this.kcp)
      throw new TransportError('TRANSPORT_NOT_OPEN', `session is ${this.state}`);
    return this.kcp;
  }

  private kcpSend(frame: Uint8Array, now: number): void {
    const kcp = this.requireOpen();
    kcp.send(frame);
    kcp.flush();
    this.sealKcpOutput(now);
  }

  /** Tells the peer how much of its FEC traffic we lost, once a second while it sends FEC. */
  private reportLoss(now: number): void {
    if (now - this.lastLossReport < LOSS_REPORT_MS) return;
    this.lastLossReport = now;
    const loss = this.fecIn.takeLoss();
    if (loss === undefined) return;
    const permille = Math.min(1000, Math.round(loss * 1000));
    this.seal(Uint8Array.of(Inner.LossReport, permille & 0xff, permille >> 8), now);
  }

  private sealKcpOutput(now: number): void {
    for (const segments of this.kcp?.takeOutput() ?? []) {
      if (this.fecOut) {
        for (const shard of this.fecOut.wrap(segments, now)) this.seal(shard, now);
        continue;
      }
      const inner = new Uint8Array(1 + segments.length);
      inner[0] = Inner.Kcp;
      inner.set(segments, 1);
      this.seal(inner, now);
    }
  }

  private seal(inner: Uint8Array, now: number): void {
    if (!this.cipher) return;
    this.out.push(this.cipher.seal(inner, now));
    this.counters.packetsSent++;
    this.lastSend = now;
  }

  private emitHandshake(packet: Uint8Array, now: number): void {
    this.out.push(packet);
    this.lastHandshakeSend = now;
  }

  private drainKcp(): void {
    if (!this.kcp) return;
    for (let m = this.kcp.recv(); m; m = this.kcp.recv()) {
      const frame = decodeMuxFrame(m);
      if (!frame) {
        this.counters.dropped.malformed++;
      } else if (frame.kind === MuxKind.Message) {
        this.events.push({ type: 'message', data: frame.data });
      } else if (frame.kind === MuxKind.StreamData) {
        // Streams are bidirectional: the first data of a stream the peer opened makes it writable here.
        if (frame.stream % 2 !== this.nextStream % 2 && !this.remoteStreams.has(frame.stream)) {
          this.remoteStreams.add(frame.stream);
          this.streams.add(frame.stream);
        }
        this.events.push({ type: 'stream-data', stream: frame.stream, data: frame.data });
      } else {
        this.events.push({ type: 'stream-end', stream: frame.stream });
      }
    }
  }

  private fail(error: TransportError): void {
    this.state = 'closed';
    this.events.push({ type: 'error', error });
  }
}
