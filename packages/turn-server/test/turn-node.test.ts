// The TURN adapter on real loopback sockets: IPv4 and IPv6 relays (REQUESTED-ADDRESS-FAMILY,
// ADDITIONAL-ADDRESS-FAMILY), the relay port range, and relay sockets closing with the allocation.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  StunAttr,
  StunMethod,
  decodeChannelData,
  decodeStunMessage,
  decodeXorAddress,
  encodeAddressFamily,
  encodeChannelData,
  encodeChannelNumber,
  encodeUint32,
  findAttribute,
  type TransportAddress,
} from '@peerlink/wire';
import { NodeTurnRelays, PeerPolicy, startStunListeners, type StunListeners } from '../src/index.js';
import { codeOf, indication, peerAttr, relayedOf, udpTransport } from './helpers/turn-messages.js';
import { seededRandom } from './helpers/engine-harness.js';
import { TurnTestClient } from './helpers/turn-test-client.js';

async function peerSocket(family: 4 | 6): Promise<{
  socket: Socket;
  address: TransportAddress;
  next(): Promise<{ data: string; from: TransportAddress }>;
}> {
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  const host = family === 6 ? '::1' : '127.0.0.1';
  await new Promise<void>((r) => socket.bind(0, host, () => r()));
  const queue: { data: string; from: TransportAddress }[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (m, r) => {
    queue.push({ data: m.toString(), from: { family, address: r.address, port: r.port } });
    wake?.();
  });
  return {
    socket,
    address: { family, address: host, port: socket.address().port },
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    },
  };
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('TURN relays on real sockets', () => {
  let turn: NodeTurnRelays;
  let stun: StunListeners;

  before(async () => {
    turn = new NodeTurnRelays({
      relayIps: { 4: '127.0.0.1', 6: '::1' },
      users: new Map([['alice', 'wonderland']]),
      minPort: 45000,
      maxPort: 45999,
      peerPolicy: new PeerPolicy({ allowLoopback: true }),
    });
    stun = await startStunListeners({ address: '127.0.0.1', port: 0, turn: turn.hook });
  });
  after(async () => {
    await stun.close();
    await turn.close();
  });

  it('relays over IPv6 for REQUESTED-ADDRESS-FAMILY IPv6, both ways', async () => {
    const client = await TurnTestClient.udp(stun.primary);
    const peer = await peerSocket(6);
    try {
      const alloc = await client.request(StunMethod.Allocate, () => [
        udpTransport(),
        { type: StunAttr.RequestedAddressFamily, value: encodeAddressFamily(6) },
      ]);
      assert.equal(codeOf(alloc), 0);
      const [relay] = relayedOf(alloc);
      assert.equal(relay?.address, '::1');
      assert.ok(relay!.port >= 45000 && relay!.port <= 45999);
      const v4peer = { family: 4 as const, address: '127.0.0.1', port: 9 };
      assert.equal(
        codeOf(await client.request(StunMethod.CreatePermission, (t) => [peerAttr(v4peer, t)])),
        443,
      );
      assert.equal(
        codeOf(await client.request(StunMethod.CreatePermission, (t) => [peerAttr(peer.address, t)])),
        0,
      );
      const tid = new Uint8Array(12).fill(3);
      client.send(
        indication(
          StunMethod.Send,
          [peerAttr(peer.address, tid), { type: StunAttr.Data, value: new TextEncoder().encode('to v6') }],
          tid,
        ),
      );
      const got = await peer.next();
      assert.equal(got.data, 'to v6');
      assert.deepEqual(got.from, relay);
      peer.socket.send('back from v6', relay!.port, '::1');
      const data = decodeStunMessage(await client.nextRelayed());
      assert.ok(data.ok);
      const from = decodeXorAddress(
        findAttribute(data.value, StunAttr.XorPeerAddress)!.value,
        data.value.transactionId,
      );
      assert.deepEqual(from.ok && from.value, peer.address);
      assert.equal(text(findAttribute(data.value, StunAttr.Data)!.value), 'back from v6');
    } finally {
      client.close();
      peer.socket.close();
    }
  });

  it('gives a dual-stack allocation for ADDITIONAL-ADDRESS-FAMILY and relays on both families', async () => {
    const client = await TurnTestClient.udp(stun.primary);
    const p4 = await peerSocket(4);
    const p6 = await peerSocket(6);
    try {
      const alloc = await client.request(StunMethod.Allocate, () => [
        udpTransport(),
        { type: StunAttr.AdditionalAddressFamily, value: encodeAddressFamily(6) },
      ]);
      assert.equal(codeOf(alloc), 0);
      const relays = relayedOf(alloc);
      assert.deepEqual(
        relays.map((r) => r.address),
        ['127.0.0.1', '::1'],
      );
      const bind = await client.request(StunMethod.ChannelBind, (t) => [
        { type: StunAttr.ChannelNumber, value: encodeChannelNumber(0x4001) },
        peerAttr(p4.address, t),
      ]);
      assert.equal(codeOf(bind), 0);
      assert.equal(
        codeOf(await client.request(StunMethod.CreatePermission, (t) => [peerAttr(p6.address, t)])),
        0,
      );
      client.send(encodeChannelData(0x4001, new TextEncoder().encode('over channel')));
      assert.equal((await p4.next()).data, 'over channel');
      const tid = new Uint8Array(12).fill(5);
      client.send(
        indication(
          StunMethod.Send,
          [peerAttr(p6.address, tid), { type: StunAttr.Data, value: new TextEncoder().encode('over v6') }],
          tid,
        ),
      );
      const v6 = await p6.next();
      assert.equal(v6.data, 'over v6');
      assert.deepEqual(v6.from, relays[1]);
      p4.socket.send('channel back', relays[0]!.port, '127.0.0.1');
      const cd = decodeChannelData(await client.nextRelayed());
      assert.ok(cd.ok && cd.value.channel === 0x4001);
      assert.equal(text(cd.ok ? cd.value.data : new Uint8Array()), 'channel back');
    } finally {
      client.close();
      p4.socket.close();
      p6.socket.close();
    }
  });

  it('closes the relay socket when the allocation is deleted', async () => {
    const client = await TurnTestClient.udp(stun.primary);
    try {
      const alloc = await client.request(StunMethod.Allocate, () => [udpTransport()]);
      const [relay] = relayedOf(alloc);
      assert.equal(turn.stats().allocations >= 1, true);
      const before = turn.stats().allocations;
      const del = await client.request(StunMethod.Refresh, () => [
        { type: StunAttr.Lifetime, value: encodeUint32(0) },
      ]);
      assert.equal(codeOf(del), 0);
      assert.equal(turn.stats().allocations, before - 1);
      // The port is free again: we can bind it ourselves.
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(relay!.port, '127.0.0.1', () => resolve());
      });
      s.close();
    } finally {
      client.close();
    }
  });

  it('gives a UDP client a socket of its own while it holds an allocation', async () => {
    const until = async (f: () => boolean): Promise<void> => {
      while (!f()) await new Promise((r) => setTimeout(r, 5));
    };
    const client = await TurnTestClient.udp(stun.primary);
    const peer = await peerSocket(4);
    try {
      const before = stun.clientSockets();
      const relay = async (): Promise<void> => {
        await client.allocateChannel(peer.address);
        await until(() => stun.clientSockets() === before + 1);
        // Both ways through the client's own socket.
        client.send(encodeChannelData(0x4001, new TextEncoder().encode('own')));
        const got = await peer.next();
        assert.equal(got.data, 'own');
        peer.socket.send('back', got.from.port, got.from.address);
        const back = decodeChannelData(await client.nextRelayed());
        assert.ok(back.ok && text(back.value.data) === 'back');
      };
      await relay();
      const del = await client.request(StunMethod.Refresh, () => [
        { type: StunAttr.Lifetime, value: encodeUint32(0) },
      ]);
      assert.equal(codeOf(del), 0);
      await until(() => stun.clientSockets() === before);
      // The same 5-tuple allocates again and gets a socket again.
      await relay();
    } finally {
      client.close();
      peer.socket.close();
    }
  });

  it('survives garbage over UDP and TCP and still serves', async () => {
    const random = seededRandom(99);
    const junk = createSocket('udp4');
    await new Promise<void>((r) => junk.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < 2000; i++) {
      const b = random(1 + (i % 200));
      if (i % 3 === 0) b[0] = 0x40 | (b[0]! & 0x3f); // ChannelData-looking
      if (i % 3 === 1) b[0] = b[0]! & 0x3f; // STUN-looking
      junk.send(b, stun.primary.port, '127.0.0.1');
    }
    const tcp = connect({ host: '127.0.0.1', port: stun.primary.port });
    await new Promise<void>((r) => tcp.once('connect', () => r()));
    const closed = new Promise<void>((r) => tcp.once('close', () => r()));
    tcp.on('error', () => {});
    tcp.write(Buffer.from(random(4096).map((x) => x | 0x80)));
    await closed; // the server drops a stream that is neither STUN nor ChannelData
    junk.close();
    const client = await TurnTestClient.udp(stun.primary);
    try {
      assert.equal(codeOf(await client.request(StunMethod.Allocate, () => [udpTransport()])), 0);
    } finally {
      client.close();
    }
  });
});
