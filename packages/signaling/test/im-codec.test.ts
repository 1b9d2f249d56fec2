// The IM call protocol's codec (seed 003): the seed's examples parse as written, constraints in both of
// its shapes, the SDP rules, the field named in every refusal, and hostile input never throws. Then
// the same refusals through the /im protocol: call.error, the socket open, strikes, bad tokens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkSdp, ImConstraints, parseImMessage } from '@peerlink/wire';
import { seed003 } from '@peerlink/testing';
import { memoryBackend } from './helpers.js';
import { ImCluster } from './helpers/im-harness.js';
import { offer } from './helpers/im-call-suite.js';

const SEED_MESSAGES = Object.entries(seed003).filter(([k]) => !k.endsWith('_CONSTRAINTS'));
const offerSdp = (JSON.parse(seed003.SEED_003_OFFER) as { payload: { sdp: { sdp: string } } }).payload.sdp
  .sdp;

const refusal = (text: string): string => {
  const r = parseImMessage(text);
  assert.ok(!r.ok, `refused: ${text.slice(0, 80)}`);
  return r.message;
};

describe('IM codec', () => {
  it('parses every example message of the seed as written, and keeps every field', () => {
    for (const [name, text] of SEED_MESSAGES) {
      const r = parseImMessage(text);
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.message}`);
      assert.deepEqual(r.message, JSON.parse(text), name);
    }
  });

  it("accepts the seed's constraints in both shapes, and mixed", () => {
    const nested = Object.assign(
      {},
      ...['AUDIO', 'VIDEO', 'NETWORK'].map((k) =>
        JSON.parse(seed003[`SEED_003_${k}_CONSTRAINTS` as 'SEED_003_AUDIO_CONSTRAINTS']),
      ),
    );
    const flat = (JSON.parse(seed003.SEED_003_OFFER) as { payload: { constraints: unknown } }).payload
      .constraints;
    for (const c of [nested, flat, { ...nested, audio_codecs: ['opus'], max_bandwidth: 1_000_000 }])
      assert.ok(ImConstraints.safeParse(c).success, JSON.stringify(c));
  });

  it('refuses bad constraints, naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ audio_codecs: ['mp3'] }, /constraints\.audio_codecs\.0/],
      [{ audio: { sample_rate: 12345 } }, /constraints\.audio\.sample_rate/],
      [{ video: { resolution: { width: 1280, height: 0 } } }, /constraints\.video\.resolution\.height/],
      [{ video: { codecs: ['VP8'], frame_rate: 500 } }, /constraints\.video\.frame_rate/],
      [
        { network: { max_bandwidth: 64_000, min_bandwidth: 2_000_000 } },
        /constraints\.network\.min_bandwidth/,
      ],
      [{ max_bandwidth: -1 }, /constraints\.max_bandwidth/],
      [{ audio: 'yes' }, /constraints\.audio/],
      [{ vidoe: true }, /constraints/],
    ];
    for (const [constraints, field] of cases)
      assert.match(refusal(JSON.stringify(offer('c1', 1, 2, { constraints }))), field);
  });

  it('checks SDP: v=0 first, o= s= t=, an m= section, ICE credentials and a fingerprint for each', () => {
    assert.deepEqual(checkSdp(offerSdp), { ok: true, mediaSections: 2 });
    const drop = (re: RegExp): string =>
      offerSdp
        .split('\r\n')
        .filter((l) => !re.test(l))
        .join('\r\n');
    const cases: [string, string][] = [
      ['', 'v'],
      [offerSdp.replace('v=0', 'v=1'), 'v'],
      [drop(/^s=/), 's'],
      [drop(/^t=/), 't'],
      [drop(/^m=|^a=/), 'm'],
      [drop(/^a=ice-pwd/), 'a=ice-pwd'],
      [drop(/^a=fingerprint/), 'a=fingerprint'],
      [
        offerSdp.replace('a=fingerprint:sha-256 12:34', 'a=fingerprint:sha-256 zz:34'),
        'a=fingerprint (line 13)',
      ],
      ['v=0\r\nnot sdp', 'line 2'],
    ];
    for (const [sdp, field] of cases) {
      const r = checkSdp(sdp);
      assert.equal(r.ok ? 'ok' : r.field, field);
    }
    const m = JSON.parse(seed003.SEED_003_OFFER) as { payload: { sdp: { sdp: string } } };
    m.payload.sdp.sdp = drop(/^a=ice-ufrag/);
    assert.match(refusal(JSON.stringify(m)), /^payload\.sdp\.sdp: SDP a=ice-ufrag/);
  });

  it('names the field of every other refusal', () => {
    const bad = (patch: Record<string, unknown>): string => JSON.stringify(offer('c1', 1, 2, patch));
    assert.equal(parseImMessage('{').ok, false);
    assert.match(refusal('{"type":"call.dial","payload":{}}'), /unknown type/);
    assert.match(refusal(bad({ call_id: 'no spaces allowed' })), /^payload\.call_id/);
    assert.match(refusal(bad({ call_type: 'hologram' })), /^payload\.call_type/);
    assert.match(refusal(bad({ from_user: -1 })), /^payload\.from_user/);
    assert.match(refusal(bad({ created_at: 'yesterday' })), /^payload\.created_at/);
    assert.match(
      refusal(bad({ ice_candidates: [{ candidate: 'hello' }] })),
      /^payload\.ice_candidates\.0\.candidate/,
    );
    assert.match(refusal(seed003.SEED_003_STATUS.replace('"connected"', '"dancing"')), /^payload\.status/);
    assert.match(
      refusal(seed003.SEED_003_STATUS.replace('0.01', '7')),
      /^payload\.network_stats\.packet_loss/,
    );
    assert.match(refusal(seed003.SEED_003_END.replace('user_hangup', 'bored')), /^payload\.reason/);
    const r = parseImMessage(bad({ call_type: 'hologram' }));
    assert.equal(r.ok ? '' : r.callId, 'c1', 'the call_id travels with the refusal');
  });

  it('never throws on hostile input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json(), fc.constantFrom(...SEED_MESSAGES.map(([, t]) => t))),
        (s) => {
          const cut = s.slice(0, Math.floor(s.length / 2));
          for (const t of [s, cut]) parseImMessage(t);
          checkSdp(s);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('IM protocol: refusals and authentication', () => {
  const one = () => ImCluster.create(async (now) => [memoryBackend('node-1', undefined, now)]);

  it('a malformed message is a SIGNALING_ERROR naming the field; the socket stays open until the strikes run out', async () => {
    const cluster = await one();
    const n = cluster.nodes[0]!;
    const a = await n.connect(1);
    await n.send(a, 'not json');
    assert.equal(n.last(a, 'call.error').payload.error_code, 'SIGNALING_ERROR');
    const m = JSON.parse(seed003.SEED_003_OFFER) as { payload: { sdp: { sdp: string } } };
    m.payload.sdp.sdp = m.payload.sdp.sdp.replace(/a=ice-pwd:[^\r]*\r\n/g, '');
    await n.send(a, m);
    const e = n.last(a, 'call.error').payload;
    assert.equal(e.call_id, 'call_123456789');
    assert.match(String(e.details?.reason), /^payload\.sdp\.sdp: SDP a=ice-pwd/);
    assert.equal(n.closed.get(a), undefined);
    for (let i = 0; i < 8; i++) await n.send(a, '{}');
    assert.equal(n.closed.get(a)?.code, 1008, 'closed after 10 strikes');
  });

  it('a bad token is UNAUTHORIZED and a close (4003), on the URL or in the first message', async () => {
    const cluster = await one();
    const n = cluster.nodes[0]!;
    for (const how of ['query', 'message'] as const) {
      const a = await n.connect(1, how, 'forged');
      assert.equal(n.last(a, 'call.error').payload.error_code, 'UNAUTHORIZED');
      assert.equal(n.closed.get(a)?.code, 4003);
    }
  });

  it('a first message that is not auth closes the connection; auth by message works', async () => {
    const cluster = await one();
    const n = cluster.nodes[0]!;
    const a = await n.connect(1, 'message');
    assert.deepEqual(n.last(a).type, 'auth.ok');
    const id = n.core.open(
      { remote: '198.51.100.9:1', path: '/im', query: {}, headers: {}, secure: true },
      cluster.now,
    );
    n.sent.set(id!, []);
    await n.send(id!, seed003.SEED_003_OFFER);
    assert.equal(n.last(id!, 'call.error').payload.error_code, 'UNAUTHORIZED');
    assert.equal(n.closed.get(id!)?.code, 4003);
  });
});
