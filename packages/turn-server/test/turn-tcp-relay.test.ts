import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeUint32,
  encodeChannelNumber,
  encodeRequestedTransport,
  encodeUint32,
  findAttribute,
  newTransactionId,
  type TransportAddress,
} from '@peerlink/wire';
import type { TurnOutput } from '../src/index.js';
import { allocated, answerOf, client, harness, login } from './helpers/engine-harness.js';
import { codeOf, decode, peerAttr, request } from './helpers/turn-messages.js';

const T0 = 1_800_000_000_000;
const peer: TransportAddress = { family: 4, address: '198.51.100.20', port: 8000 };
const tcpTransport = { type: StunAttr.RequestedTransport, value: encodeRequestedTransport(6) };

/** A TCP control connection with an open TCP allocation. */
function tcpAllocation(engine: ReturnType<typeof harness>['engine']) {
  const control = client(40000, 'tcp');
  const creds = login(engine, control, T0);
  const open = engine.handleClient(request(StunMethod.Allocate, [tcpTransport], creds), control, T0)[0]!;
  assert.equal(open.type, 'open-relays');
  const id = open.type === 'open-relays' ? open.allocation : 0;
  engine.relaysOpened(id, true, T0);
  return { control, creds, id };
}

function connectReq(creds: Parameters<typeof request>[2], to: TransportAddress): Uint8Array {
  const tid = newTransactionId();
  return request(StunMethod.Connect, [peerAttr(to, tid)], creds, tid);
}

const connectionIdOf = (out: TurnOutput<string>[]): number => {
  const msg = answerOf(out);
  assert.equal(codeOf(msg), 0);
  const id = decodeUint32(findAttribute(msg, StunAttr.ConnectionId)!.value);
  assert.ok(id.ok);
  return id.value;
};

