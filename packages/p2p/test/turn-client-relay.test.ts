// The TURN client's relay path against the in-process TURN engine on a fake clock: permissions and
// channels (RFC 8656 §9-§12), Send indication before the channel and ChannelData after, data from the
// peer both ways, refreshes that keep them alive, and hostile bytes that must never throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeStunMessage,
  encodeChannelData,
  encodeStunMessage,
  encodeXorAddress,
  isChannelData,
  type StunAttribute,
  type StunClassValue,
  type TransportAddress,
} from '@peerlink/wire';
import { TurnClientError, TurnClientErrorCode, type TurnClientDropReason } from '../src/index.js';
import { EngineLink, PEER } from './helpers/turn-engine-link.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** 'ChannelData 0x4000', 'Send indication', 'ChannelBind request', ... */
function kindOf(bytes: Uint8Array): string {
  if (isChannelData(bytes)) return `ChannelData 0x${((bytes[0]! << 8) | bytes[1]!).toString(16)}`;
  const d = decodeStunMessage(bytes);
  assert.ok(d.ok);
  const names: Record<number, string> = {
    3: 'Allocate',
    4: 'Refresh',
    6: 'Send',
    8: 'CreatePermission',
    9: 'ChannelBind',
  };
  return `${names[d.value.method]} ${d.value.cls === StunClass.Indication ? 'indication' : 'request'}`;
}

function throwsCode(f: () => void, code: string): void {
  assert.throws(f, (e: unknown) => e instanceof TurnClientError && e.code === code);
}

describe('TurnClient: permissions and channels (RFC 8656 §9-§12)', () => {
  it('sends a Send indication before the channel is bound and ChannelData after', () => {
    const link = new EngineLink().start();
    const c = link.client;
    const before = link.sent.length;
    c.permit(PEER, link.now);
    c.sendTo(PEER, text('early'), link.now);
    link.flush();
    assert.deepEqual(link.sent.slice(before).map(kindOf), [
      'CreatePermission request',
      'Send indication',
      'ChannelBind request',
    ]);
    assert.deepEqual(
      link.events.filter((e) => e.type === 'permitted' || e.type === 'channel-bound'),
      [
        { type: 'permitted', peer: PEER },
        { type: 'channel-bound', peer: PEER, channel: 0x4000 },
      ],
    );
    c.sendTo(PEER, text('late'), link.now);
    link.flush();
    assert.equal(kindOf(link.sent.at(-1)!), 'ChannelData 0x4000');
    assert.deepEqual(
      link.toPeer.map((r) => [str(r.bytes), r.to, r.from]),
      [
        ['early', PEER, c.relayed],
        ['late', PEER, c.relayed],
      ],
    );
  });

  it('delivers what the peer sends: a Data indication without a channel, ChannelData with one', () => {
    const noChannels = new EngineLink({ channels: false }).start();
    noChannels.client.permit(PEER, 0);
    noChannels.flush();
    assert.equal(noChannels.requests('ChannelBind'), 0);
    noChannels.fromPeer(PEER, text('via indication'));
    const [d1] = noChannels.of('data');
    assert.deepEqual(d1 && [d1.peer, str(d1.bytes), d1.via], [PEER, 'via indication', 'indication']);
    noChannels.client.sendTo(PEER, text('x'), 0);
    noChannels.flush();
    assert.equal(kindOf(noChannels.sent.at(-1)!), 'Send indication');

    const withChannels = new EngineLink().start();
    withChannels.client.permit(PEER, 0);
    withChannels.flush();
    withChannels.fromPeer(PEER, text('via channel'));
    const [d2] = withChannels.of('data');
    assert.deepEqual(d2 && [d2.peer, str(d2.bytes), d2.via], [PEER, 'via channel', 'channel']);
  });

  it('gives each peer address its own channel, and one permission serves one IP', () => {
    const link = new EngineLink().start();
    const other: TransportAddress = { ...PEER, port: PEER.port + 1 };
    link.client.permit(PEER, 0);
    link.flush();
    link.client.permit(other, 0);
    link.flush();
    assert.equal(link.requests('CreatePermission'), 1);
    assert.deepEqual(
      link.of('channel-bound').map((e) => [e.peer.port, e.channel]),
      [
        [PEER.port, 0x4000],
        [other.port, 0x4001],
      ],
    );
    assert.equal(link.of('permitted').length, 2);
  });

  it('permits a peer given before the allocation existed, once it does', () => {
    const link = new EngineLink();
    link.client.permit(PEER, 0);
    link.start();
    assert.deepEqual(link.of('permitted'), [{ type: 'permitted', peer: PEER }]);
  });

  it('reports a refused peer with permit-failed 403, and refuses to send to it', () => {
    const link = new EngineLink().start();
    const denied: TransportAddress = { family: 4, address: '10.1.2.3', port: 9 };
    link.client.permit(denied, 0);
    link.flush();
    const [failed] = link.of('permit-failed');
    assert.deepEqual(failed && [failed.peer, failed.code, failed.status], [
      denied,
      TurnClientErrorCode.Rejected,
      403,
    ]);
    assert.equal(link.client.state, 'allocated', 'one refused peer does not end the allocation');
    throwsCode(() => link.client.sendTo(denied, text('x'), 0), TurnClientErrorCode.NoPermission);
  });

  it('throws typed errors for sends without an allocation or a permission', () => {
    const link = new EngineLink();
    throwsCode(() => link.client.sendTo(PEER, text('x'), 0), TurnClientErrorCode.NotAllocated);
    link.start();
    throwsCode(() => link.client.sendTo(PEER, text('x'), 0), TurnClientErrorCode.NoPermission);
    throwsCode(
      () => link.client.permit({ family: 4, address: 'example.org', port: 1 }, 0),
      TurnClientErrorCode.InvalidArgument,
    );
    link.client.close(0);
    link.flush();
    throwsCode(() => link.client.permit(PEER, 0), TurnClientErrorCode.NotAllocated);
  });

  it('refreshes permissions every 4 minutes and channels every 5, so data still flows at 20 minutes', () => {
    const link = new EngineLink().start();
    link.client.permit(PEER, 0);
    link.flush();
    link.advance(1_200_000);
    // Granted, not sent: the nonce goes stale at 600 s and 1200 s, and those retries are requests too.
    assert.equal(link.responses('CreatePermission', 200), 1 + 5, 'at 0, 240, 480, 720, 960, 1200 s');
    assert.equal(link.responses('ChannelBind', 200), 1 + 4, 'at 0, 300, 600, 900, 1200 s');
    assert.ok(link.responses('ChannelBind', 438) >= 1);
    assert.equal(link.of('failed').length + link.of('permit-failed').length, 0);
    link.fromPeer(PEER, text('still here'));
    assert.deepEqual(
      link.of('data').map((d) => [str(d.bytes), d.via]),
      [['still here', 'channel']],
    );
    assert.equal(link.engine.stats().permissions, 1);
    assert.equal(link.engine.stats().channels, 1);
  });
});

