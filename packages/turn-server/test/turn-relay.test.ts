import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeChannelData,
  decodeXorAddress,
  encodeChannelData,
  encodeChannelNumber,
  findAttribute,
  newTransactionId,
  type TransportAddress,
} from '@peerlink/wire';
import type { TurnOutput } from '../src/index.js';
import { allocated, answerOf, client, harness } from './helpers/engine-harness.js';
import { codeOf, decode, indication, peerAttr, request } from './helpers/turn-messages.js';

const T0 = 1_800_000_000_000;
const peer: TransportAddress = { family: 4, address: '198.51.100.20', port: 7000 };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function permit(
  engine: ReturnType<typeof harness>['engine'],
  creds: Parameters<typeof request>[2],
  p: TransportAddress,
  now: number,
  port = 40000,
) {
  const tid = newTransactionId();
  return codeOf(
    answerOf(
      engine.handleClient(
        request(StunMethod.CreatePermission, [peerAttr(p, tid)], creds, tid),
        client(port),
        now,
      ),
    ),
  );
}

function send(p: TransportAddress, data: Uint8Array): Uint8Array {
  const tid = newTransactionId();
  return indication(StunMethod.Send, [peerAttr(p, tid), { type: StunAttr.Data, value: data }], tid);
}

function bind(
  engine: ReturnType<typeof harness>['engine'],
  creds: Parameters<typeof request>[2],
  channel: number,
  p: TransportAddress,
  now: number,
  port = 40000,
): number {
  const tid = newTransactionId();
  const attrs = [{ type: StunAttr.ChannelNumber, value: encodeChannelNumber(channel) }, peerAttr(p, tid)];
  return codeOf(
    answerOf(engine.handleClient(request(StunMethod.ChannelBind, attrs, creds, tid), client(port), now)),
  );
}

const only = (out: TurnOutput<string>[]): TurnOutput<string> => {
  assert.equal(out.length, 1);
  return out[0]!;
};

