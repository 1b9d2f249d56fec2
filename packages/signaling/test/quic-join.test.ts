// The QUIC JOIN (docs/quic-signaling.md, "Join"): parsed without throwing, refused with a reason, and
// mapped onto the ConnMeta of the upgrade it stands for (`/kvs` by default, `/p2p` for protocol
// peer, `/im` for im), so that protocol's engine admits it as it admits a WebSocket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinMeta, parseJoin, type QuicJoin } from '../src/index.js';

const ARN = 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/porch/1700000000000';
const ok = (frame: unknown): QuicJoin => {
  const r = parseJoin(JSON.stringify(frame));
  assert.ok(r.ok, JSON.stringify(r));
  return r.join;
};
const reason = (frame: unknown): string => {
  const r = typeof frame === 'string' ? parseJoin(frame) : parseJoin(JSON.stringify(frame));
  assert.ok(!r.ok);
  assert.equal(r.refusal.statusCode, 400);
  return r.refusal.reason;
};

describe('QUIC JOIN', () => {
  it('reads a token join and maps it to a bearer token with the asked channel and role', () => {
    const j = ok({
      action: 'JOIN',
      protocol: 'kvs',
      channel_name: 'porch',
      role: 'viewer',
      client_id: 'p1',
      token: 't',
    });
    const m = joinMeta(j, '1.2.3.4:5');
    assert.ok(m.ok);
    assert.deepEqual(m.meta, {
      remote: '1.2.3.4:5',
      path: '/kvs',
      secure: true,
      carrier: 'quic',
      url: '/kvs',
      query: { 'X-Peerlink-Role': 'viewer', 'X-Amz-ChannelName': 'porch', 'X-Amz-ClientId': 'p1' },
      headers: { authorization: 'Bearer t' },
    });
  });

  it('maps a presigned URL onto the upgrade it signs, and refuses one for another role or channel', () => {
    const url = `wss://h.example:8443/kvs?X-Amz-ChannelARN=${encodeURIComponent(ARN)}&X-Amz-Signature=ab`;
    const m = joinMeta(ok({ action: 'JOIN', channel_arn: ARN, role: 'master', presigned_url: url }), 'r:1');
    assert.ok(m.ok);
    assert.equal(m.meta.url, `/kvs?X-Amz-ChannelARN=${encodeURIComponent(ARN)}&X-Amz-Signature=ab`);
    assert.deepEqual(m.meta.headers, { host: 'h.example:8443' });
    assert.equal(m.meta.query['X-Amz-ChannelARN'], ARN);
    const asViewer = joinMeta(
      ok({ action: 'JOIN', channel_arn: ARN, role: 'viewer', client_id: 'p1', presigned_url: url }),
      'r:1',
    );
    assert.deepEqual(
      !asViewer.ok && asViewer.refusal.reason,
      'presigned_url is for another role or client id',
    );
    const other = joinMeta(
      ok({ action: 'JOIN', channel_name: 'attic', role: 'master', presigned_url: url }),
      'r:1',
    );
    assert.deepEqual(!other.ok && other.refusal.reason, 'presigned_url is for another channel');
  });

  it('refuses what is not a well-formed JOIN, with a reason', () => {
    assert.equal(reason('{'), 'the first frame is not JSON');
    assert.equal(reason([]), 'the first frame is not a JSON object');
    assert.equal(reason({ action: 'SDP_OFFER' }), 'the first frame must be a JOIN');
    assert.match(
      reason({ action: 'JOIN', protocol: 'sip' }),
      /"sip" is not offered over QUIC \(kvs, peer or im\)/,
    );
    assert.match(reason({ action: 'JOIN', protocol: 7 }), /not offered over QUIC/);
    assert.match(reason({ action: 'JOIN', protocol: 'toString' }), /not offered over QUIC/);
    assert.equal(reason({ action: 'JOIN', protocol: 'im', token: 5 }), 'token must be a string');
    assert.equal(reason({ action: 'JOIN', role: 'owner' }), 'role must be master or viewer');
    assert.equal(reason({ action: 'JOIN', role: 'master', token: 't' }), 'give channel_name or channel_arn');
    assert.match(reason({ action: 'JOIN', role: 'master', channel_name: 'a b', token: 't' }), /channel_name/);
    assert.match(
      reason({ action: 'JOIN', role: 'master', channel_arn: 'arn:x', token: 't' }),
      /not a signaling/,
    );
    assert.equal(
      reason({ action: 'JOIN', role: 'viewer', channel_name: 'c', token: 't' }),
      'a viewer needs a client_id',
    );
    assert.equal(
      reason({ action: 'JOIN', role: 'master', channel_name: 'c', token: 't', presigned_url: 'u' }),
      'give token or presigned_url',
    );
  });

  it('maps a peer JOIN onto /p2p and an IM JOIN onto /im (its token as ?token=), nothing else asked', () => {
    const peer = joinMeta(ok({ action: 'JOIN', protocol: 'peer', channel_name: 'ignored' }), '10.0.0.1:7');
    assert.ok(peer.ok);
    assert.deepEqual(peer.meta, {
      remote: '10.0.0.1:7',
      path: '/p2p',
      url: '/p2p',
      query: {},
      headers: {},
      secure: true,
      carrier: 'quic',
    });
    const im = joinMeta(ok({ action: 'JOIN', protocol: 'im', token: 'jwt' }), '[::1]:9');
    assert.ok(im.ok);
    assert.equal(im.meta.path, '/im');
    assert.deepEqual(im.meta.query, { token: 'jwt' });
    const imLater = joinMeta(ok({ action: 'JOIN', protocol: 'im' }), '[::1]:9');
    assert.deepEqual(imLater.ok && imLater.meta.query, {}, 'authenticates later by an auth message');
    assert.equal(ok({ action: 'JOIN', channel_name: 'c', role: 'master', token: 't' }).protocol, 'kvs');
  });
});
