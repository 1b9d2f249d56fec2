// The native data path (native/turn_relay.c through native-data-path.ts) on real loopback sockets:
// what it relays arrives intact both ways and is counted; what it must not relay (no permission, an
// expired permission or channel, malformed ChannelData) goes to the engine, which drops and counts
// it as on the TypeScript path; hostile input never stops it. Expiry runs on an injected clock.
// Skipped where the addon was not built, except in CI (PEERLINK_REQUIRE_ALL=1), where that fails.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeChannelData,
  decodeStunMessage,
  encodeChannelData,
  encodeUint32,
  type TransportAddress,
} from '@peerlink/wire';
import {
  NodeTurnRelays,
  PeerPolicy,
  TurnErrorCode,
  startStunListeners,
  type StunListeners,
  type TurnEvent,
} from '../src/index.js';
import { loadTurnRelayAddon } from '../src/node/native-addon.js';
import { codeOf, peerAttr } from './helpers/turn-messages.js';
import { seededRandom } from './helpers/engine-harness.js';
import { TurnTestClient } from './helpers/turn-test-client.js';

const loaded = loadTurnRelayAddon();
const missing = 'error' in loaded ? loaded.error : undefined;
if (missing !== undefined && process.env.PEERLINK_REQUIRE_ALL === '1') {
  throw new Error(`the native TURN addon is required here and did not load: ${missing}`);
}

interface Peer {
  socket: Socket;
  address: TransportAddress;
  next(): Promise<{ data: Buffer; port: number }>;
}

