/**
 * A KCP control block, wire- and behaviour-compatible with ikcp (skywind3000/kcp, ikcp.c) and
 * therefore with kcp-go. Sans-IO: `input(datagram)` feeds bytes from the peer, `send(data)` queues
 * application data, `update(now)` runs the clock and fills an output queue that the owner drains
 * with `takeOutput()`, `check(now)` says when `update` is next needed. Times are u32 milliseconds
 * on the caller's clock; nothing here reads a clock or sets a timer.
 *
 * The algorithms follow ikcp.c function by function (named in the doc comments): RTO estimation
 * (`ikcp_update_ack`, RFC 6298 style), selective and cumulative acks, fast retransmit, the
 * congestion window, and window probing when the peer's window is zero.
 */
import { KCP_OVERHEAD, KcpCommand, type KcpCommandValue, writeKcpSegment } from '@peerlink/wire';
import * as C from './constants.js';
import { diff32, type KcpNoDelay } from './constants.js';
import { CongestionWindow, RttEstimator, WindowProbe } from './congestion.js';
import { TransportError } from '../errors.js';

interface Segment {
  sn: number;
  frg: number;
  ts: number;
  resendts: number;
  rto: number;
  fastack: number;
  xmit: number;
  data: Uint8Array;
}

/** Options of {@link Kcp}; every one has ikcp's default. */
export interface KcpOptions {
  /** Bytes per output datagram, headers included (default 1400). */
  mtu?: number;
  /** Send and receive windows in segments (defaults 32 and 128, as ikcp). */
  sendWindow?: number;
  receiveWindow?: number;
  /** ikcp's stream mode: fills partial segments, ignores message boundaries (default false). */
  stream?: boolean;
  /** nodelay settings; see {@link C.KcpMode} (default Normal-ish ikcp defaults 0,100,0,0). */
  noDelay?: KcpNoDelay;
  /**
   * How the congestion window grows (only with a congestion window, nc = 0). 'ikcp' (default) is
   * ikcp's: slow start ends at 2 segments and the window grows once per acknowledging datagram, so
   * it fills a long path slowly. 'per-segment' grows per newly acknowledged segment from a slow
   * start that runs to the send window, as TCP does; loss reactions stay ikcp's. Neither is on the
   * wire.
   */
  windowGrowth?: 'ikcp' | 'per-segment';
}

/** Counters for tests and stats. */
export interface KcpCounters {
  /** Segments retransmitted because their RTO expired. */
  timeoutRetransmits: number;
  /** Segments retransmitted by fast retransmit. */
  fastRetransmits: number;
  /** Datagrams that `input` refused (wrong conv, malformed). */
  rejectedInputs: number;
}

export class Kcp {
  readonly conv: number;
  private mtu = C.DEFAULT_MTU;
  private mss = C.DEFAULT_MTU - KCP_OVERHEAD;
  private readonly stream: boolean;
  private sndUna = 0;
  private sndNxt = 0;
  private rcvNxt = 0;
  private readonly perSegmentGrowth: boolean;
  /** Segments newly acknowledged by the datagram `input` is reading. */
  private newlyAcked = 0;
  private readonly rtt = new RttEstimator();
  private readonly congestion = new CongestionWindow();
  private readonly windowProbe = new WindowProbe();
  private sndWnd = C.DEFAULT_SEND_WINDOW;
  private rcvWnd = C.DEFAULT_RECEIVE_WINDOW;
  private rmtWnd = C.DEFAULT_RECEIVE_WINDOW;
  private probe = 0;
  private current = 0;
  private interval = C.DEFAULT_INTERVAL;
  private tsFlush = C.DEFAULT_INTERVAL;
  private nodelay = 0;
  private updated = false;
  private fastresend = 0;
  private nocwnd = 0;
  private deadLink = false;
  private readonly sndQueue: Segment[] = [];
  private readonly rcvQueue: Segment[] = [];
  private readonly sndBuf: Segment[] = [];
  private readonly rcvBuf: Segment[] = [];
  private acklist: number[] = [];
  private out: Uint8Array[] = [];
  private buffer: Uint8Array;
  private bufferUsed = 0;
  readonly counters: KcpCounters = { timeoutRetransmits: 0, fastRetransmits: 0, rejectedInputs: 0 };

