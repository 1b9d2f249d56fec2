// The WebRTC matrix's CI pairs on real kernel NATs: the Node master (`peerlink kvs-master` playing
// VP8) at site A and a Chromium viewer at site B, KVS signaling and STUN/TURN through the lab's
// peerlink. Every pair connects and decodes video; every pair standard ICE can make direct goes
// direct (its selected pair has no relay end) and stays direct, frames decoded, for the 10 s after
// its first frame; the relay pairs go through TURN. Each pair is judged by the Node master's table
// (standard ICE's plus its TTL remedy): port-restricted-open with itself is relay for standard ICE
// and direct with the remedy, whose openers and held checks keep both accepting routers' mappings.
// Beyond standard
// ICE: a master behind a symmetric router that grants port mappings (the lab's fake gateway)
// advertises its mapped port with `--port-mapping`, and a symmetric viewer reaches it directly.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { cleanStale, teardownAll } from '../src/index.js';
import { iceExpect } from '../src/webrtc/ice-expectations.js';
import { runWebrtcMatrix, WEBRTC_CI_PAIRS } from '../src/webrtc/matrix.js';
import { runSession } from '../src/webrtc/session.js';
import { summariseWebrtc } from '../src/webrtc/report.js';
import { movedToDirectAt } from '../src/webrtc/stability.js';

after(() => teardownAll());

describe('the WebRTC matrix, CI pairs', () => {
  it('covers srflx, prflx, the relay and host candidates, and a pair only the TTL remedy makes direct', () => {
    const methods = new Set(WEBRTC_CI_PAIRS.map(([a, b]) => iceExpect(a, b, { ipv6: false }).method));
    assert.deepEqual([...methods].sort(), ['host', 'prflx', 'relay', 'srflx']);
    const remedyOnly = WEBRTC_CI_PAIRS.filter(
      ([a, b]) =>
        iceExpect(a, b, { ipv6: false }).outcome === 'relay' &&
        iceExpect(a, b, { ipv6: false, ttlRemedy: true }).outcome === 'direct',
    );
    assert.deepEqual(remedyOnly, [['port-restricted-open', 'port-restricted-open']]);
  });

  it(
    'connects every pair, direct wherever the Node master can (standard ICE, TTL remedy); a port-mapped candidate beyond it',
    { timeout: 220_000 },
    async () => {
      await cleanStale();
      const lines: string[] = [];
      // Every session at once, beside the port-mapped one: one round.
      const [results, mapped] = await Promise.all([
        runWebrtcMatrix({
          master: 'node',
          pairs: WEBRTC_CI_PAIRS,
          concurrency: WEBRTC_CI_PAIRS.length,
          log: (l) => (lines.push(l), process.stderr.write(`${l}\n`)),
        }),
        runSession('symmetric-upnp', 'symmetric', { master: 'node', portMapping: true }),
      ]);
      const why = lines.join('\n');
      assert.equal(results.length, WEBRTC_CI_PAIRS.length);
      for (const r of results) {
        assert.equal(r.connected, true, `${r.master} -> ${r.viewer} did not connect: ${r.note}\n${why}`);
        assert.match(r.pairType ?? '', /^(host|srflx|prflx|relay)\/(host|srflx|prflx|relay)$/);
        assert.ok((r.firstFrameMs ?? 0) > 0, `${r.master} -> ${r.viewer}: no first frame`);
        // Watched for 10 s after the first frame: frames kept coming, and a direct pair stayed direct.
        const st = r.stability;
        assert.ok(st, `${r.master} -> ${r.viewer}: not watched`);
        assert.equal(
          st.framesFlowing,
          true,
          `${r.master} -> ${r.viewer}: frames stalled ${st.longestStallMs} ms`,
        );
        if (r.expected.outcome === 'direct') {
          assert.equal(
            r.direct,
            true,
            `${r.master} -> ${r.viewer} went ${r.pairType}, ICE can go direct\n${why}`,
          );
          assert.equal(
            st.stayedDirect,
            true,
            `${r.master} -> ${r.viewer} did not stay direct: ${JSON.stringify(st.pairs)}\n${why}`,
          );
        } else
          assert.equal(r.direct, false, `${r.master} -> ${r.viewer}: ${r.pairType} where only TURN works`);
      }
      const s = summariseWebrtc(results);
      assert.equal(s.failed + s.missed, 0);
      assert.equal(s.weightedDirectPct, s.iceMaxPct);
      assert.equal(s.stayedDirect, results.filter((r) => r.expected.outcome === 'direct').length);

      // Beyond standard ICE: relay without the mapping, direct with it.
      assert.equal(iceExpect('symmetric-upnp', 'symmetric', { ipv6: false }).outcome, 'relay');
      assert.equal(mapped.expected.method, 'port-mapped');
      assert.equal(mapped.connected, true, mapped.note ?? '');
      // The viewer's remote end is the mapped address, a server-reflexive candidate.
      const seen = `${mapped.pairType ?? mapped.note}: ${JSON.stringify(mapped.stability?.pairs)}`;
      assert.match(mapped.pairType ?? '', /^(srflx|prflx)\/srflx$/, seen);
      // The mapped candidate trickles once the gateway has answered, so ICE may nominate the relay
      // for the first frame and move to the mapping after (seen in CI at 2,954 ms): either way the
      // session must be on the mapped pair and keep it to the end of the watch.
      const st = mapped.stability;
      assert.ok(st, seen);
      assert.ok(st.stayedDirect || movedToDirectAt(st) !== null, seen);
      assert.equal(mapped.status, 'ok');
    },
  );
});
