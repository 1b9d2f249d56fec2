// RFC 6062 on real loopback sockets: a TCP allocation, Connect to a TCP echo peer, a data connection
// bound with ConnectionBind, and the other direction: a peer connecting to the relayed address
// produces a ConnectionAttempt that a second data connection binds.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  StunAttr,
  StunMethod,
  decodeStunMessage,
  decodeUint32,
  encodeRequestedTransport,
  encodeUint32,
  findAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import { NodeTurnRelays, PeerPolicy, startStunListeners, type StunListeners } from '../src/index.js';
import { codeOf, peerAttr, relayedOf } from './helpers/turn-messages.js';
import { TurnTestClient } from './helpers/turn-test-client.js';

const tcpTransport = { type: StunAttr.RequestedTransport, value: encodeRequestedTransport(6) };

/** Reads until `expected` has arrived (TCP may split it) and returns what was read. */
function readText(s: Socket, expected: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString();
      if (got.length >= expected.length) {
        s.off('data', onData);
        resolve(got);
      }
    };
    s.on('data', onData);
  });
}

function connectionId(m: StunMessage): number {
  const d = decodeUint32(findAttribute(m, StunAttr.ConnectionId)!.value);
  assert.ok(d.ok);
  return d.value;
}

describe('TCP relaying on real sockets (RFC 6062)', () => {
  let turn: NodeTurnRelays;
  let stun: StunListeners;
  let echo: Server;
  let echoAddress: TransportAddress;

  before(async () => {
    turn = new NodeTurnRelays({
      relayIps: { 4: '127.0.0.1' },
      users: new Map([['alice', 'wonderland']]),
      peerPolicy: new PeerPolicy({ allowLoopback: true }),
    });
    stun = await startStunListeners({ address: '127.0.0.1', port: 0, turn: turn.hook });
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const a = echo.address();
    echoAddress = { family: 4, address: '127.0.0.1', port: typeof a === 'object' && a ? a.port : 0 };
  });
  after(async () => {
    await stun.close();
    await turn.close();
    echo.close();
  });

  it('Connect + ConnectionBind: bytes reach the peer and come back', async () => {
    const control = await TurnTestClient.tcp(stun.primary);
    const data = await TurnTestClient.tcp(stun.primary);
    try {
      const alloc = await control.request(StunMethod.Allocate, () => [tcpTransport]);
      assert.equal(codeOf(alloc), 0);
      const c = await control.request(StunMethod.Connect, (t) => [peerAttr(echoAddress, t)]);
      assert.equal(codeOf(c), 0);
      data.creds = control.creds;
      const bind = await data.request(StunMethod.ConnectionBind, () => [
        { type: StunAttr.ConnectionId, value: encodeUint32(connectionId(c)) },
      ]);
      assert.equal(codeOf(bind), 0);
      const raw = data.raw();
      const back = readText(raw, 'through the relay');
      raw.write('through the relay');
      assert.equal(await back, 'through the relay');
      const relayed = turn.relayed();
      assert.ok(relayed['to-peer'].bytes + relayed['to-client'].bytes >= 2 * 'through the relay'.length);
    } finally {
      control.close();
      data.close();
    }
  });

  it('a peer connecting to the relayed address is announced and bound', async () => {
    const control = await TurnTestClient.tcp(stun.primary);
    const data = await TurnTestClient.tcp(stun.primary);
    let peer: Socket | undefined;
    try {
      const alloc = await control.request(StunMethod.Allocate, () => [tcpTransport]);
      const [relay] = relayedOf(alloc);
      const perm = await control.request(StunMethod.CreatePermission, (t) => [
        peerAttr({ family: 4, address: '127.0.0.1', port: 1 }, t),
      ]);
      assert.equal(codeOf(perm), 0);
      peer = connect({ host: relay!.address, port: relay!.port });
      const attempt = decodeStunMessage(await control.nextRelayed());
      assert.ok(attempt.ok);
      assert.equal(attempt.value.method, StunMethod.ConnectionAttempt);
      data.creds = control.creds;
      const bind = await data.request(StunMethod.ConnectionBind, () => [
        { type: StunAttr.ConnectionId, value: encodeUint32(connectionId(attempt.value)) },
      ]);
      assert.equal(codeOf(bind), 0);
      const raw = data.raw();
      const got = readText(raw, 'hello from the peer');
      peer.write('hello from the peer');
      assert.equal(await got, 'hello from the peer');
      const reply = readText(peer, 'hello back');
      raw.write('hello back');
      assert.equal(await reply, 'hello back');
    } finally {
      peer?.destroy();
      control.close();
      data.close();
    }
  });
});
