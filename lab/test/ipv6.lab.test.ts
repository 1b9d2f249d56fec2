// IPv6 in the lab: global addresses, no NAT66, a stateful firewall on every NAT site's home router.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTopology, pingBetween, type Topology } from '../src/index.js';

describe('IPv6 sites', () => {
  let topo: Topology;
  before(async () => {
    topo = await buildTopology([
      { preset: 'public', ipv6: true },
      { preset: 'port-restricted', ipv6: true },
      { preset: 'cgnat', ipv6: true },
    ]);
  });
  after(() => topo?.teardown());

  it('a public host is reachable from the internet without NAT: the echo sees its address', async () => {
    const host = topo.sites[0]!.hosts[0]!;
    const r = await pingBetween(topo, topo.core, host.ns, host.address6!, 20, 5);
    assert.equal(r.received, 20);
  });

  it('a host behind a NAT site is reachable outbound, even through a carrier, and its firewall drops unsolicited inbound', async () => {
    const pub = topo.sites[0]!.hosts[0]!;
    for (const site of topo.sites.slice(1)) {
      const host = site.hosts[0]!;
      const out = await pingBetween(topo, host.ns, pub.ns, pub.address6!, 20, 5);
      assert.equal(out.received, 20, `${site.preset.name} outbound`);
      const inbound = await pingBetween(topo, pub.ns, host.ns, host.address6!, 5, 5);
      assert.equal(inbound.received, 0, `${site.preset.name} inbound`);
      assert.equal(inbound.echoReceived, -1, 'not even the stats request got through');
    }
  });
});