async function peerSocket(ip = '127.0.0.1'): Promise<Peer> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, ip, () => r()));
  const queue: { data: Buffer; port: number }[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (m, r) => {
    queue.push({ data: m, port: r.port });
    wake?.();
  });
  return {
    socket,
    address: { family: 4, address: ip, port: socket.address().port },
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift()!;
    },
  };
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Waits for what two sockets' callbacks bring about, in whatever order the loop runs them. */
async function until(f: () => boolean): Promise<void> {
  while (!f()) await new Promise((r) => setTimeout(r, 5));
}
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('the native TURN data path', { skip: missing && `the addon did not load: ${missing}` }, () => {
  let clock = 1_000_000;
  const drops: string[] = [];
  let turn: NodeTurnRelays;
  let stun: StunListeners;

  before(async () => {
    turn = new NodeTurnRelays({
      relayIps: { 4: '127.0.0.1' },
      users: new Map([['alice', 'wonderland']]),
      minPort: 46000,
      maxPort: 46999,
      peerPolicy: new PeerPolicy({ allowLoopback: true }),
      dataPath: 'native',
      now: () => clock,
      onEvent: (e: TurnEvent) => {
        if (e.type === 'drop') drops.push(e.reason);
      },
    });
    stun = await startStunListeners({ address: '127.0.0.1', port: 0, turn: turn.hook });
  });
  after(async () => {
    await stun.close();
    await turn.close();
  });

  /** An allocation with channel 0x4001 bound to `peer`; returns the client and the relay. */
  async function allocated(peer: Peer): Promise<{ client: TurnTestClient; relay: TransportAddress }> {
    const client = await TurnTestClient.udp(stun.primary);
    return { client, relay: await client.allocateChannel(peer.address) };
  }

  it('runs natively, and relays 400 messages of every size intact both ways, counted', async () => {
    assert.equal(turn.dataPath, 'native');
    const peer = await peerSocket();
    const sockets = stun.clientSockets();
    const { client, relay } = await allocated(peer);
    try {
      assert.equal(stun.clientSockets(), sockets + 1, 'the client has a socket of its own, in the addon');
      const before = turn.relayed();
      const native0 = turn.nativeCounters()!;
      const random = seededRandom(7);
      let sent = 0;
      for (let i = 0; i < 400; i++) {
        const payload = random(i === 0 ? 0 : 1 + ((i * 37) % 1400));
        client.send(encodeChannelData(0x4001, payload));
        sent += payload.length;
        const got = await peer.next();
        assert.deepEqual(new Uint8Array(got.data), payload, `message ${i} to the peer`);
        assert.equal(got.port, relay.port);
        peer.socket.send(payload, relay.port, '127.0.0.1');
        const back = decodeChannelData(await client.nextRelayed());
        assert.ok(back.ok && back.value.channel === 0x4001);
        assert.deepEqual(back.ok && back.value.data, payload, `message ${i} back to the client`);
      }
      const after = turn.relayed();
      assert.equal(after['to-peer'].packets - before['to-peer'].packets, 400);
      assert.equal(after['to-peer'].bytes - before['to-peer'].bytes, sent);
      assert.equal(after['to-client'].packets - before['to-client'].packets, 400);
      assert.equal(after['to-client'].bytes - before['to-client'].bytes, sent);
      const native = turn.nativeCounters()!;
      // Relayed in C, not by the engine: none of the 800 went through JavaScript.
      assert.equal(native.toPeerPackets - native0.toPeerPackets, 400);
      assert.equal(native.toClientPackets - native0.toClientPackets, 400);
      assert.equal(native.toJs - native0.toJs, 0);
    } finally {
      client.close();
      peer.socket.close();
    }
  });

  it('relays nothing from a peer without a permission: the engine drops and counts it', async () => {
    const peer = await peerSocket();
    const stranger = await peerSocket('127.0.0.5'); // permissions are by IP: another IP
    const { client, relay } = await allocated(peer);
    try {
      const dropped = drops.filter((d) => d === 'no-permission').length;
      // Queued at the relay before a permitted peer's datagram: the client must get only that one.
      await new Promise<void>((r) => stranger.socket.send('intruder', relay.port, '127.0.0.1', () => r()));
      peer.socket.send('permitted', relay.port, '127.0.0.1');
      const got = decodeChannelData(await client.nextRelayed());
      assert.ok(got.ok);
      assert.equal(text(got.value.data), 'permitted');
      assert.equal(drops.filter((d) => d === 'no-permission').length, dropped + 1);
    } finally {
      client.close();
      peer.socket.close();
      stranger.socket.close();
    }
  });

  it('stops relaying when the permission, then the channel, expires', async () => {
    const peer = await peerSocket();
    const { client, relay } = await allocated(peer);
    const refresh = async (): Promise<void> => {
      const r = await client.request(StunMethod.Refresh, () => [
        { type: StunAttr.Lifetime, value: encodeUint32(3600) },
      ]);
      assert.equal(codeOf(r), 0);
    };
    try {
      // 301 s on: the permission (300 s) is gone, the channel (600 s) is not.
      clock += 301_000;
      await refresh(); // any request tells the addon the clock
      const noPermission = drops.filter((d) => d === 'no-permission').length;
      client.send(encodeChannelData(0x4001, bytes('late')));
      peer.socket.send('late back', relay.port, '127.0.0.1');
      // Both reach the engine and are dropped there (two sockets: wait for both, in any order).
      await until(() => drops.filter((d) => d === 'no-permission').length === noPermission + 2);
      // A new permission relays again; the first datagrams the peer and client see are the new ones.
      const perm = await client.request(StunMethod.CreatePermission, (t) => [peerAttr(peer.address, t)]);
      assert.equal(codeOf(perm), 0);
      client.send(encodeChannelData(0x4001, bytes('renewed')));
      assert.equal((await peer.next()).data.toString(), 'renewed');
      peer.socket.send('renewed back', relay.port, '127.0.0.1');
      const back = decodeChannelData(await client.nextRelayed());
      assert.ok(back.ok && text(back.value.data) === 'renewed back');
      // 600.5 s from the bind: the channel (600 s) is gone, the permission (renewed at 301 s) is not.
      clock += 299_500;
      await refresh();
      const noChannel = drops.filter((d) => d === 'no-channel').length;
      client.send(encodeChannelData(0x4001, bytes('unbound')));
      // From the peer, without a channel: a Data indication, from the engine.
      peer.socket.send('as indication', relay.port, '127.0.0.1');
      const ind = decodeStunMessage(await client.nextRelayed());
      assert.ok(ind.ok && ind.value.cls === StunClass.Indication && ind.value.method === StunMethod.Data);
      await until(() => drops.filter((d) => d === 'no-channel').length === noChannel + 1);
    } finally {
      client.close();
      peer.socket.close();
    }
  });

  it('drops malformed ChannelData, counted, and goes on relaying through any garbage', async () => {
    const peer = await peerSocket();
    const { client } = await allocated(peer);
    try {
      const malformed = drops.filter((d) => d === 'malformed').length;
      // Declares 100 bytes, carries 3.
      client.send(Uint8Array.from([0x40, 0x01, 0x00, 0x64, 1, 2, 3]));
      // Then garbage that looks like ChannelData, on the client's own socket in the addon.
      const random = seededRandom(11);
      for (let i = 0; i < 2000; i++) {
        const b = random(1 + (i % 300));
        b[0] = 0x40 | (b[0]! & 0x3f);
        if (i % 2 === 0) b[1] = 0x01; // channel 0x4001, wrong lengths mostly
        client.send(b);
      }
      client.send(encodeChannelData(0x4001, bytes('still here')));
      // Garbage with a consistent length on the bound channel is relayed (it is valid ChannelData):
      // skip to the marker.
      for (;;) {
        const got = await peer.next();
        if (got.data.toString() === 'still here') break;
      }
      assert.ok(drops.filter((d) => d === 'malformed').length >= malformed + 1);
      const ok = await client.request(StunMethod.Refresh, () => []);
      assert.equal(codeOf(ok), 0, 'the server still answers');
    } finally {
      client.close();
      peer.socket.close();
    }
  });

  it('closes the addon sockets with the allocation', async () => {
    const peer = await peerSocket();
    const { client, relay } = await allocated(peer);
    try {
      const sockets = turn.nativeCounters()!.sockets;
      const own = stun.clientSockets();
      const del = await client.request(StunMethod.Refresh, () => [
        { type: StunAttr.Lifetime, value: encodeUint32(0) },
      ]);
      assert.equal(codeOf(del), 0);
      assert.equal(turn.nativeCounters()!.sockets, sockets - 2);
      assert.equal(stun.clientSockets(), own - 1);
      // The relay port is free again.
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(relay.port, '127.0.0.1', () => resolve());
      });
      s.close();
    } finally {
      client.close();
      peer.socket.close();
    }
  });

  it('refuses the native path with a bandwidth cap, which only JavaScript enforces', () => {
    assert.throws(
      () => new NodeTurnRelays({ relayIps: { 4: '127.0.0.1' }, dataPath: 'native', maxBytesPerSecond: 1000 }),
      (e: Error & { code?: string }) => e.code === TurnErrorCode.BadOption,
    );
    const capped = new NodeTurnRelays({ relayIps: { 4: '127.0.0.1' }, maxBytesPerSecond: 1000 });
    assert.equal(capped.dataPath, 'js');
    void capped.close();
  });
});
