// Port mapping on a real kernel NAT: a symmetric (`masquerade random`) router running the fake
// gateway grants a mapping by each protocol; the mapping is endpoint-independent both ways and
// unfiltered, and releasing it closes the port. Every wait is on an event with a deadline.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTopology, type Topology } from '../src/index.js';
import { start, type LabProcess } from '../src/exec.js';

const AGENT = new URL('../src/gateway/portmap-agent.js', import.meta.url).pathname;
const WAIT_MS = 8000;

interface Agent {
  readonly p: LabProcess;
  /** Sends a command and resolves with the first event line matching `expect`. */
  ask(command: string, expect?: RegExp): Promise<Record<string, string>>;
  events(name: string): Record<string, string>[];
}

function agent(topo: Topology, ns: string, label: string): Agent {
  const p = start(ns, process.execPath, [AGENT], label);
  topo.own(p);
  return {
    p,
    async ask(command, expect) {
      p.child.stdin?.write(command + '\n');
      if (!expect) return {};
      return JSON.parse(await p.waitForLine(expect, WAIT_MS)) as Record<string, string>;
    },
    events: (name) =>
      p.lines
        .map((l) => JSON.parse(l) as Record<string, string>)
        .filter((e) => e.name === name && e.event === 'recv'),
  };
}

/** A line naming socket `name` and containing every one of `parts`, in any order. */
const event = (name: string, ...parts: string[]): RegExp =>
  new RegExp(
    [`"name":"${name}"`, ...parts].map((x) => `(?=.*${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`).join(''),
  );

describe('port mapping through the fake gateway on a symmetric router', () => {
  let topo: Topology;
  let nat: Agent;
  let pub: Agent;
  let publicIp: string;
  before(async () => {
    topo = await buildTopology([{ preset: 'symmetric-upnp' }, { preset: 'public' }]);
    nat = agent(topo, topo.sites[0]!.hosts[0]!.ns, 'nat agent');
    pub = agent(topo, topo.sites[1]!.hosts[0]!.ns, 'public agent');
    publicIp = topo.sites[1]!.hosts[0]!.address;
    await Promise.all([nat.p.waitForLine(/"ready"/, WAIT_MS), pub.p.waitForLine(/"ready"/, WAIT_MS)]);
  });
  after(() => topo?.teardown());

  for (const protocol of ['pcp', 'nat-pmp', 'upnp'] as const) {
    it(`${protocol}: maps, carries both ways from the mapped port, and release closes it`, async () => {
      const n = protocol.replace('-', '');
      const [a, b, c] = [`${n}A`, `${n}B`, `${n}C`];
      await nat.ask(`bind ${n}`, event(n, '"bound"'));
      const mapped = await nat.ask(`map ${n} ${protocol}`, event(n, 'map'));
      assert.equal(mapped.event, 'mapped', JSON.stringify(mapped));
      const external = mapped.external as string;
      const [extIp, extPort] = external.split(':') as [string, string];
      assert.equal(extIp, topo.sites[0]!.publicIp);

      // Unsolicited from the internet: the mapping is unfiltered.
      const portA = (await pub.ask(`bind ${a}`, event(a, '"bound"'))).port;
      await pub.ask(`send ${a} ${extIp} ${extPort} in-${n}`);
      const got = await nat.p.waitForLine(event(n, '"recv"', `in-${n}`), WAIT_MS);
      assert.match(got, new RegExp(`"from":"${publicIp}:${portA}"`));

      // Outbound to an endpoint it never heard from leaves from the mapped port, not a random one.
      const portB = (await pub.ask(`bind ${b}`, event(b, '"bound"'))).port;
      await nat.ask(`send ${n} ${publicIp} ${portB} out-${n}`);
      const seen = await pub.p.waitForLine(event(b, '"recv"', `out-${n}`), WAIT_MS);
      assert.match(seen, new RegExp(`"from":"${external}"`));

      // Released: a packet from a new endpoint is dropped. The marker rides the flow A opened
      // (its conntrack entry outlives the rules) on the same path, right after it.
      assert.equal((await nat.ask(`release ${n}`, event(n, 'release'))).event, 'released');
      await pub.ask(`bind ${c}`, event(c, '"bound"'));
      await pub.ask(`send ${c} ${extIp} ${extPort} late-${n}`);
      await pub.ask(`send ${a} ${extIp} ${extPort} marker-${n}`);
      await nat.p.waitForLine(event(n, '"recv"', `marker-${n}`), WAIT_MS);
      assert.ok(!nat.events(n).some((e) => e.text === `late-${n}`), 'nothing arrives once released');
    });
  }

  it('nat-pmp: a mapping whose lifetime runs out is removed (the gateway says unmap), closing the port', async () => {
    const n = 'expiring';
    const [a, c] = [`${n}A`, `${n}C`];
    await nat.ask(`bind ${n}`, event(n, '"bound"'));
    const mapped = await nat.ask(`map ${n} nat-pmp - 1`, event(n, 'map'));
    assert.equal(mapped.event, 'mapped', JSON.stringify(mapped));
    const [extIp, extPort] = (mapped.external as string).split(':') as [string, string];
    await pub.ask(`bind ${a}`, event(a, '"bound"'));
    await pub.ask(`send ${a} ${extIp} ${extPort} in-${n}`);
    await nat.p.waitForLine(event(n, '"recv"', `in-${n}`), WAIT_MS);
    // The gateway logs `unmap` once the rules are gone; 1 s of lifetime plus slack.
    await topo.sites[0]!.gateway!.waitForLine(new RegExp(`^unmap ${extIp}:${extPort}$`), WAIT_MS);
    await pub.ask(`bind ${c}`, event(c, '"bound"'));
    await pub.ask(`send ${c} ${extIp} ${extPort} late-${n}`);
    await pub.ask(`send ${a} ${extIp} ${extPort} marker-${n}`);
    await nat.p.waitForLine(event(n, '"recv"', `marker-${n}`), WAIT_MS);
    assert.ok(!nat.events(n).some((e) => e.text === `late-${n}`), 'nothing new arrives once expired');
  });

  for (const [protocol, code] of [
    ['pcp', 12], // ADDRESS_MISMATCH (RFC 6887 §7.4)
    ['upnp', 606], // Action not authorized
  ] as const) {
    it(`${protocol}: refuses to map a port for another address than the requester's`, async () => {
      const n = `other${protocol}`;
      await nat.ask(`bind ${n}`, event(n, '"bound"'));
      const other = topo.sites[0]!.hosts[0]!.address.replace(/\d+$/, '99');
      const m = await nat.ask(`map ${n} ${protocol} ${other}`, event(n, 'map'));
      assert.equal(m.event, 'map-failed');
      assert.match(m.why ?? '', /^PORTMAP_REFUSED/);
      assert.equal(m.resultCode, code);
    });
  }
});
