// The KVS frames a client reads and writes: what peerlink's server sends decodes, anything else is
// refused with the field named, and random text never throws.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeKvsEvent, encodeKvsAction } from '../src/index.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');

describe('KVS events', () => {
  it('decodes offers with their sender, answers without, status responses and GO_AWAY', () => {
    const offer = { type: 'offer', sdp: 'v=0' };
    const r = decodeKvsEvent(
      JSON.stringify({ senderClientId: 'phone-1', messageType: 'SDP_OFFER', messagePayload: b64(offer) }),
    );
    assert.deepEqual(r, {
      ok: true,
      value: { messageType: 'SDP_OFFER', payload: offer, senderClientId: 'phone-1' },
    });
    const a = decodeKvsEvent(
      JSON.stringify({ messageType: 'SDP_ANSWER', messagePayload: b64({ type: 'answer' }) }),
    );
    assert.equal(a.ok && a.value.messageType === 'SDP_ANSWER' && a.value.senderClientId, undefined);
    const s = decodeKvsEvent(
      JSON.stringify({
        messageType: 'STATUS_RESPONSE',
        statusResponse: {
          correlationId: 'c1',
          errorType: 'InvalidArgumentException',
          statusCode: '400',
          description: 'x',
        },
      }),
    );
    assert.equal(s.ok && s.value.messageType === 'STATUS_RESPONSE' && s.value.statusCode, '400');
    assert.deepEqual(decodeKvsEvent('{"messageType":"GO_AWAY"}'), {
      ok: true,
      value: { messageType: 'GO_AWAY' },
    });
  });

  const bad: [string, string][] = [
    ['not json', 'frame'],
    ['[1]', 'frame'],
    ['{"messageType":"HELLO"}', 'messageType'],
    ['{"messageType":"SDP_OFFER","messagePayload":"***"}', 'messagePayload'],
    [
      `{"messageType":"SDP_OFFER","messagePayload":"${Buffer.from('{nope').toString('base64')}"}`,
      'messagePayload',
    ],
    [`{"messageType":"SDP_OFFER","senderClientId":"a b","messagePayload":"${b64({})}"}`, 'senderClientId'],
    ['{"messageType":"STATUS_RESPONSE"}', 'statusResponse'],
  ];
  for (const [text, field] of bad)
    it(`refuses ${text.slice(0, 50)}, naming ${field}`, () => {
      const r = decodeKvsEvent(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.field, field);
    });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => void decodeKvsEvent(s)));
    fc.assert(fc.property(fc.json(), (s) => void decodeKvsEvent(s)));
    fc.assert(fc.property(fc.anything(), (v) => void decodeKvsEvent(v)));
  });

  it('encodes actions as the JS SDK does', () => {
    const f = JSON.parse(encodeKvsAction('SDP_ANSWER', { type: 'answer', sdp: 'v=0' }, 'phone-1')) as Record<
      string,
      string
    >;
    assert.equal(f['action'], 'SDP_ANSWER');
    assert.equal(f['recipientClientId'], 'phone-1');
    assert.deepEqual(JSON.parse(Buffer.from(f['messagePayload']!, 'base64').toString()), {
      type: 'answer',
      sdp: 'v=0',
    });
    assert.equal('recipientClientId' in JSON.parse(encodeKvsAction('SDP_OFFER', {})), false);
  });
});
