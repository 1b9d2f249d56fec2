// The node's TURN allocation against a real peerlink server on loopback: it allocates with the
// welcome's REST credentials, and a send towards a peer the server refuses to permit (loopback, by
// the relay's secure default) is a counted drop, never an exception out of a timer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TURN_VIA } from '@peerlink/p2p';
import { NodeTurn } from '../src/direct/node-turn.js';
import { UdpMux } from '../src/direct/udp-mux.js';
import { node, server } from './helpers.js';

describe('NodeTurn', () => {
  it('allocates a relayed candidate, and drops sends to a peer without a permission', async () => {
    const s = await server();
    const n = await node(s, 'turn-user', { direct: false });
    const mux = await UdpMux.open();
    const turn = new NodeTurn(mux, () => n.welcome?.iceServers ?? [], s.httpUrl);
    try {
      const relayed = await turn.candidate();
      assert.ok(relayed, 'an allocation');
      assert.equal(relayed.type, 'relay');
      assert.ok(relayed.port > 0);
      turn.permit([{ address: '127.0.0.1', port: 9 }]); // refused: loopback peers are denied
      const before = turn.dropped;
      assert.doesNotThrow(() =>
        mux.send(new Uint8Array([1, 2, 3]), { address: '127.0.0.1', port: 9 }, TURN_VIA),
      );
      assert.doesNotThrow(() =>
        mux.send(new Uint8Array([1]), { address: '198.51.100.9', port: 9 }, TURN_VIA),
      );
      assert.equal(turn.dropped, before + 2);
      turn.close();
      assert.doesNotThrow(() => turn.permit([{ address: '198.51.100.10', port: 9 }]), 'after close');
    } finally {
      turn.close();
      mux.close();
      n.close();
      await s.close();
    }
  });
});
