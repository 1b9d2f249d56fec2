// Hostile input on the KVS WebSocket of a running server, while a master and a well-behaved viewer
// keep talking in the same channel: bad base64, non-JSON, oversized frames (over the payload limit,
// over the core's frame limit, over the WebSocket's), unknown actions, wrong field types, a viewer
// naming a recipient, binary frames, and 100 random frames from fast-check. Each is forwarded (when
// it happens to be valid), answered with a STATUS_RESPONSE (when it carried a readable CorrelationId)
// or counted in the server's metrics; the socket stays open under the strike limit, and a client that
// keeps misbehaving is closed with a reason. Frames from one socket are handled in order, so a final
// frame that earns a STATUS_RESPONSE marks when the server has handled everything before it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { cSdkFrame, cSdkReadProblems } from '@peerlink/testing';
import { kvsCFixture, type KvsCFixture } from './helpers/kvs-c-fixture.js';
import type { CSdkSocket } from './helpers/kvs-c-socket.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');
const STRIKES = 20; // the KVS protocol's strikesBeforeClose
const KVS = { protocol: 'kvs' };

let f: KvsCFixture;
let master: CSdkSocket;
let good: CSdkSocket;
let exchanges = 0;

before(async () => {
  f = await kvsCFixture({ region: 'ap-southeast-2', channel: 'hostile-lobby' });
  master = await f.connected();
  good = await f.connected('good-viewer');
});
after(async () => {
  master.close();
  good.close();
  await f.close();
});

/** The well-behaved viewer and the master still reach each other, in frames the C SDK reads. */
async function stillWorks(): Promise<void> {
  const n = exchanges++;
  const fromViewer = b64({ candidate: `candidate:${n} 1 udp 1 192.0.2.1 ${5000 + n} typ host` });
  const before = { m: master.got.length, v: good.got.length };
  good.send(cSdkFrame('ICE_CANDIDATE', '', fromViewer));
  await master.until(
    () => master.got.slice(before.m).some((g) => g.data.includes(fromViewer)),
    `the good viewer's candidate ${n}`,
  );
  const fromMaster = b64({ candidate: `candidate:${n} 1 udp 1 192.0.2.2 ${6000 + n} typ host` });
  master.send(cSdkFrame('ICE_CANDIDATE', 'good-viewer', fromMaster));
  await good.frame(before.v);
  assert.deepEqual(JSON.parse(good.got[before.v]?.data ?? ''), {
    messageType: 'ICE_CANDIDATE',
    messagePayload: fromMaster,
  });
  for (const g of good.got) assert.deepEqual(cSdkReadProblems(g.data, g.binary), [], g.data);
}

/** The STATUS_RESPONSEs a socket got, by correlation id. */
function statuses(s: CSdkSocket): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const g of s.got) {
    assert.deepEqual(cSdkReadProblems(g.data, g.binary), [], g.data);
    const m = JSON.parse(g.data) as { messageType: string; statusResponse?: Record<string, string> };
    if (m.messageType === 'STATUS_RESPONSE' && m.statusResponse)
      out.set(m.statusResponse['correlationId'] ?? '', m.statusResponse);
  }
  return out;
}

/** Sends a frame that earns a STATUS_RESPONSE and waits for it: everything sent before is handled. */
async function sync(s: CSdkSocket, id: string): Promise<void> {
  s.send(cSdkFrame('SYNC', '', 'AAAA', { correlationId: id }));
  await s.until(() => statuses(s).has(id), `the STATUS_RESPONSE to ${id}`);
}

/** Frames handled for the KVS protocol so far: forwarded, or charged to the sender as an error. */
async function handled(): Promise<number> {
  return (
    (await f.metric('peerlink_kvs_messages_total')) +
    (await f.metric('peerlink_signaling_protocol_errors_total', KVS))
  );
}

