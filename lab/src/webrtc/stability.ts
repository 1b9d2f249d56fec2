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
 * Longest time without a new decoded frame that still counts as flowing. The fixture has a key
 * frame every second (every 15th frame) and the file cannot make one on request, so a lost packet
 * freezes the viewer up to a second; on a loaded 2-core machine (load 20 to 30) the page's polls
 * come a second or more apart and stalls of up to 3 s were seen in sessions that went on decoding.
 * A session whose path died does not resume at all: the watch goes on past the window until frames
 * grow again or this long has passed (`STALL_GRACE_MS`), so its stall is at least this long.
 */
export const MAX_STALL_MS = 5_000;

/** How long the watch goes on past the window while frames have not grown since the last poll. */
export const STALL_GRACE_MS = MAX_STALL_MS;

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
  /** Frames decoded grew over the whole window, never more than MAX_STALL_MS without a new one. */
  readonly framesFlowing: boolean;
  /** The selected pair at the first poll, then at each change (one entry: it never changed). */
  readonly pairs: readonly PairSeen[];
  readonly longestStallMs: number;
  /** Page time from the first poll to the last, and the polls in it. */
  readonly windowMs: number;
  readonly polls: number;
}

/** Frames flowing, from a watch's span and longest stall (also what a saved result is judged on again). */
export const flowing = (spanMs: number, longestStallMs: number, windowMs = STAY_WINDOW_MS): boolean =>
  spanMs >= windowMs && longestStallMs <= MAX_STALL_MS;

/**
 * A saved watch judged again with the thresholds as they are now (`webrtc-table --results`): a stall
 * within MAX_STALL_MS over a full window implies frames grew, so span and stall are enough.
 */
export function rejudgeStability(st: Stability): Stability {
  const framesFlowing = flowing(st.windowMs, st.longestStallMs);
  const allDirect = st.pairs.every((p) => p.type !== null && isDirectPair(p.type));
  return { ...st, framesFlowing, stayedDirect: framesFlowing && allDirect };
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
  const framesFlowing = last.framesDecoded > first.framesDecoded && flowing(spanMs, longestStallMs, windowMs);
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

/**
 * A session whose first frame came over the relay and that then moved to a direct pair and kept it
 * to the end of the watch, frames flowing: not "stayed direct" (it was not direct for the whole
 * window), and not a session that left a direct path either. Returns the ms into the window at which
 * it went direct, or null.
 */
export function movedToDirectAt(st: Stability): number | null {
  const k = st.pairs.findIndex((p) => p.type !== null && isDirectPair(p.type));
  if (k <= 0 || !st.framesFlowing) return null;
  const rest = st.pairs.slice(k);
  return rest.every((p) => p.type !== null && isDirectPair(p.type)) ? st.pairs[k]!.atMs : null;
}

/** The pair changes as one short line: `srflx/srflx, relay/srflx at 4200 ms`. */
export function pairChangesText(st: Stability): string {
  return st.pairs.map((p, i) => `${p.type ?? 'none'}${i === 0 ? '' : ` at ${p.atMs} ms`}`).join(', ');
}
