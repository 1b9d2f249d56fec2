/**
 * KCP's congestion window and round-trip estimate, split out of the control block (kcp.ts). Both
 * follow ikcp.c: `ikcp_update_ack` for the RTO, the tail of `ikcp_input` for window growth and the
 * tail of `ikcp_flush` for the reaction to loss. Only used when the congestion window is on (nc = 0)
 * for the window; the RTO always.
 */
import * as C from './constants.js';

/** ikcp `ikcp_update_ack`: Jacobson/Karels smoothing (as RFC 6298), RTO = srtt + max(interval, 4 rttvar). */
export class RttEstimator {
  srtt = 0;
  private rttval = 0;
  rto = C.RTO_DEFAULT;
  minRto = C.RTO_MIN;

  sample(rtt: number, interval: number): void {
    if (this.srtt === 0) {
      this.srtt = rtt;
      this.rttval = Math.floor(rtt / 2);
    } else {
      const delta = Math.abs(rtt - this.srtt);
      this.rttval = Math.floor((3 * this.rttval + delta) / 4);
      this.srtt = Math.max(1, Math.floor((7 * this.srtt + rtt) / 8));
    }
    const rto = this.srtt + Math.max(interval, 4 * this.rttval);
    this.rto = Math.min(Math.max(this.minRto, rto), C.RTO_MAX);
  }
}

/** The congestion window in segments (`cwnd`), its threshold and ikcp's byte counter `incr`. */
export class CongestionWindow {
  cwnd = 0;
  ssthresh = C.THRESH_INIT;
  private incr = 0;

  /** One growth step (ikcp_input): slow start below ssthresh, then about 1/cwnd + 1/16 segment. */
  grow(mss: number, remoteWindow: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd++;
      this.incr += mss;
    } else {
      if (this.incr < mss) this.incr = mss;
      this.incr += Math.floor((mss * mss) / this.incr) + Math.floor(mss / 16);
      if ((this.cwnd + 1) * mss <= this.incr)
        this.cwnd = Math.floor((this.incr + mss - 1) / (mss > 0 ? mss : 1));
    }
    if (this.cwnd > remoteWindow) {
      this.cwnd = remoteWindow;
      this.incr = remoteWindow * mss;
    }
  }

  /**
   * ikcp_flush's tail: after a fast retransmit, half the segments in flight plus `resent`; after a
   * timeout, one segment; never below one.
   */
  afterFlush(
    fastRetransmitted: boolean,
    timedOut: boolean,
    inflight: number,
    resent: number,
    mss: number,
  ): void {
    if (fastRetransmitted) {
      this.ssthresh = Math.max(Math.floor(inflight / 2), C.THRESH_MIN);
      this.cwnd = this.ssthresh + resent;
      this.incr = this.cwnd * mss;
    }
    if (timedOut) {
      this.ssthresh = Math.max(Math.floor(this.cwnd / 2), C.THRESH_MIN);
      this.cwnd = 1;
      this.incr = mss;
    }
    if (this.cwnd < 1) {
      this.cwnd = 1;
      this.incr = mss;
    }
  }
}

/** ikcp_flush's window probing: while the peer's window is 0, ask after 7 s, then x1.5 up to 120 s. */
export class WindowProbe {
  private at = 0;
  private wait = 0;

  /** True when a WASK is due now. */
  due(remoteWindow: number, current: number): boolean {
    if (remoteWindow !== 0) {
      this.at = 0;
      this.wait = 0;
      return false;
    }
    if (this.wait === 0) {
      this.wait = C.PROBE_INIT;
      this.at = (current + this.wait) >>> 0;
      return false;
    }
    if (((current - this.at) | 0) < 0) return false;
    if (this.wait < C.PROBE_INIT) this.wait = C.PROBE_INIT;
    this.wait = Math.min(C.PROBE_LIMIT, this.wait + Math.floor(this.wait / 2));
    this.at = (current + this.wait) >>> 0;
    return true;
  }
}
