// The real prober against the real STUN listeners on two loopback addresses (no NAT in between).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStunListeners, type StunListeners } from '@peerlink/turn-server';
import { nodeUdpSocketFactory, probeNat } from '../src/index.js';

describe('probeNat over loopback (127.0.0.1 + 127.0.0.2, no NAT)', () => {
  let stun: StunListeners;
  before(async () => {
    stun = await startStunListeners({
      address: '127.0.0.1',
      port: 0,
      alternate: { address: '127.0.0.2', port: 0 },
    });
  });
  after(() => stun.close());

  it('reports an open, endpoint-independent, port-preserving path', async () => {
    const { report, reasons } = await probeNat({ server: stun.primary, sockets: nodeUdpSocketFactory });
    assert.equal(report.udp, true);
    assert.match(report.publicAddress ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(report.mapping, 'endpoint-independent');
    assert.equal(report.filtering, 'endpoint-independent');
    assert.equal(report.portAllocation, 'preserving');
    assert.equal(report.hairpinning, true);
    assert.equal(report.ipv6, false);
    assert.ok(reasons.some((r) => r.startsWith('ipv6:')));
  });

  it('reports UDP blocked when nothing answers', async () => {
    const closed = await startStunListeners({ address: '127.0.0.1', port: 0 });
    const server = closed.primary;
    await closed.close();
    const { report } = await probeNat({
      server,
      sockets: nodeUdpSocketFactory,
      timing: { rtoMs: 50, tries: 2, lastWaitMs: 100 },
    });
    assert.equal(report.udp, false);
    assert.equal(report.publicAddress, null);
  });

  it('reports mapping and filtering as undecided against a single-address server', async () => {
    const one = await startStunListeners({ address: '127.0.0.1', port: 0 });
    try {
      const { report, reasons } = await probeNat({ server: one.primary, sockets: nodeUdpSocketFactory });
      assert.equal(report.udp, true);
      assert.equal(report.mapping, null);
      assert.equal(report.filtering, null);
      assert.ok(reasons.some((r) => r.includes('OTHER-ADDRESS')));
    } finally {
      await one.close();
    }
  });
});
