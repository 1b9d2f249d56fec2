import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iceExpect } from '../src/webrtc/ice-expectations.js';
import { median, summariseWebrtc, webrtcGridMarkdown, webrtcMarkdown } from '../src/webrtc/report.js';
import { isDirectPair, judge, rejudge, type SessionResult } from '../src/webrtc/session.js';
import type { Stability } from '../src/webrtc/stability.js';
import type { PresetName } from '@peerlink/testing';

function result(
  master: PresetName,
  viewer: PresetName,
  pairType: string | null,
  ms: number | null,
  stability: Stability | null = null,
): SessionResult {
  const expected = iceExpect(master, viewer, { ipv6: false });
  const connected = pairType !== null;
  return {
    master,
    viewer,
    masterKind: 'node',
    ipv6: false,
    mdns: false,
    portMapping: false,
    expected,
    status: judge(expected, connected, pairType),
    connected,
    pairType,
    direct: pairType === null ? null : isDirectPair(pairType),
    firstFrameMs: ms,
    stability,
    note: null,
  };
}

describe('the WebRTC matrix report', () => {
  it('judges a pair: no pair is failed, relay where ICE can go direct is missed', () => {
    const direct = iceExpect('port-restricted', 'cgnat', { ipv6: false });
    const relay = iceExpect('port-restricted', 'symmetric', { ipv6: false });
    assert.equal(judge(direct, true, 'srflx/srflx'), 'ok');
    assert.equal(judge(direct, true, 'relay/srflx'), 'missed');
    assert.equal(judge(direct, false, null), 'failed');
    assert.equal(judge(relay, true, 'relay/srflx'), 'ok');
    assert.equal(judge(relay, true, 'prflx/srflx'), 'ok');
    assert.equal(isDirectPair('host/prflx'), true);
    assert.equal(isDirectPair('srflx/relay'), false);
  });

  it('weighs direct pairs against the most ICE reaches over the same pairs; median first frame', () => {
    const rs = [
      result('port-restricted', 'cgnat', 'srflx/srflx', 1000), // weight 750, direct
      result('port-restricted', 'symmetric', 'relay/srflx', 3000), // 400, relay expected
      result('symmetric', 'restricted', 'relay/prflx', 2000), // 80, missed
      result('full-cone', 'public', null, null), // 25, failed
    ];
    const s = summariseWebrtc(rs);
    assert.deepEqual(
      { pairs: s.pairs, connected: s.connected, direct: s.direct, missed: s.missed, failed: s.failed },
      { pairs: 4, connected: 3, direct: 1, missed: 1, failed: 1 },
    );
    assert.equal(s.weightedDirectPct, Math.round((100_00 * 750) / 1255) / 100);
    assert.equal(s.iceMaxPct, Math.round((100_00 * 855) / 1255) / 100);
    assert.equal(s.medianFirstFrameMs, 2000);
    assert.match(
      webrtcMarkdown(rs),
      /\| symmetric \| restricted \| direct \(prflx\) \| missed \| true \| relay\/prflx \| 2000 \|/,
    );
    const grid = webrtcGridMarkdown(rs).split('\n');
    assert.equal(
      grid[0],
      '| master \\ viewer | public | full-cone | restricted | port-restricted | symmetric | cgnat |',
    );
    assert.equal(grid[2], '| public |  |  |  |  |  |  |');
    assert.equal(grid[3], '| full-cone | **failed** |  |  |  |  |  |');
    assert.equal(grid[6], '| symmetric |  |  | relay/prflx 2000 **missed** |  |  |  |');
    assert.equal(median([]), null);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('counts sessions that stayed direct for 10 s, and marks those that left a direct pair', () => {
    const watched = (pairs: [number, string][], stayedDirect: boolean): Stability => ({
      stayedDirect,
      framesFlowing: true,
      pairs: pairs.map(([atMs, type], i) => ({ atMs, id: `CP${i}`, type })),
      longestStallMs: 500,
      windowMs: 10_000,
      polls: 21,
    });
    const rs = [
      result('port-restricted', 'cgnat', 'srflx/srflx', 1000, watched([[0, 'srflx/srflx']], true)),
      result(
        'port-restricted',
        'restricted',
        'relay/srflx',
        1000,
        watched(
          [
            [0, 'srflx/srflx'],
            [4000, 'relay/srflx'],
          ],
          false,
        ),
      ),
      result('port-restricted', 'symmetric', 'relay/srflx', 3000, watched([[0, 'relay/srflx']], false)),
      result(
        'cgnat-symmetric',
        'restricted',
        'srflx/prflx',
        2000,
        watched(
          [
            [0, 'relay/prflx'],
            [495, 'srflx/prflx'],
          ],
          false,
        ),
      ),
    ];
    const s = summariseWebrtc(rs);
    assert.deepEqual(
      [s.watched, s.wentDirect, s.stayedDirect, s.leftDirect, s.movedToDirect],
      [4, 3, 1, 2, 1],
    );
    const table = webrtcMarkdown(rs);
    assert.match(table, /\| port-restricted \| cgnat \| .* \| 1000 \| yes \|/);
    assert.match(table, /\| 1000 \| no \(srflx\/srflx, relay\/srflx at 4000 ms\) \|/);
    assert.match(table, /\| 2000 \| moved to direct \(relay\/prflx, srflx\/prflx at 495 ms\) \|/);
    assert.match(
      table,
      /stayed direct for 10 s 1 of the 3 that went direct \(2 did not: 1 of them started on the relay and moved to a direct pair for good, the others left a direct pair or stalled; 4 watched\)/,
    );
    assert.match(table, /\| 3000 \| relay \|/);
    assert.match(webrtcGridMarkdown(rs), /relay\/srflx 1000 \*\*missed\*\* \*\*left direct\*\*/);
  });

  it('weighs the -open presets only in the figure with accepting routers', () => {
    const rs = [
      result('port-restricted', 'cgnat', 'srflx/srflx', 1000), // 750; with accepting 0.8·0.8·750
      result('port-restricted-open', 'cgnat', 'srflx/srflx', 1000), // 0; 0.2·0.8·750, relay expected
    ];
    const s = summariseWebrtc(rs);
    assert.equal(s.weightedDirectPct, 100);
    assert.equal(s.iceMaxPct, 100);
    assert.equal(s.weightedDirectAcceptingPct, 100);
    assert.equal(s.iceMaxAcceptingPct, Math.round((100_00 * 0.64) / 0.8) / 100);
  });

  it('judges a saved result again against the expectations as they are now', () => {
    const saved = {
      ...result('port-restricted', 'port-restricted-open', 'relay/srflx', 900),
      status: 'missed' as const,
    };
    const again = rejudge(saved);
    assert.equal(again.expected.outcome, 'relay');
    assert.equal(again.status, 'ok');
  });

  it('judges a Node master with its TTL remedy by its own table, and says which table', () => {
    const before = result('port-restricted', 'port-restricted-open', 'relay/srflx', 900);
    assert.match(webrtcMarkdown([before]), /judged by standard ICE's table/);
    const withRemedy = rejudge({ ...before, ttlOpeners: true });
    assert.equal(withRemedy.expected.table, 'ttl-remedy');
    assert.equal(withRemedy.expected.outcome, 'direct');
    assert.equal(withRemedy.status, 'missed');
    assert.match(webrtcMarkdown([withRemedy]), /judged by the Node master's table/);
    // a Chromium master has no remedy, whatever the result says
    const chromium = rejudge({ ...before, masterKind: 'chromium', ttlOpeners: true });
    assert.equal(chromium.expected.table, 'standard');
  });
});