describe('TURN permissions and the data path (RFC 8656 §9-§12)', () => {
  it('relays a Send indication only to a permitted peer, and drops it otherwise', () => {
    const { engine, count } = harness();
    const { creds, relays, id } = allocated(engine, client(), T0);
    assert.deepEqual(engine.handleClient(send(peer, bytes('early')), client(), T0), []);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'no-permission'),
      1,
    );
    assert.equal(permit(engine, creds, peer, T0), 0);
    const out = only(engine.handleClient(send(peer, bytes('hello')), client(), T0));
    assert.deepEqual(out, {
      type: 'to-peer',
      allocation: id,
      relay: relays[0],
      to: peer,
      bytes: bytes('hello'),
    });
    assert.equal(engine.stats().permissions, 1);
    assert.deepEqual(engine.handleClient(send({ ...peer, port: 0 }, bytes('x')), client(), T0), []);
  });

  it('turns peer datagrams into Data indications, and drops unpermitted peers', () => {
    const { engine } = harness();
    const { creds, id } = allocated(engine, client(), T0);
    assert.deepEqual(engine.handlePeer(id, peer, bytes('x'), T0), []);
    permit(engine, creds, peer, T0);
    const out = only(engine.handlePeer(id, { ...peer, port: 9999 }, bytes('from peer'), T0));
    assert.equal(out.type, 'to-client');
    if (out.type !== 'to-client') return;
    assert.equal(out.handle, 'client-40000');
    const msg = decode(out.bytes);
    assert.equal(msg.method, StunMethod.Data);
    assert.equal(msg.cls, StunClass.Indication);
    const from = decodeXorAddress(findAttribute(msg, StunAttr.XorPeerAddress)!.value, msg.transactionId);
    assert.deepEqual(from.ok && from.value, { ...peer, port: 9999 });
    assert.deepEqual(findAttribute(msg, StunAttr.Data)?.value, bytes('from peer'));
    assert.deepEqual(engine.relayed()['to-client'], { packets: 1, bytes: 'from peer'.length });
  });

  it('expires permissions after 300 s; CreatePermission refreshes them', () => {
    const { engine } = harness();
    const { creds } = allocated(engine, client(), T0);
    permit(engine, creds, peer, T0);
    permit(engine, creds, peer, T0 + 200_000);
    engine.tick(T0 + 499_000);
    assert.equal(only(engine.handleClient(send(peer, bytes('a')), client(), T0 + 499_000)).type, 'to-peer');
    engine.tick(T0 + 500_000);
    assert.equal(engine.stats().permissions, 0);
    assert.deepEqual(engine.handleClient(send(peer, bytes('b')), client(), T0 + 500_000), []);
  });

  it('refuses denied peers with 403 unless opened, and mismatched families with 443', () => {
    const { engine } = harness();
    const { creds } = allocated(engine, client(), T0);
    for (const address of ['127.0.0.1', '10.1.2.3', '::ffff:127.0.0.1', '169.254.169.254', '192.168.1.1']) {
      const family = address.includes(':') ? 6 : 4;
      const code = permit(engine, creds, { family, address, port: 1 }, T0);
      assert.equal(code, family === 6 ? 443 : 403, address);
    }
    assert.equal(permit(engine, creds, { family: 6, address: '2001:db8:1::5', port: 1 }, T0), 443);
    assert.equal(engine.stats().permissions, 0);
  });

  it('checks every peer of a CreatePermission before installing any', () => {
    const { engine } = harness();
    const { creds } = allocated(engine, client(), T0);
    const tid = newTransactionId();
    const attrs = [peerAttr(peer, tid), peerAttr({ family: 4, address: '10.0.0.1', port: 1 }, tid)];
    const msg = answerOf(
      engine.handleClient(request(StunMethod.CreatePermission, attrs, creds, tid), client(), T0),
    );
    assert.equal(codeOf(msg), 403);
    assert.equal(engine.stats().permissions, 0);
  });

  it('caps permissions per allocation with 508', () => {
    const { engine } = harness({ maxPermissions: 2 });
    const { creds } = allocated(engine, client(), T0);
    assert.equal(permit(engine, creds, { ...peer, address: '198.51.100.1' }, T0), 0);
    assert.equal(permit(engine, creds, { ...peer, address: '198.51.100.2' }, T0), 0);
    assert.equal(permit(engine, creds, { ...peer, address: '198.51.100.1' }, T0), 0, 'refresh is fine');
    assert.equal(permit(engine, creds, { ...peer, address: '198.51.100.3' }, T0), 508);
  });

  it('binds channels: ChannelData both ways, padded over TCP only', () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const { engine } = harness();
      const c = client(40000, transport);
      const { creds, id } = allocated(engine, c, T0);
      const tid = newTransactionId();
      const attrs = [
        { type: StunAttr.ChannelNumber, value: encodeChannelNumber(0x4001) },
        peerAttr(peer, tid),
      ];
      assert.equal(
        codeOf(answerOf(engine.handleClient(request(StunMethod.ChannelBind, attrs, creds, tid), c, T0))),
        0,
      );
      const toPeer = only(engine.handleClient(encodeChannelData(0x4001, bytes('abc')), c, T0));
      assert.equal(toPeer.type === 'to-peer' && new TextDecoder().decode(toPeer.bytes), 'abc');
      const back = only(engine.handlePeer(id, peer, bytes('hello'), T0));
      assert.equal(back.type, 'to-client');
      if (back.type !== 'to-client') continue;
      assert.equal(back.bytes.length, transport === 'tcp' ? 12 : 9);
      const cd = decodeChannelData(back.bytes);
      assert.ok(cd.ok && cd.value.channel === 0x4001);
      assert.equal(new TextDecoder().decode(cd.ok ? cd.value.data : new Uint8Array()), 'hello');
    }
  });

  it('refuses bad channel numbers and rebinding a channel or a peer elsewhere', () => {
    const { engine } = harness();
    const { creds } = allocated(engine, client(), T0);
    assert.equal(bind(engine, creds, 0x3fff, peer, T0), 400);
    assert.equal(bind(engine, creds, 0x7fff, peer, T0), 400);
    assert.equal(bind(engine, creds, 0x8000, peer, T0), 400);
    assert.equal(bind(engine, creds, 0x4000, peer, T0), 0);
    assert.equal(bind(engine, creds, 0x4000, peer, T0 + 1), 0, 'refresh');
    assert.equal(bind(engine, creds, 0x4000, { ...peer, port: 7001 }, T0), 400);
    assert.equal(bind(engine, creds, 0x4002, peer, T0), 400);
    assert.equal(bind(engine, creds, 0x4003, { family: 4, address: '127.0.0.1', port: 1 }, T0), 403);
    assert.equal(bind(engine, creds, 0x4004, { ...peer, port: 0 }, T0), 400);
    assert.equal(engine.stats().channels, 1);
  });

  it('expires channels after 600 s and drops ChannelData on unbound channels', () => {
    const { engine, count } = harness();
    const { creds } = allocated(engine, client(), T0, [
      { type: StunAttr.Lifetime, value: new Uint8Array([0, 0, 14, 16]) },
    ]);
    bind(engine, creds, 0x4000, peer, T0);
    assert.deepEqual(engine.handleClient(encodeChannelData(0x4444, bytes('x')), client(), T0), []);
    engine.tick(T0 + 600_000);
    assert.equal(engine.stats().channels, 0);
    assert.deepEqual(engine.handleClient(encodeChannelData(0x4000, bytes('x')), client(), T0 + 600_000), []);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'no-channel'),
      2,
    );
  });

  it('caps bandwidth per allocation when configured', () => {
    const { engine, count } = harness({ maxBytesPerSecond: 1000 });
    const { creds } = allocated(engine, client(), T0);
    permit(engine, creds, peer, T0);
    const sent = [0, 1, 2].map(
      (i) => engine.handleClient(send(peer, new Uint8Array(400)), client(), T0 + i).length,
    );
    assert.deepEqual(sent, [1, 1, 0]);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'bandwidth'),
      1,
    );
    assert.equal(engine.handleClient(send(peer, new Uint8Array(400)), client(), T0 + 1000).length, 1);
  });

  it('drops peer datagrams too big for a Data indication, but relays them over a channel', () => {
    const { engine, count } = harness();
    const { creds, id } = allocated(engine, client(), T0);
    permit(engine, creds, peer, T0);
    assert.deepEqual(engine.handlePeer(id, peer, new Uint8Array(65507), T0), []);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'too-big'),
      1,
    );
    assert.equal(engine.handlePeer(id, peer, new Uint8Array(65504), T0).length, 1);
    assert.deepEqual(engine.handlePeer(id, peer, new Uint8Array(65505), T0), []);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'too-big'),
      2,
    );
    bind(engine, creds, 0x4000, peer, T0);
    const out = only(engine.handlePeer(id, peer, new Uint8Array(65507), T0));
    assert.equal(out.type === 'to-client' && out.bytes.length, 65511);
  });

  it('drops indications and ChannelData from clients without an allocation', () => {
    const { engine, count } = harness();
    assert.deepEqual(engine.handleClient(send(peer, bytes('x')), client(), T0), []);
    assert.deepEqual(engine.handleClient(encodeChannelData(0x4000, bytes('x')), client(), T0), []);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'no-allocation'),
      2,
    );
  });
});
