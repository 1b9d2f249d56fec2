// What a hostile peer can put in its `signal` messages never throws in the direct agent, and what
// does not parse is ignored: no probing towards malformed candidates, none past the cap.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { BirthdayLock, UNKNOWN_NAT } from '@peerlink/p2p';
import type { PathSession } from '@peerlink/transport';
import { DirectAgent } from '../src/direct/direct-agent.js';
import { UdpMux } from '../src/direct/udp-mux.js';

describe('DirectAgent against hostile signals', () => {
  let mux: UdpMux;
  before(async () => {
    mux = await UdpMux.open();
  });
  after(() => mux.close());

  const agent = (): DirectAgent =>
    new DirectAgent(
      'hostile',
      mux,
      {
        ps: {} as PathSession,
        signal: () => {},
        switched: () => assert.fail('no path from garbage'),
        afterDeliver: () => {},
        needTurn: () => Promise.resolve(undefined),
        permitTurn: () => {},
      },
      { initiator: false, lock: new BirthdayLock(), relayIps: [] },
    );

  it('ignores null, scalars, arrays and wrong shapes', () => {
    const a = agent();
    for (const d of [
      null,
      undefined,
      0,
      'x',
      [],
      [1, 2],
      { kind: 'direct-candidates' },
      { kind: 'direct-candidates', password: 'p', candidates: 'no' },
    ])
      a.onSignal(d);
    assert.equal(a.remotePassword, undefined);
    a.close();
  });

  it('probes only well-formed candidates, at most 24 of them', async () => {
    const sent: number[] = [];
    const send = mux.send.bind(mux);
    let first: () => void = () => {};
    const probed = new Promise<void>((resolve) => (first = resolve));
    mux.send = (bytes, to, via) => {
      sent.push(to.port);
      first();
      send(bytes, to, via);
    };
    const a = agent();
    a.opened();
    a.setLocal({ candidates: [{ type: 'host', address: '127.0.0.1', port: mux.port }], nat: UNKNOWN_NAT }, 0);
    const good = Array.from({ length: 40 }, (_, i) => ({
      type: 'srflx',
      address: '127.0.0.1',
      port: 20_000 + i,
    }));
    const bad = [
      { type: 'srflx', address: 'evil.example', port: 1 },
      { type: 'srflx', address: '127.0.0.1', port: 0 },
      { type: 'srflx', address: '127.0.0.1', port: 70_000 },
      { type: 'nonsense', address: '127.0.0.1', port: 5 },
      { type: 'host', address: '127.0.0.1'.repeat(10), port: 5 },
    ];
    a.onSignal({ kind: 'direct-candidates', password: 'cGFzcw', candidates: [...bad, ...good] });
    await probed; // the first round goes out in one timer callback: all of it is in `sent` now
    mux.send = send;
    const ports = new Set(sent);
    assert.ok(ports.size > 0, 'the well-formed ones are probed');
    assert.ok(ports.size <= 24 - bad.length, `${ports.size} ports probed`);
    assert.ok(![0, 1, 5, 70_000].some((p) => ports.has(p)), 'nothing malformed is probed');
    a.close();
  });

  it('never throws on random JSON', () => {
    const a = agent();
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        a.onSignal(x);
        a.onSignal({ kind: 'direct-candidates', password: 'cA', candidates: [x, y], nat: y, generation: x });
      }),
      { numRuns: 500 },
    );
    a.close();
  });
});