describe('TurnClient: hostile and stray bytes', () => {
  it('never throws on random bytes, takes none of them, and counts them', () => {
    const link = new EngineLink().start();
    link.client.permit(PEER, 0);
    link.flush();
    let offered = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        offered++;
        assert.equal(link.client.handleDatagram(bytes, link.now), false);
      }),
      { numRuns: 2000, seed: 42 },
    );
    const dropped = Object.values(link.client.stats().dropped).reduce((a, b) => a + b, 0);
    assert.equal(dropped, offered);
    assert.equal(link.client.stats().dropped['internal-error'], undefined);
    assert.equal(link.client.state, 'allocated');
    link.fromPeer(PEER, text('after the noise'));
    assert.equal(link.of('data').length, 1);
  });

  it('drops forged answers, stray channels and malformed indications with their reasons', () => {
    const c = new EngineLink().start().client;
    c.permit(PEER, 0);
    const [permission] = c.takeOutput();
    const tid = permission!.subarray(8, 20);
    const message = (method: number, cls: number, attributes: StunAttribute[] = [], key?: Uint8Array) =>
      encodeStunMessage(
        { method, cls: cls as StunClassValue, transactionId: tid, attributes },
        { integrityKey: key },
      );
    const cases: [Uint8Array, TurnClientDropReason][] = [
      [permission!.subarray(0, 30), 'malformed'],
      // The request was signed: its answer must carry the right MESSAGE-INTEGRITY (RFC 8489 §9.2.5).
      [
        message(StunMethod.CreatePermission, StunClass.SuccessResponse, [], new Uint8Array(16).fill(1)),
        'bad-integrity',
      ],
      [message(StunMethod.CreatePermission, StunClass.SuccessResponse), 'bad-integrity'],
      [message(StunMethod.ChannelBind, StunClass.SuccessResponse), 'wrong-method'],
      [message(StunMethod.Refresh, StunClass.SuccessResponse).fill(9, 8, 20), 'unknown-transaction'],
      [encodeChannelData(0x4abc, text('who?')), 'unknown-channel'],
      [
        message(StunMethod.Data, StunClass.Indication, [
          { type: StunAttr.XorPeerAddress, value: encodeXorAddress(PEER, tid) },
        ]),
        'bad-indication',
      ],
      [message(StunMethod.Binding, StunClass.Request), 'unexpected'],
    ];
    for (const [bytes, reason] of cases) {
      const before = c.stats().dropped[reason] ?? 0;
      assert.equal(c.handleDatagram(bytes, 0), false, reason);
      assert.equal(c.stats().dropped[reason], before + 1, reason);
    }
    assert.equal(
      c.takeEvents().filter((e) => e.type === 'permitted').length,
      0,
      'nothing forged got through',
    );
  });
});