describe('hostile input on the KVS WebSocket of a running server', () => {
  it('answers or counts each kind of bad frame, keeps the socket open, and the good viewer keeps working', async () => {
    await stillWorks();
    const h = await f.connected('hostile');
    const reason = (r: string): Promise<number> => f.metric('peerlink_kvs_refused_total', { reason: r });
    const reasons = [
      'bad-base64',
      'not-json',
      'payload-too-large',
      'unknown-action',
      'viewer-named-recipient',
    ];
    const before = Object.fromEntries(
      await Promise.all([...reasons, 'binary', 'bad-correlation-id'].map(async (r) => [r, await reason(r)])),
    );
    const tooLargeBefore = await f.metric('peerlink_signaling_protocol_errors_total', {
      ...KVS,
      code: 'TOO_LARGE',
    });
    h.send(cSdkFrame('SDP_OFFER', '', 'not base64!', { correlationId: 'h-b64' }));
    h.send('{"action": "SDP_OFFER", "CorrelationId": "h-json"');
    h.send(cSdkFrame('SDP_OFFER', '', 'A'.repeat(10 * 1024 + 4), { correlationId: 'h-big' }));
    h.send(cSdkFrame('SDP_OFFER', '', 'A'.repeat(70 * 1024), { correlationId: 'h-frame' })); // > 64 KiB
    h.send(cSdkFrame('SDP_PRANSWER', '', b64({}), { correlationId: 'h-act' }));
    h.send(cSdkFrame('ICE_CANDIDATE', 'good-viewer', b64({ candidate: 'x' }), { correlationId: 'h-rcp' }));
    h.send(Buffer.from([0x7b, 0x00, 0xff]), true);
    h.send(JSON.stringify({ action: 5, MessagePayload: {}, RecipientClientId: [] }));
    h.send(cSdkFrame('SDP_OFFER', '', b64({}), { correlationId: 'bad id!' }));
    await sync(h, 'h-sync');

    const got = statuses(h);
    assert.deepEqual(
      [...got].map(([id, s]) => [id, s['errorType'], s['statusCode']]),
      [
        ['h-b64', 'InvalidArgumentException', '400'],
        ['h-big', 'InvalidArgumentException', '400'],
        ['h-act', 'InvalidArgumentException', '400'],
        ['h-rcp', 'InvalidArgumentException', '400'],
        ['h-sync', 'InvalidArgumentException', '400'],
      ],
      'what carried a readable CorrelationId is answered, and nothing else',
    );
    assert.match(got.get('h-rcp')?.['description'] ?? '', /RecipientClientId must be empty/);
    const after = async (r: string): Promise<number> => (await reason(r)) - (before[r] as number);
    assert.equal(await after('bad-base64'), 1);
    assert.equal(await after('not-json'), 1);
    assert.equal(await after('payload-too-large'), 1);
    assert.equal(await after('unknown-action'), 3, 'SDP_PRANSWER, the number, the sync frame');
    assert.equal(await after('viewer-named-recipient'), 1);
    assert.equal(await after('binary'), 1);
    assert.equal(await after('bad-correlation-id'), 1);
    assert.equal(
      (await f.metric('peerlink_signaling_protocol_errors_total', { ...KVS, code: 'TOO_LARGE' })) -
        tooLargeBefore,
      1,
      'the frame over the core limit is a counted drop',
    );
    assert.equal(h.closed, undefined, `${reasons.length + 5} strikes leave the socket open`);
    assert.equal(good.got.length, exchanges, 'the good viewer got nothing it was not sent');
    await stillWorks();
    h.close();
  });

  it('closes a socket that sends a frame over the WebSocket limit with 1009, counted', async () => {
    const h = await f.connected('oversized');
    const before = await f.metric('peerlink_signaling_socket_errors_total', {
      path: '/kvs',
      code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    });
    h.send('x'.repeat(1024 * 1024 + 1));
    assert.equal((await h.waitClosed()).code, 1009);
    const after = await f.metric('peerlink_signaling_socket_errors_total', {
      path: '/kvs',
      code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    });
    assert.equal(after - before, 1);
    await stillWorks();
  });

  it('forwards, answers or counts each of 100 random frames, and the good viewer keeps working', async () => {
    const frames = fc.sample(randomFrame(), { numRuns: 100, seed: 15 });
    const perSocket = STRIKES - 2; // and a sync frame: under the strike limit whatever they are
    for (let i = 0, socket = 0; i < frames.length; i += perSocket, socket++) {
      const batch = frames.slice(i, i + perSocket);
      const h = await f.connected('fuzzer');
      const start = await handled();
      for (const t of batch) h.send(t);
      await sync(h, `sync-${socket}`);
      assert.equal(await handled(), start + batch.length + 1, `batch ${socket}: every frame accounted for`);
      assert.equal(h.closed, undefined);
      statuses(h); // every STATUS_RESPONSE is one the C SDK parses
      h.close();
      await h.waitClosed();
      await stillWorks();
    }
    assert.equal(await f.metric('peerlink_signaling_internal_errors_total'), 0, 'no handler threw');
  });

  it('closes a client that keeps misbehaving, saying why, and no one else', async () => {
    const h = await f.connected('persistent');
    for (let i = 0; i < STRIKES; i++) h.send(`not json ${i}`);
    const closed = await h.waitClosed();
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /too many protocol errors/);
    assert.ok(
      (await f.metric('peerlink_signaling_closes_total', {
        reason: 'too many protocol errors (last: InvalidArgumentException)',
      })) >= 1,
    );
    assert.equal(master.closed, undefined);
    assert.equal(good.closed, undefined);
    await stillWorks();
  });
});

