/**
 * The WebRTC matrix: real sessions for ordered pairs of presets (master at A, Chromium viewer at
 * B), a few at a time, each in its own namespaces, judged against what standard ICE can reach.
 */
import type { PresetName } from '@peerlink/testing';
import { presetPairs } from '../expectations.js';
import { runSession, type SessionOptions, type SessionResult } from './session.js';

/**
 * Pairs CI runs with the Node master: one of each way standard ICE goes (srflx both ways, prflx
 * from a symmetric master, the relay when one side maps per destination against an APDF filter,
 * host candidates behind one NAT), and one the Node master's TTL remedy makes direct where standard
 * ICE goes relay (both routers accept unsolicited UDP: the conntrack clash; relay without the
 * remedy in the lab). Five, so the suite stays inside its budget on a loaded 2-core machine (a
 * session there takes up to about 70 s); `--all` has the rest, `udp-blocked` (TURN over TCP) among
 * them.
 */
export const WEBRTC_CI_PAIRS: readonly [PresetName, PresetName][] = [
  ['port-restricted', 'cgnat'],
  ['symmetric', 'restricted'],
  ['port-restricted', 'symmetric'],
  ['same-nat', 'same-nat'],
  ['port-restricted-open', 'port-restricted-open'],
];

export interface WebrtcMatrixOptions extends SessionOptions {
  readonly pairs?: readonly [PresetName, PresetName][];
  /** Sessions at once (each starts one or two Chromiums: 2 suits a 2-core machine). */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
  /** Each result as it comes (the run's order is the pairs' only once all are done). */
  readonly onResult?: (r: SessionResult) => void;
}

export async function runWebrtcMatrix(opts: WebrtcMatrixOptions = {}): Promise<SessionResult[]> {
  const pairs = opts.pairs ?? presetPairs();
  const results: SessionResult[] = new Array(pairs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const i = next++;
      const [a, b] = pairs[i]!;
      const r = await runSession(a, b, opts);
      results[i] = r;
      opts.onResult?.(r);
      opts.log?.(
        `${a} -> ${b}: ${r.status} ${r.pairType ?? '-'} ${r.firstFrameMs ?? '-'} ms` +
          `${r.stability ? ` stayed direct ${r.stability.stayedDirect}` : ''}${r.note ? ` (${r.note})` : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  return results;
}
