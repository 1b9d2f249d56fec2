/**
 * Whether a WebRTC session stayed direct (issue #17: "whether it stayed direct for 10 s"): the
 * viewer's getStats polled for a window after its first decoded frame, each poll giving the selected
 * candidate pair (getStats id, local/remote candidate types) and frames decoded. The session stayed
 * direct when every poll names a pair with no relay end and frames kept being decoded; a session that
 * starts direct and moves to the relay, or whose frames stop, did not.
 */
import type { StatsSample } from './chromium.js';

/** How long the session is watched after its first decoded frame. */
export const STAY_WINDOW_MS = 10_000;

/**
 * Longest time between polls that see new decoded frames that still counts as flowing: the page
 * polls every 500 ms and the fixture plays 15 frames a second, so more than 2 s without one is
 * frames stopped, not a late poll on a loaded machine.
 */
export const MAX_STALL_MS = 2_000;

/** True when neither end of the selected pair is a TURN relay. */
export const isDirectPair = (pair: string): boolean => !pair.split('/').includes('relay');

/** A selected pair as first seen: ms after the window's first poll, getStats id, `local/remote` types. */
export interface PairSeen {
  readonly atMs: number;
  readonly id: string | null;
  readonly type: string | null;
}

export interface Stability {
  /** Every poll's pair was direct and frames kept flowing for the whole window. */
  readonly stayedDirect: boolean;
  /** Frames decoded grew over the whole window, never MAX_STALL_MS between polls that saw new ones. */
  readonly framesFlowing: boolean;
  /** The selected pair at the first poll, then at each change (one entry: it never changed). */
  readonly pairs: readonly PairSeen[];
  readonly longestStallMs: number;
  /** Page time from the first poll to the last, and the polls in it. */
  readonly windowMs: number;
  readonly polls: number;
}

export function judgeStability(samples: readonly StatsSample[], windowMs = STAY_WINDOW_MS): Stability {
  const first = samples[0];
  const last = samples.at(-1);
  if (first === undefined || last === undefined)
    return { stayedDirect: false, framesFlowing: false, pairs: [], longestStallMs: 0, windowMs: 0, polls: 0 };
  const pairs: PairSeen[] = [];
  let grewAt = first.atMs;
  let frames = first.framesDecoded;
  let longestStallMs = 0;
  for (const s of samples) {
    const prev = pairs.at(-1);
    if (prev === undefined || prev.id !== s.pairId || prev.type !== s.pairType)
      pairs.push({ atMs: Math.round(s.atMs - first.atMs), id: s.pairId, type: s.pairType });
    // Time since the last poll that saw a new frame (the poll interval while frames flow).
    longestStallMs = Math.max(longestStallMs, s.atMs - grewAt);
    if (s.framesDecoded > frames) grewAt = s.atMs;
    frames = Math.max(frames, s.framesDecoded);
  }
  const spanMs = last.atMs - first.atMs;
  const framesFlowing =
    spanMs >= windowMs && last.framesDecoded > first.framesDecoded && longestStallMs <= MAX_STALL_MS;
  const allDirect = pairs.every((p) => p.type !== null && isDirectPair(p.type));
  return {
    stayedDirect: framesFlowing && allDirect,
    framesFlowing,
    pairs,
    longestStallMs: Math.round(longestStallMs),
    windowMs: Math.round(spanMs),
    polls: samples.length,
  };
}

/** The pair changes as one short line: `srflx/srflx, relay/srflx at 4200 ms`. */
export function pairChangesText(st: Stability): string {
  return st.pairs.map((p, i) => `${p.type ?? 'none'}${i === 0 ? '' : ` at ${p.atMs} ms`}`).join(', ');
}
