/**
 * ikcp's tuning constants and the three nodelay modes peerlink offers. Values are ikcp.c's
 * (skywind3000/kcp, `IKCP_*`), so our control block behaves like ikcp and kcp-go given the same
 * settings.
 */

/** Minimum RTO when nodelay is on (ikcp `IKCP_RTO_NDL`), in ms. */
export const RTO_NODELAY_MIN = 30;
/** Minimum RTO in normal mode (ikcp `IKCP_RTO_MIN`). */
export const RTO_MIN = 100;
/** Initial RTO (ikcp `IKCP_RTO_DEF`). */
export const RTO_DEFAULT = 200;
/** Maximum RTO (ikcp `IKCP_RTO_MAX`). */
export const RTO_MAX = 60000;
/** Flag for the next flush: send a window probe (WASK). */
export const ASK_SEND = 1;
/** Flag for the next flush: tell our window (WINS). */
export const ASK_TELL = 2;
export const DEFAULT_SEND_WINDOW = 32;
export const DEFAULT_RECEIVE_WINDOW = 128;
/** ikcp's hard cap on fragments per message: a message needs fewer than this many (`IKCP_WND_RCV`). */
export const MAX_FRAGMENTS = 128;
export const DEFAULT_MTU = 1400;
export const DEFAULT_INTERVAL = 100;
/** Retransmissions of one segment after which the link is declared dead (`IKCP_DEADLINK`). */
export const DEAD_LINK = 20;
export const THRESH_INIT = 2;
export const THRESH_MIN = 2;
/** First and largest window-probe wait (`IKCP_PROBE_INIT`, `IKCP_PROBE_LIMIT`). */
export const PROBE_INIT = 7000;
export const PROBE_LIMIT = 120000;
/** Fast retransmissions allowed per segment (`IKCP_FASTACK_LIMIT`). */
export const FAST_ACK_LIMIT = 5;

/** ikcp `ikcp_nodelay(nodelay, interval, resend, nc)`. */
export interface KcpNoDelay {
  /** 0 off; 1 on (min RTO 30 ms, gentler backoff); 2 on with backoff from the current RTO. */
  nodelay: number;
  /** Flush interval in ms (10..5000). */
  interval: number;
  /** Fast retransmit after this many later acks; 0 off. */
  resend: number;
  /** 1 turns the congestion window off (send window and peer window still apply). */
  noCongestionWindow: number;
}

/** The modes of the requirement: Normal (0,40,0,0), Fast (0,20,2,1), Turbo (1,10,2,1). */
export const KcpMode = {
  normal: { nodelay: 0, interval: 40, resend: 0, noCongestionWindow: 0 },
  fast: { nodelay: 0, interval: 20, resend: 2, noCongestionWindow: 1 },
  turbo: { nodelay: 1, interval: 10, resend: 2, noCongestionWindow: 1 },
} as const satisfies Record<string, KcpNoDelay>;
export type KcpModeName = keyof typeof KcpMode;

/** Signed difference of two u32 clock or sequence values (ikcp `_itimediff`). */
export function diff32(later: number, earlier: number): number {
  return (later - earlier) | 0;
}
