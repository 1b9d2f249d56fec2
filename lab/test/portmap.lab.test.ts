// Port mapping on a real kernel NAT: a symmetric (`masquerade random`) router running the fake
// gateway grants a mapping by each protocol; the mapping is endpoint-independent both ways and
// unfiltered, and releasing it closes the port. Every wait is on an event with a deadline.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTopology, type Topology } from '../src/index.js';
import { start, type LabProcess } from '../src/exec.js';
import {
  PcpResult,
  decodeNatPmpExternalResponse,
  decodeNatPmpMapResponse,
  decodePcpMapResponse,
  encodeMSearch,
  encodeNatPmpExternalRequest,
  encodeNatPmpMapRequest,
  encodePcpMapRequest,
  parseSearchResponse,
  readSoap,
  soapEnvelope,
} from '@peerlink/p2p';
import { MappingTable } from '../src/gateway/mapping-table.js';
import { handleControl, type ControlContext, type ControlReply } from '../src/gateway/port-control.js';
import { SERVICE, handleSoap, searchAnswer } from '../src/gateway/upnp-control.js';

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

// The gateway's protocol logic without sockets (sans-IO): cheap, so it rides along with the lab test.
describe("the fake gateway's handlers (sans-IO)", () => {
  const WAN = '203.0.113.20';
  const ME = '198.51.100.2';
  const nonce = new Uint8Array(12).fill(7);
  const ctx = (): ControlContext => ({ table: new MappingTable(() => 0.5), wanIp: WAN, startedAt: 0 });
  const pcpMap = (o: Partial<Parameters<typeof encodePcpMapRequest>[0]> = {}): Uint8Array =>
    encodePcpMapRequest({
      lifetimeSec: 600,
      clientAddress: ME,
      nonce,
      protocol: 17,
      internalPort: 4000,
      suggestedExternalPort: 0,
      suggestedExternalAddress: '0.0.0.0',
      ...o,
    });
  const pcpAnswer = (r: ControlReply) => {
    const d = decodePcpMapResponse(r.reply!);
    assert.ok(d.ok);
    return d.value;
  };

  it('PCP grants the internal port, renews with the same nonce, refuses another nonce, deletes', () => {
    const c = ctx();
    const first = handleControl(c, pcpMap(), ME, 1000);
    assert.deepEqual(
      [pcpAnswer(first).resultCode, pcpAnswer(first).externalPort, pcpAnswer(first).externalAddress],
      [0, 4000, WAN],
    );
    assert.equal(first.added.length, 1);
    const renewed = handleControl(c, pcpMap({ suggestedExternalPort: 4000 }), ME, 2000);
    assert.equal(pcpAnswer(renewed).externalPort, 4000);
    const thief = handleControl(c, pcpMap({ nonce: new Uint8Array(12) }), ME, 3000);
    assert.equal(pcpAnswer(thief).resultCode, PcpResult.NotAuthorized);
    const gone = handleControl(c, pcpMap({ lifetimeSec: 0 }), ME, 4000);
    assert.equal(pcpAnswer(gone).resultCode, 0);
    assert.equal(gone.removed.length, 1);
    assert.equal(c.table.size, 0);
  });

  it('PCP refuses another client address and a THIRD_PARTY option, and answers other versions', () => {
    const c = ctx();
    const other = handleControl(c, pcpMap({ clientAddress: '198.51.100.9' }), ME, 0);
    assert.equal(pcpAnswer(other).resultCode, PcpResult.AddressMismatch);
    // THIRD_PARTY (code 1, RFC 6887 §13.1): 4-byte option header and a 16-byte address.
    const withOption = new Uint8Array(60 + 20);
    withOption.set(pcpMap());
    withOption.set([1, 0, 0, 16], 60);
    const third = handleControl(c, withOption, ME, 0);
    assert.equal(pcpAnswer(third).resultCode, PcpResult.UnsuppOption);
    const v3 = handleControl(c, Uint8Array.from([3, 1, 0, 0, ...new Uint8Array(56)]), ME, 0);
    assert.equal(v3.reply?.[3], PcpResult.UnsuppVersion);
    assert.equal(c.table.size, 0);
  });

  it('NAT-PMP maps the sender, suggests another port when taken, and deletes all with port 0', () => {
    const c = ctx();
    const map = (from: string, port: number, lifetimeSec = 60) => {
      const r = handleControl(
        c,
        encodeNatPmpMapRequest({
          protocol: 'udp',
          internalPort: port,
          suggestedExternalPort: port,
          lifetimeSec,
        }),
        from,
        0,
      );
      const d = decodeNatPmpMapResponse(r.reply!);
      assert.ok(d.ok, JSON.stringify(d));
      return d.value;
    };
    assert.equal(map(ME, 5000).externalPort, 5000);
    assert.equal(map(ME, 5001).externalPort, 5001);
    assert.notEqual(map('198.51.100.3', 5000).externalPort, 5000, 'the port is taken by another owner');
    const ext = decodeNatPmpExternalResponse(handleControl(c, encodeNatPmpExternalRequest(), ME, 0).reply!);
    assert.ok(ext.ok && ext.value.externalAddress === WAN);
    map(ME, 0, 0);
    assert.deepEqual(c.table.ownedBy(ME), []);
    assert.equal(c.table.size, 1);
  });

  it('expires mappings with their lifetime', () => {
    const c = ctx();
    handleControl(c, pcpMap({ lifetimeSec: 2 }), ME, 0);
    assert.equal(c.table.nextExpiry(), 2000);
    assert.deepEqual(c.table.expire(1999), []);
    assert.equal(c.table.expire(2000).length, 1);
  });

  it("UPnP maps only the caller's own address, reports conflicts and missing entries", () => {
    const c = ctx();
    const add = (client: string, from: string, port: number) =>
      handleSoap(
        c,
        soapEnvelope('AddPortMapping', SERVICE, {
          NewRemoteHost: '',
          NewExternalPort: String(port),
          NewProtocol: 'UDP',
          NewInternalPort: '4000',
          NewInternalClient: client,
          NewEnabled: '1',
          NewPortMappingDescription: 't',
          NewLeaseDuration: '0',
        }),
        from,
        0,
      );
    const faultCode = (a: { body: string }): number | undefined => {
      const r = readSoap(a.body);
      return r.ok ? undefined : r.error.resultCode;
    };
    assert.equal(faultCode(add('198.51.100.9', ME, 4000)), 606);
    const ok = add(ME, ME, 4000);
    assert.equal(ok.status, 200);
    assert.equal(ok.added.length, 1);
    assert.equal(faultCode(add('198.51.100.3', '198.51.100.3', 4000)), 718);
    const del = (port: number, from: string) =>
      handleSoap(
        c,
        soapEnvelope('DeletePortMapping', SERVICE, {
          NewRemoteHost: '',
          NewExternalPort: String(port),
          NewProtocol: 'UDP',
        }),
        from,
        0,
      );
    assert.equal(faultCode(del(4000, '198.51.100.3')), 606);
    assert.equal(del(4000, ME).removed.length, 1);
    assert.equal(faultCode(del(4000, ME)), 714);
  });

  it('answers an M-SEARCH for the IGD and ignores other targets', () => {
    const loc = 'http://198.51.100.1:5000/rootDesc.xml';
    const a = searchAnswer(encodeMSearch(), loc);
    assert.ok(a);
    const r = parseSearchResponse(a, '198.51.100.1');
    assert.ok(r.ok && r.value.href === loc);
    assert.equal(searchAnswer(encodeMSearch('urn:schemas-upnp-org:device:MediaServer:1'), loc), undefined);
  });
});