  constructor(conv: number, options: KcpOptions = {}) {
    if (!Number.isInteger(conv) || conv < 0 || conv > 0xffffffff) {
      throw new TransportError('TRANSPORT_INVALID_ARGUMENT', `conv ${conv} is not a u32`);
    }
    this.conv = conv;
    this.stream = options.stream ?? false;
    this.perSegmentGrowth = options.windowGrowth === 'per-segment';
    if (options.mtu !== undefined) this.setMtu(options.mtu);
    this.buffer = new Uint8Array(this.mtu);
    this.setWindows(
      options.sendWindow ?? C.DEFAULT_SEND_WINDOW,
      options.receiveWindow ?? C.DEFAULT_RECEIVE_WINDOW,
    );
    if (options.noDelay) this.setNoDelay(options.noDelay);
    if (this.perSegmentGrowth) this.congestion.ssthresh = this.sndWnd;
  }

  /** ikcp `ikcp_setmtu`: at least 50 bytes. */
  setMtu(mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < 50)
      throw new TransportError('TRANSPORT_INVALID_ARGUMENT', `mtu ${mtu} < 50`);
    this.mtu = mtu;
    this.mss = mtu - KCP_OVERHEAD;
    this.buffer = new Uint8Array(mtu);
  }

  /** ikcp `ikcp_wndsize`: the receive window never drops below the fragment cap. */
  setWindows(send: number, receive: number): void {
    if (send > 0) this.sndWnd = send;
    if (receive > 0) this.rcvWnd = Math.max(receive, C.MAX_FRAGMENTS);
  }

  /** ikcp `ikcp_nodelay`. */
  setNoDelay(o: KcpNoDelay): void {
    if (o.nodelay >= 0) {
      this.nodelay = o.nodelay;
      this.rtt.minRto = o.nodelay ? C.RTO_NODELAY_MIN : C.RTO_MIN;
    }
    if (o.interval >= 0) this.interval = Math.min(5000, Math.max(10, o.interval));
    if (o.resend >= 0) this.fastresend = o.resend;
    if (o.noCongestionWindow >= 0) this.nocwnd = o.noCongestionWindow;
  }

  /** Largest payload of one segment. */
  get maxSegmentSize(): number {
    return this.mss;
  }

  /** Segments queued or in flight (ikcp `ikcp_waitsnd`). */
  get waitingToSend(): number {
    return this.sndBuf.length + this.sndQueue.length;
  }

  /** True once a segment was retransmitted `DEAD_LINK` times (ikcp sets `state = -1`). */
  get isDead(): boolean {
    return this.deadLink;
  }

  /** Smoothed RTT in ms (0 until the first ack). */
  get srtt(): number {
    return this.rtt.srtt;
  }

  /** Drains the datagrams produced by `update`/`flush`. */
  takeOutput(): Uint8Array[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /**
   * ikcp `ikcp_send`: queues one message (split into at most 127 fragments) or, in stream mode,
   * appends bytes. Throws `KCP_MESSAGE_TOO_LARGE` for a message needing 128 fragments or more.
   */
  send(data: Uint8Array): void {
    let offset = 0;
    if (this.stream) {
      const last = this.sndQueue[this.sndQueue.length - 1];
      if (last && last.data.length < this.mss) {
        const extend = Math.min(this.mss - last.data.length, data.length);
        const merged = new Uint8Array(last.data.length + extend);
        merged.set(last.data);
        merged.set(data.subarray(0, extend), last.data.length);
        last.data = merged;
        last.frg = 0;
        offset = extend;
      }
      if (offset >= data.length) return;
    }
    const rest = data.length - offset;
    const count = rest <= this.mss ? 1 : Math.ceil(rest / this.mss);
    if (count >= C.MAX_FRAGMENTS) {
      throw new TransportError(
        'TRANSPORT_MESSAGE_TOO_LARGE',
        `${data.length} bytes need ${count} fragments (max 127)`,
      );
    }
    for (let i = 0; i < count; i++) {
      const size = Math.min(this.mss, data.length - offset);
      this.sndQueue.push({
        sn: 0,
        frg: this.stream ? 0 : count - i - 1,
        ts: 0,
        resendts: 0,
        rto: 0,
        fastack: 0,
        xmit: 0,
        data: data.slice(offset, offset + size),
      });
      offset += size;
    }
  }

  /** ikcp `ikcp_peeksize`: the size of the next whole message, or -1 if none is ready. */
  peekSize(): number {
    const first = this.rcvQueue[0];
    if (!first) return -1;
    if (first.frg === 0) return first.data.length;
    if (this.rcvQueue.length < first.frg + 1) return -1;
    let length = 0;
    for (const seg of this.rcvQueue) {
      length += seg.data.length;
      if (seg.frg === 0) break;
    }
    return length;
  }

  /** ikcp `ikcp_recv`: the next whole message (in stream mode: the next chunk), or undefined. */
  recv(): Uint8Array | undefined {
    const size = this.peekSize();
    if (size < 0) return undefined;
    const recover = this.rcvQueue.length >= this.rcvWnd;
    const message = new Uint8Array(size);
    let offset = 0;
    while (this.rcvQueue.length > 0) {
      const seg = this.rcvQueue.shift() as Segment;
      message.set(seg.data, offset);
      offset += seg.data.length;
      if (seg.frg === 0) break;
    }
    this.moveReceived();
    // Fast recover: tell the peer our window reopened (ikcp_recv's ASK_TELL).
    if (this.rcvQueue.length < this.rcvWnd && recover) this.probe |= C.ASK_TELL;
    return message;
  }

  /**
   * ikcp `ikcp_input`: feeds one datagram of segments. Returns false (and counts it) for a wrong
   * conv or malformed bytes, as ikcp's negative return codes; never throws.
   */
  input(datagram: Uint8Array, now?: number): boolean {
    if (now !== undefined) this.current = now >>> 0;
    const prevUna = this.sndUna;
    this.newlyAcked = 0;
    let maxack = 0;
    let sawAck = false;
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    if (datagram.length < KCP_OVERHEAD) return this.reject();
    let offset = 0;
    while (datagram.length - offset >= KCP_OVERHEAD) {
      const conv = view.getUint32(offset, true);
      if (conv !== this.conv) return this.reject();
      const cmd = view.getUint8(offset + 4);
      const frg = view.getUint8(offset + 5);
      const wnd = view.getUint16(offset + 6, true);
      const ts = view.getUint32(offset + 8, true);
      const sn = view.getUint32(offset + 12, true);
      const una = view.getUint32(offset + 16, true);
      const len = view.getUint32(offset + 20, true);
      offset += KCP_OVERHEAD;
      if (datagram.length - offset < len) return this.reject();
      if (cmd < KcpCommand.Push || cmd > KcpCommand.WindowTell) return this.reject();
      this.rmtWnd = wnd;
      this.parseUna(una);
      this.shrinkBuf();
      if (cmd === KcpCommand.Ack) {
        if (diff32(this.current, ts) >= 0) this.rtt.sample(diff32(this.current, ts), this.interval);
        this.parseAck(sn);
        this.shrinkBuf();
        if (!sawAck) {
          sawAck = true;
          maxack = sn;
        } else if (diff32(sn, maxack) > 0) {
          maxack = sn;
        }
      } else if (cmd === KcpCommand.Push) {
        if (diff32(sn, this.rcvNxt + this.rcvWnd) < 0) {
          this.acklist.push(sn, ts);
          if (diff32(sn, this.rcvNxt) >= 0) {
            this.parseData({
              sn,
              frg,
              ts,
              resendts: 0,
              rto: 0,
              fastack: 0,
              xmit: 0,
              data: datagram.slice(offset, offset + len),
            });
          }
        }
      } else if (cmd === KcpCommand.WindowAsk) {
        this.probe |= C.ASK_TELL;
      }
      offset += len;
    }
    if (sawAck) this.parseFastAck(maxack);
    if (diff32(this.sndUna, prevUna) > 0) {
      const steps = this.perSegmentGrowth ? this.newlyAcked : 1;
      for (let i = 0; i < steps && this.congestion.cwnd < this.rmtWnd; i++) {
        this.congestion.grow(this.mss, this.rmtWnd);
      }
    }
    this.newlyAcked = 0;
    return true;
  }

  private reject(): false {
    this.counters.rejectedInputs++;
    return false;
  }

  private shrinkBuf(): void {
    this.sndUna = this.sndBuf[0]?.sn ?? this.sndNxt;
  }

  private parseAck(sn: number): void {
    if (diff32(sn, this.sndUna) < 0 || diff32(sn, this.sndNxt) >= 0) return;
    for (let i = 0; i < this.sndBuf.length; i++) {
      const seg = this.sndBuf[i] as Segment;
      if (sn === seg.sn) {
        this.sndBuf.splice(i, 1);
        this.newlyAcked++;
        break;
      }
      if (diff32(sn, seg.sn) < 0) break;
    }
  }

  private parseUna(una: number): void {
    let n = 0;
    while (n < this.sndBuf.length && diff32(una, (this.sndBuf[n] as Segment).sn) > 0) n++;
    if (n > 0) this.sndBuf.splice(0, n);
    this.newlyAcked += n;
  }

  private parseFastAck(sn: number): void {
    if (diff32(sn, this.sndUna) < 0 || diff32(sn, this.sndNxt) >= 0) return;
    for (const seg of this.sndBuf) {
      if (diff32(sn, seg.sn) < 0) break;
      if (sn !== seg.sn) seg.fastack++;
    }
  }

  /** ikcp `ikcp_parse_data`: insert into rcv_buf by sn, drop duplicates, then move in-order ones. */
  private parseData(seg: Segment): void {
    const sn = seg.sn;
    if (diff32(sn, this.rcvNxt + this.rcvWnd) >= 0 || diff32(sn, this.rcvNxt) < 0) return;
    let i = this.rcvBuf.length - 1;
    for (; i >= 0; i--) {
      const other = this.rcvBuf[i] as Segment;
      if (other.sn === sn) return;
      if (diff32(sn, other.sn) > 0) break;
    }
    this.rcvBuf.splice(i + 1, 0, seg);
    this.moveReceived();
  }

  private moveReceived(): void {
    while (this.rcvBuf.length > 0 && this.rcvQueue.length < this.rcvWnd) {
      const seg = this.rcvBuf[0] as Segment;
      if (seg.sn !== this.rcvNxt) break;
      this.rcvBuf.shift();
      this.rcvQueue.push(seg);
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
    }
  }

  private windowUnused(): number {
    return this.rcvQueue.length < this.rcvWnd ? this.rcvWnd - this.rcvQueue.length : 0;
  }

  /** ikcp `ikcp_update`: call every `interval` ms (or at `check`'s time). */
  update(now: number): void {
    this.current = now >>> 0;
    if (!this.updated) {
      this.updated = true;
      this.tsFlush = this.current;
    }
    let slap = diff32(this.current, this.tsFlush);
    if (slap >= 10000 || slap < -10000) {
      this.tsFlush = this.current;
      slap = 0;
    }
    if (slap >= 0) {
      this.tsFlush = (this.tsFlush + this.interval) >>> 0;
      if (diff32(this.current, this.tsFlush) >= 0) this.tsFlush = (this.current + this.interval) >>> 0;
      this.flush();
    }
  }

  /** ikcp `ikcp_check`: the time `update` must next run (≤ now means at once). */
  check(now: number): number {
    const current = now >>> 0;
    if (!this.updated) return current;
    let tsFlush = this.tsFlush;
    if (Math.abs(diff32(current, tsFlush)) >= 10000) tsFlush = current;
    if (diff32(current, tsFlush) >= 0) return current;
    const tmFlush = diff32(tsFlush, current);
    let tmPacket = 0x7fffffff;
    for (const seg of this.sndBuf) {
      const d = diff32(seg.resendts, current);
      if (d <= 0) return current;
      if (d < tmPacket) tmPacket = d;
    }
    return (current + Math.min(tmPacket, tmFlush, this.interval)) >>> 0;
  }

  private emit(
    cmd: KcpCommandValue,
    frg: number,
    wnd: number,
    ts: number,
    sn: number,
    data: Uint8Array,
  ): void {
    if (this.bufferUsed + KCP_OVERHEAD + data.length > this.mtu) this.flushBuffer();
    this.bufferUsed = writeKcpSegment(
      { conv: this.conv, cmd, frg, wnd, ts, sn, una: this.rcvNxt, data },
      this.buffer,
      this.bufferUsed,
    );
  }

  private flushBuffer(): void {
    if (this.bufferUsed > 0) this.out.push(this.buffer.slice(0, this.bufferUsed));
    this.bufferUsed = 0;
  }

  /** ikcp `ikcp_flush`: acks, window probes, new data within the window, retransmissions. */
  flush(): void {
    if (!this.updated) return;
    const current = this.current;
    const wnd = this.windowUnused();
    const empty = new Uint8Array(0);
    for (let i = 0; i < this.acklist.length; i += 2) {
      this.emit(KcpCommand.Ack, 0, wnd, this.acklist[i + 1] as number, this.acklist[i] as number, empty);
    }
    this.acklist = [];
    if (this.windowProbe.due(this.rmtWnd, current)) this.probe |= C.ASK_SEND;
    if (this.probe & C.ASK_SEND) this.emit(KcpCommand.WindowAsk, 0, wnd, 0, 0, empty);
    if (this.probe & C.ASK_TELL) this.emit(KcpCommand.WindowTell, 0, wnd, 0, 0, empty);
    this.probe = 0;

    let cwnd = Math.min(this.sndWnd, this.rmtWnd);
    if (this.nocwnd === 0) cwnd = Math.min(this.congestion.cwnd, cwnd);
    while (diff32(this.sndNxt, this.sndUna + cwnd) < 0 && this.sndQueue.length > 0) {
      const seg = this.sndQueue.shift() as Segment;
      seg.ts = current;
      seg.sn = this.sndNxt;
      this.sndNxt = (this.sndNxt + 1) >>> 0;
      seg.resendts = current;
      seg.rto = this.rtt.rto;
      this.sndBuf.push(seg);
    }

    const resent = this.fastresend > 0 ? this.fastresend : 0xffffffff;
    const rtomin = this.nodelay === 0 ? this.rtt.rto >> 3 : 0;
    let change = false;
    let lost = false;
    for (const seg of this.sndBuf) {
      let needsend = false;
      if (seg.xmit === 0) {
        needsend = true;
        seg.xmit++;
        seg.rto = this.rtt.rto;
        seg.resendts = (current + seg.rto + rtomin) >>> 0;
      } else if (diff32(current, seg.resendts) >= 0) {
        needsend = true;
        seg.xmit++;
        this.counters.timeoutRetransmits++;
        if (this.nodelay === 0) seg.rto += Math.max(seg.rto, this.rtt.rto);
        else seg.rto += Math.floor((this.nodelay < 2 ? seg.rto : this.rtt.rto) / 2);
        seg.resendts = (current + seg.rto) >>> 0;
        lost = true;
      } else if (seg.fastack >= resent && seg.xmit <= C.FAST_ACK_LIMIT) {
        needsend = true;
        seg.xmit++;
        seg.fastack = 0;
        seg.resendts = (current + seg.rto) >>> 0;
        this.counters.fastRetransmits++;
        change = true;
      }
      if (needsend) {
        seg.ts = current;
        this.emit(KcpCommand.Push, seg.frg, wnd, seg.ts, seg.sn, seg.data);
        if (seg.xmit >= C.DEAD_LINK) this.deadLink = true;
      }
    }
    this.flushBuffer();
    this.congestion.afterFlush(change, lost, diff32(this.sndNxt, this.sndUna), resent, this.mss);
  }
}
