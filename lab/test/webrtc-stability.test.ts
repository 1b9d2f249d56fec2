import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatsSample } from '../src/webrtc/chromium.js';
import {
  judgeStability,
  movedToDirectAt,
  pairChangesText,
  rejudgeStability,
} from '../src/webrtc/stability.js';

/**
 * Polls every 500 ms for 10 s: the pair each poll names, frames growing 7 a poll except while
 * `frozen(ms)` says they do not.
 */
function polls(
  pairAt: (ms: number) => [string, string] | null,
  frozen = (_ms: number) => false,
): StatsSample[] {
  const out: StatsSample[] = [];
  let frames = 20;
  for (let ms = 0; ms <= 10_000; ms += 500) {
    const pair = pairAt(ms);
    if (ms > 0 && !frozen(ms)) frames += 7;
    out.push({
      atMs: 1_000 + ms,
      pairId: pair?.[0] ?? null,
      pairType: pair?.[1] ?? null,
      framesDecoded: frames,
    });
  }
  return out;
}

describe('whether a WebRTC session stayed direct for 10 s', () => {
  it('one direct pair all along, frames growing: stayed direct', () => {
    const st = judgeStability(polls(() => ['CP1', 'srflx/srflx']));
    assert.equal(st.stayedDirect, true);
    assert.equal(st.framesFlowing, true);
    assert.deepEqual(st.pairs, [{ atMs: 0, id: 'CP1', type: 'srflx/srflx' }]);
    assert.equal(st.windowMs, 10_000);
    assert.equal(st.polls, 21);
    assert.equal(st.longestStallMs, 500);
  });

  it('direct first, the relay later: not stayed direct, the change recorded', () => {
    const st = judgeStability(polls((ms) => (ms < 4_000 ? ['CP1', 'srflx/srflx'] : ['CP7', 'relay/srflx'])));
    assert.equal(st.stayedDirect, false);
    assert.equal(st.framesFlowing, true);
    assert.deepEqual(
      st.pairs.map((p) => [p.atMs, p.id, p.type]),
      [
        [0, 'CP1', 'srflx/srflx'],
        [4_000, 'CP7', 'relay/srflx'],
      ],
    );
    assert.equal(pairChangesText(st), 'srflx/srflx, relay/srflx at 4000 ms');
  });

  it('the relay at the first frame, then a direct pair for good: not stayed direct, moved to direct', () => {
    const st = judgeStability(polls((ms) => (ms < 500 ? ['CP1', 'relay/prflx'] : ['CP2', 'srflx/prflx'])));
    assert.equal(st.stayedDirect, false);
    assert.equal(movedToDirectAt(st), 500);
    const back = judgeStability(
      polls((ms) =>
        ms < 500 ? ['CP1', 'relay/prflx'] : ms < 4_000 ? ['CP2', 'srflx/prflx'] : ['CP1', 'relay/prflx'],
      ),
    );
    assert.equal(movedToDirectAt(back), null, 'back on the relay later');
    const direct = judgeStability(polls(() => ['CP1', 'srflx/srflx']));
    assert.equal(movedToDirectAt(direct), null, 'direct from the start');
  });

  it('a direct pair whose frames stop: not stayed direct', () => {
    const st = judgeStability(
      polls(
        () => ['CP1', 'host/host'],
        (ms) => ms > 3_000,
      ),
    );
    assert.equal(st.stayedDirect, false);
    assert.equal(st.framesFlowing, false);
    assert.equal(st.longestStallMs, 7_000);
  });

  it('a freeze of 3 s that recovers (a lost key frame on a loaded machine) still flows', () => {
    const st = judgeStability(
      polls(
        () => ['CP1', 'srflx/srflx'],
        (ms) => ms > 3_000 && ms <= 6_000,
      ),
    );
    assert.equal(st.longestStallMs, 3_500);
    assert.equal(st.framesFlowing, true);
    assert.equal(st.stayedDirect, true);
  });

  it('judges a saved watch again by its span and longest stall', () => {
    const saved = { ...judgeStability(polls(() => ['CP1', 'srflx/srflx'])), longestStallMs: 3_001 };
    const strict = { ...saved, framesFlowing: false, stayedDirect: false };
    assert.equal(rejudgeStability(strict).stayedDirect, true);
    assert.equal(rejudgeStability({ ...strict, longestStallMs: 6_000 }).framesFlowing, false);
    const relay = { ...saved, pairs: [{ atMs: 0, id: 'CP3', type: 'relay/srflx' }] };
    assert.equal(rejudgeStability(relay).stayedDirect, false);
  });

  it('another direct pair later stays direct, with the change; a poll without a pair does not', () => {
    const moved = judgeStability(
      polls((ms) => (ms < 2_000 ? ['CP1', 'srflx/srflx'] : ['CP2', 'prflx/srflx'])),
    );
    assert.equal(moved.stayedDirect, true);
    assert.equal(moved.pairs.length, 2);
    const gap = judgeStability(polls((ms) => (ms === 5_000 ? null : ['CP1', 'srflx/srflx'])));
    assert.equal(gap.stayedDirect, false);
    assert.equal(gap.pairs.length, 3);
  });

  it('the relay all along, or a window cut short, is not stayed direct', () => {
    const relay = judgeStability(polls(() => ['CP3', 'relay/prflx']));
    assert.equal(relay.stayedDirect, false);
    assert.equal(relay.framesFlowing, true);
    const short = judgeStability(polls(() => ['CP1', 'srflx/srflx']).slice(0, 10));
    assert.equal(short.windowMs, 4_500);
    assert.equal(short.stayedDirect, false);
    assert.equal(judgeStability([]).stayedDirect, false);
  });
});
