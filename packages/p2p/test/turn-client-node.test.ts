// The TURN client on real loopback sockets (runTurnClient over dgram) against peerlink's own TURN
// server: allocate, permit a loopback peer, data both ways by Send/Data indications and by
// ChannelData, refresh on a short lifetime, close.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeTurnRelays, PeerPolicy, startStunListeners, type StunListeners } from '@peerlink/turn-server';
import { recordedTurn } from './helpers/turn-runner.js';
import { udpPeer } from './helpers/udp-peer.js';

const ALICE = { username: 'alice', password: 'wonderland' };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('TurnClient over real sockets against peerlink TURN', () => {
  let relays: NodeTurnRelays;
  let stun: StunListeners;

  before(async () => {
    relays = new NodeTurnRelays({
      relayIps: { 4: '127.0.0.1' },
      users: new Map([['alice', 'wonderland']]),
      peerPolicy: new PeerPolicy({ allowLoopback: true }),
      // Short lifetimes so a refresh happens within the test (the client refreshes half way).
      defaultLifetime: 2,
    });
    stun = await startStunListeners({ address: '127.0.0.1', port: 0, turn: relays.hook });
  });
  after(async () => {
    await stun.close();
    await relays.close();
  });

  for (const channels of [false, true]) {
    const how = channels ? 'ChannelData' : 'Send and Data indications';
    it(`relays both ways with ${how}, refreshes, and closes`, async () => {
      const t = await recordedTurn(stun.primary, { ...ALICE, channels, lifetimeSec: 2 });
      const peer = await udpPeer();
      try {
        const { relayed, mapped, lifetimeSec } = await t.turn.allocated();
        assert.equal(relayed.address, '127.0.0.1');
        assert.equal(lifetimeSec, 2);
        assert.deepEqual(mapped, { ...t.socket.local(), address: '127.0.0.1' });
        t.turn.permit(peer.address);
        await t.waitFor('permitted');
        if (channels) await t.waitFor('channel-bound', (e) => e.channel === 0x4000);

        t.turn.sendTo(peer.address, text('to the peer'));
        const got = await peer.next();
        assert.equal(got.text, 'to the peer');
        assert.deepEqual(got.from, relayed, 'the peer sees the relayed address');

        peer.socket.send('to the client', relayed.port, relayed.address);
        const data = await t.waitFor('data');
        assert.deepEqual(
          [str(data.bytes), data.peer, data.via],
          ['to the client', peer.address, channels ? 'channel' : 'indication'],
        );

        // Two refreshes, at about 1 s and 2 s: past the first lifetime, the relay still works only
        // because they went through.
        await t.waitFor('refreshed', (e) => e.lifetimeSec === 2, 3000);
        await t.waitFor('refreshed', (e) => e.lifetimeSec === 2, 3000);
        peer.socket.send('after the refresh', relayed.port, relayed.address);
        assert.equal(str((await t.waitFor('data')).bytes), 'after the refresh');

        const before = relays.stats().allocations;
        await t.turn.close();
        assert.equal(t.events.at(-1)?.type, 'closed');
        assert.equal(relays.stats().allocations, before - 1);
      } finally {
        t.socket.close();
        peer.close();
      }
    });
  }

  it('fails with TURN_CLIENT_AUTH_FAILED for a wrong password', async () => {
    const t = await recordedTurn(stun.primary, { username: 'alice', password: 'nope' });
    try {
      await assert.rejects(t.turn.allocated(), { code: 'TURN_CLIENT_AUTH_FAILED', status: 401 });
    } finally {
      t.socket.close();
    }
  });
});