/** Arbitrary text, arbitrary JSON, frames with fields of the wrong types, and near-valid frames. */
function randomFrame(): fc.Arbitrary<string> {
  const goodId = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,12}$/);
  const badId = fc.oneof(fc.string(), fc.integer(), fc.constant('bad id!'));
  const recipient = fc.oneof(
    { arbitrary: fc.constant(''), weight: 6 },
    { arbitrary: fc.constantFrom('good-viewer', 'ghost'), weight: 1 },
    { arbitrary: badId, weight: 1 },
  );
  const correlationId = fc.oneof({ arbitrary: goodId, weight: 3 }, { arbitrary: badId, weight: 1 });
  const payload = fc.oneof(
    { arbitrary: fc.constant(b64({ type: 'offer', sdp: 'v=0\r\n' })), weight: 3 },
    { arbitrary: fc.base64String({ minLength: 4, maxLength: 64 }), weight: 2 },
    { arbitrary: fc.oneof(fc.string(), fc.constantFrom('', '===', 'not base64!')), weight: 1 },
  );
  const action = fc.oneof(
    { arbitrary: fc.constantFrom('SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'), weight: 6 },
    { arbitrary: fc.constantFrom('GO_AWAY', 'STATUS_RESPONSE', 'sdp_offer', ''), weight: 1 },
    { arbitrary: fc.anything(), weight: 1 },
  );
  const nearValid = (pascal: boolean): fc.Arbitrary<string> => {
    const k = (name: string): string => (pascal ? name : name[0]?.toLowerCase() + name.slice(1));
    return fc
      .record(
        {
          action,
          [k('RecipientClientId')]: recipient,
          [k('MessagePayload')]: payload,
          [k('CorrelationId')]: correlationId,
          IceServerList: fc.anything(),
        },
        { requiredKeys: ['action', k('MessagePayload')] },
      )
      .map((o) => JSON.stringify(o));
  };
  const wrongTypes = fc
    .record({
      action: fc.anything(),
      RecipientClientId: fc.anything(),
      MessagePayload: fc.anything(),
      CorrelationId: fc.anything(),
    })
    .map((o) => JSON.stringify(o));
  return fc.oneof(
    { arbitrary: fc.oneof(fc.string(), fc.json(), wrongTypes), weight: 1 },
    { arbitrary: fc.oneof(nearValid(true), nearValid(false)), weight: 1 },
  );
}