describe('TURN TCP relaying (RFC 6062)', () => {
  it('allocates a TCP relay over a TCP control connection', () => {
    const { engine } = harness();
    const control = client(40000, 'tcp');
    const creds = login(engine, control, T0);
    const out = engine.handleClient(request(StunMethod.Allocate, [tcpTransport], creds), control, T0);
    assert.equal(out[0]?.type, 'open-relays');
    assert.equal(out[0]?.type === 'open-relays' && out[0].transport, 'tcp');
  });

  it('Connect: opens a peer connection, answers CONNECTION-ID, ConnectionBind splices a data connection', () => {
    const { engine } = harness();
    const { control, creds } = tcpAllocation(engine);
    const connect = engine.handleClient(connectReq(creds, peer), control, T0);
    assert.equal(connect.length, 1);
    const c = connect[0]!;
    assert.equal(c.type, 'tcp-connect');
    if (c.type !== 'tcp-connect') return;
    assert.deepEqual(c.to, peer);
    assert.equal(codeOf(answerOf(engine.handleClient(connectReq(creds, peer), control, T0))), 446);
    const id = connectionIdOf(engine.tcpConnected(c.connection, true, T0 + 5));
    assert.equal(id, c.connection);
    const data = client(40001, 'tcp');
    const tid = newTransactionId();
    const bind = request(
      StunMethod.ConnectionBind,
      [{ type: StunAttr.ConnectionId, value: encodeUint32(id) }],
      login(engine, data, T0),
      tid,
    );
    const out = engine.handleClient(bind, data, T0 + 10);
    assert.deepEqual(
      out.map((o) => o.type),
      ['to-client', 'tcp-pipe'],
    );
    assert.equal(out[1]?.type === 'tcp-pipe' && out[1].handle, data.handle);
    assert.equal(codeOf(decode(out[0]?.type === 'to-client' ? out[0].bytes : new Uint8Array())), 0);
    const again = engine.handleClient(
      request(
        StunMethod.ConnectionBind,
        [{ type: StunAttr.ConnectionId, value: encodeUint32(id) }],
        login(engine, client(40002, 'tcp'), T0),
      ),
      client(40002, 'tcp'),
      T0,
    );
    assert.equal(codeOf(answerOf(again)), 400, 'a connection binds once');
  });

  it('answers 447 when the peer cannot be reached, 403 for denied peers', () => {
    const { engine } = harness();
    const { control, creds } = tcpAllocation(engine);
    const c = engine.handleClient(connectReq(creds, peer), control, T0)[0]!;
    const failed = answerOf(engine.tcpConnected(c.type === 'tcp-connect' ? c.connection : 0, false, T0));
    assert.equal(codeOf(failed), 447);
    assert.equal(
      codeOf(answerOf(engine.handleClient(connectReq(creds, { ...peer, address: '10.0.0.1' }), control, T0))),
      403,
    );
  });

  it('tells the client about permitted incoming peers with ConnectionAttempt and refuses others', () => {
    const { engine, count } = harness();
    const { control, creds, id } = tcpAllocation(engine);
    assert.equal(engine.tcpPeerArrived(id, peer, T0), undefined);
    assert.equal(
      count((e) => e.type === 'drop' && e.reason === 'tcp-peer-refused'),
      1,
    );
    const tid = newTransactionId();
    engine.handleClient(request(StunMethod.CreatePermission, [peerAttr(peer, tid)], creds, tid), control, T0);
    const arrived = engine.tcpPeerArrived(id, peer, T0);
    assert.ok(arrived);
    const ind = decode(arrived.out[0]?.type === 'to-client' ? arrived.out[0].bytes : new Uint8Array());
    assert.equal(ind.method, StunMethod.ConnectionAttempt);
    assert.equal(ind.cls, StunClass.Indication);
    const cid = decodeUint32(findAttribute(ind, StunAttr.ConnectionId)!.value);
    assert.equal(cid.ok && cid.value, arrived.connection);
    // Nobody binds it: after 30 s it is closed.
    assert.deepEqual(engine.tick(T0 + 29_000), []);
    assert.deepEqual(engine.tick(T0 + 30_000), [{ type: 'tcp-close', connection: arrived.connection }]);
  });

  it('refuses ConnectionBind from another user (441), over UDP or for unknown ids (400)', () => {
    const { engine } = harness({
      users: new Map([
        ['alice', 'wonderland'],
        ['bob', 'builder'],
      ]),
    });
    const { control, creds } = tcpAllocation(engine);
    const c = engine.handleClient(connectReq(creds, peer), control, T0)[0]!;
    const id = connectionIdOf(engine.tcpConnected(c.type === 'tcp-connect' ? c.connection : 0, true, T0));
    const bindAs = (who: ReturnType<typeof client>, user: string, pass: string, cid: number) =>
      codeOf(
        answerOf(
          engine.handleClient(
            request(
              StunMethod.ConnectionBind,
              [{ type: StunAttr.ConnectionId, value: encodeUint32(cid) }],
              login(engine, who, T0, user, pass),
            ),
            who,
            T0,
          ),
        ),
      );
    assert.equal(bindAs(client(40010, 'tcp'), 'bob', 'builder', id), 441);
    assert.equal(bindAs(client(40011), 'alice', 'wonderland', id), 400);
    assert.equal(bindAs(client(40012, 'tcp'), 'alice', 'wonderland', id + 1), 400);
  });

  it('refuses ChannelBind on a TCP allocation and Connect on a UDP one', () => {
    const { engine } = harness();
    const { control, creds } = tcpAllocation(engine);
    const tid = newTransactionId();
    const cb = request(
      StunMethod.ChannelBind,
      [{ type: StunAttr.ChannelNumber, value: encodeChannelNumber(0x4000) }, peerAttr(peer, tid)],
      creds,
      tid,
    );
    assert.equal(codeOf(answerOf(engine.handleClient(cb, control, T0))), 400);
    const udp = allocated(engine, client(41000), T0);
    assert.equal(codeOf(answerOf(engine.handleClient(connectReq(udp.creds, peer), client(41000), T0))), 400);
  });

  it('closes peer connections with their allocation', () => {
    const { engine } = harness();
    const { control, creds } = tcpAllocation(engine);
    const c = engine.handleClient(connectReq(creds, peer), control, T0)[0]!;
    const id = connectionIdOf(engine.tcpConnected(c.type === 'tcp-connect' ? c.connection : 0, true, T0));
    const out = engine.clientClosed(control.key);
    assert.deepEqual(
      out.map((o) => o.type),
      ['close-relays', 'tcp-close'],
    );
    assert.equal(out[1]?.type === 'tcp-close' && out[1].connection, id);
  });
});
