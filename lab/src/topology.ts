/**
 * Builds the lab from network namespaces: the `core` namespace is the internet (a bridge, the core
 * router and the server's two addresses), and each site is a chain of router namespaces doing NAT
 * with nftables, with its host(s) behind. The host's link is a veth, or a tap-link pair when the
 * site has a delay; loss is an nftables rule on the innermost router. See docs/lab.md for a diagram.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { PRESETS, type Preset, type PresetName } from '@peerlink/testing';
import {
  CORE_GATEWAY,
  CORE_GATEWAY6,
  SERVER_IP6,
  SERVER_NAME,
  carrierLink6,
  ispWan,
  ispWan6,
  lan6,
  wanAddress6,
  INTERNET_PREFIX,
  MAX_SITES,
  SERVER_ALT_IP,
  SERVER_IP,
  carrierLink,
  natLan,
  publicLan,
  wanAddress,
  type Subnet,
} from './addressing.js';
import { LabError } from './errors.js';
import { inNs, run, setSysctl, type LabProcess } from './exec.js';
import { deleteNamespace, newRunNames, type RunNames } from './names.js';
import { routerRuleset } from './nft-rules.js';
import { startTapLink } from './tap-link.js';
import { startGatewayIn } from './gateway/start.js';
import { wireIspHop } from './isp-hop.js';

/** The condition of one site's access link, each direction stated separately. */
export interface SiteLink {
  /** One-way delay host→router and router→host, ms. */
  readonly delayMs: number;
  readonly jitterMs: number;
  /** Percent dropped leaving the site (host→internet) and entering it. */
  readonly lossOutPct: number;
  readonly lossInPct: number;
}

export interface SiteSpec {
  readonly preset: PresetName;
  readonly link?: SiteLink;
  /** Conntrack UDP timeout on the site's routers, seconds (Linux default 30, 120 once both ways). */
  readonly mappingTimeoutSec?: number;
  /** Give the site global IPv6 behind a stateful firewall (no NAT66). */
  readonly ipv6?: boolean;
}

export interface LabHost {
  readonly ns: string;
  readonly address: string;
  /** Global IPv6 address, when the site has IPv6. */
  readonly address6: string | null;
}

export interface LabSite {
  readonly index: number;
  readonly preset: Preset;
  readonly hosts: readonly LabHost[];
  /** Router namespaces from the host outwards (the NAT layers, or a public site's plain router). */
  readonly routers: readonly string[];
  /** ISP router namespaces (plain forwarding, a layer's `hopsOutside`), from the host outwards. */
  readonly hops: readonly string[];
  /** The address the internet sees the site's traffic from. */
  readonly publicIp: string;
  /** The fake port-mapping gateway (a `portMapping` layer), which prints one line per change. */
  readonly gateway: LabProcess | undefined;
}

export interface Topology {
  readonly names: RunNames;
  /** The internet namespace, where the server runs. */
  readonly core: string;
  readonly sites: readonly LabSite[];
  /** Adds a process to stop at teardown. */
  own(p: LabProcess): void;
  /** Stops every process, deletes every namespace; safe to call twice. */
  teardown(): Promise<void>;
}

const live = new Set<Topology>();

/** Tears down every topology of this process (for SIGINT/SIGTERM handlers). */
export async function teardownAll(): Promise<void> {
  await Promise.all([...live].map((t) => t.teardown()));
}

export async function buildTopology(specs: readonly SiteSpec[]): Promise<Topology> {
  if (specs.length > MAX_SITES) throw new LabError('LAB_BAD_SPEC', `at most ${MAX_SITES} sites`);
  const names = newRunNames();
  const namespaces: string[] = [];
  const processes: LabProcess[] = [];
  let torn: Promise<void> | undefined;
  const topo: Topology = {
    names,
    core: names.ns('core'),
    sites: [],
    own: (p) => void processes.push(p),
    teardown: () =>
      (torn ??= (async () => {
        live.delete(topo);
        // A signal can arrive mid-build: let namespace creations in flight finish, so none escapes.
        await Promise.allSettled(inFlight);
        await Promise.all(processes.map((p) => p.stop()));
        await Promise.all(namespaces.map(deleteNamespace));
      })()),
  };
  live.add(topo);
  const inFlight = new Set<Promise<unknown>>();
  const addNs = async (role: string): Promise<string> => {
    if (torn) throw new LabError('LAB_TORN_DOWN', 'the lab is being torn down');
    const ns = names.ns(role);
    namespaces.push(ns);
    const adding = run('ip', ['netns', 'add', ns]);
    inFlight.add(adding);
    await adding.finally(() => inFlight.delete(adding));
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  };
  try {
    const core = await addNs('core');
    await ipIn(core, ['link', 'add', 'br0', 'type', 'bridge']);
    await ipIn(core, ['link', 'set', 'br0', 'up']);
    for (const a of [CORE_GATEWAY, SERVER_IP, SERVER_ALT_IP]) {
      await ipIn(core, ['addr', 'add', `${a}/${INTERNET_PREFIX}`, 'dev', 'br0']);
    }
    for (const a of [CORE_GATEWAY6, SERVER_IP6]) await addr6(core, a, 'br0');
    await setSysctl(core, 'net.ipv4.ip_forward', 1);
    await setSysctl(core, 'net.ipv6.conf.all.forwarding', 1);
    const ctx = { names, core, addNs, own: topo.own };
    (topo as { sites: readonly LabSite[] }).sites = await Promise.all(
      specs.map((s, i) => buildSite(ctx, i, s)),
    );
    return topo;
  } catch (e) {
    await topo.teardown();
    throw e;
  }
}

interface Ctx {
  readonly names: RunNames;
  readonly core: string;
  addNs(role: string): Promise<string>;
  own(p: LabProcess): void;
}

const ipIn = (ns: string, args: string[]): Promise<unknown> => run('ip', ['-n', ns, ...args]);
/** Adds a /64 without duplicate address detection: usable at once, no tentative period to wait out. */
const addr6 = (ns: string, address: string, dev: string): Promise<unknown> =>
  ipIn(ns, ['-6', 'addr', 'add', `${address}/64`, 'dev', dev, 'nodad']);

/** A veth pair whose ends land in two namespaces under the names given. */
async function veth(ctx: Ctx, role: string, a: [string, string], b: [string, string]): Promise<void> {
  const ra = ctx.names.ifname(`${role}a`);
  const rb = ctx.names.ifname(`${role}b`);
  await run('ip', ['link', 'add', ra, 'type', 'veth', 'peer', 'name', rb]);
  await place(ra, a);
  await place(rb, b);
}

/** Moves a root-namespace interface into a namespace and renames it there. */
async function place(dev: string, [ns, name]: [string, string]): Promise<void> {
  await run('ip', ['link', 'set', dev, 'netns', ns]);
  await ipIn(ns, ['link', 'set', dev, 'name', name]);
  await ipIn(ns, ['link', 'set', name, 'up']);
}

async function buildSite(ctx: Ctx, i: number, spec: SiteSpec): Promise<LabSite> {
  const preset = PRESETS[spec.preset];
  if (!preset) throw new LabError('LAB_BAD_SPEC', `unknown preset ${spec.preset}`);
  const layers = preset.layers.length || 1; // a public site still has a (plain) router
  const routers: string[] = [];
  for (let k = 0; k < layers; k++) routers.push(await ctx.addNs(`s${i}r${k}`));
  const outer = routers[layers - 1] as string;
  const v6 = spec.ipv6 === true;
  const hopAfter = (k: number): number => {
    const h = preset.layers[k]?.hopsOutside ?? 0;
    if (h > 1) throw new LabError('LAB_BAD_SPEC', `at most one ISP hop after a layer, got ${h}`);
    return h;
  };
  const hops: string[] = [];
  const hopNs = async (k: number): Promise<string> => {
    const ns = await ctx.addNs(`s${i}i${k}`);
    hops.push(ns);
    return ns;
  };
  const wire = (hop: string, k: number, nat: string, natWan: string, rest: object) =>
    wireIspHop({
      site: i,
      layer: k,
      nat,
      natWan,
      hop,
      ...(v6 ? { lan6: lan6(i) } : {}),
      veth: (a, b) => veth(ctx, `s${i}j${k}`, a, b),
      ...(rest as Pick<Parameters<typeof wireIspHop>[0], 'outer' | 'outer6'>),
    });

  // Outermost router on the internet bridge, or behind its ISP router there.
  const onBridge = hopAfter(layers - 1) ? await hopNs(layers - 1) : outer;
  await veth(ctx, `s${i}w`, [onBridge, 'wan'], [ctx.core, `s${i}`]);
  await ipIn(ctx.core, ['link', 'set', `s${i}`, 'master', 'br0']);
  if (onBridge !== outer) {
    await wire(onBridge, layers - 1, outer, wanAddress(i), {
      outer: { address: ispWan(i), prefix: INTERNET_PREFIX, gateway: CORE_GATEWAY },
      ...(v6 ? { outer6: { address: ispWan6(i), gateway: CORE_GATEWAY6 } } : {}),
    });
    if (v6) await ipIn(ctx.core, ['-6', 'route', 'add', `${lan6(i)}/64`, 'via', ispWan6(i)]);
  } else {
    await ipIn(outer, ['addr', 'add', `${wanAddress(i)}/${INTERNET_PREFIX}`, 'dev', 'wan']);
    await ipIn(outer, ['route', 'add', 'default', 'via', CORE_GATEWAY]);
    if (v6) {
      await addr6(outer, wanAddress6(i), 'wan');
      await ipIn(outer, ['-6', 'route', 'add', 'default', 'via', CORE_GATEWAY6]);
      await ipIn(ctx.core, ['-6', 'route', 'add', `${lan6(i)}/64`, 'via', wanAddress6(i)]);
    }
  }
  // Home router behind a carrier router, with an ISP router between them or not.
  if (layers === 2) {
    const home = routers[0] as string;
    const link = carrierLink(i);
    const facing = hopAfter(0) ? await hopNs(0) : home;
    await veth(ctx, `s${i}c`, [facing, 'wan'], [outer, 'lan']);
    await ipIn(outer, ['addr', 'add', `${link.at(1)}/${link.prefix}`, 'dev', 'lan']);
    if (v6) await addr6(outer, `${carrierLink6(i)}1`, 'lan');
    if (facing !== home) {
      await wire(facing, 0, home, link.at(2), {
        outer: { address: link.at(3), prefix: link.prefix, gateway: link.at(1) },
        ...(v6 ? { outer6: { address: `${carrierLink6(i)}3`, gateway: `${carrierLink6(i)}1` } } : {}),
      });
      if (v6) await ipIn(outer, ['-6', 'route', 'add', `${lan6(i)}/64`, 'via', `${carrierLink6(i)}3`]);
    } else {
      await ipIn(home, ['addr', 'add', `${link.at(2)}/${link.prefix}`, 'dev', 'wan']);
      await ipIn(home, ['route', 'add', 'default', 'via', link.at(1)]);
      if (v6) {
        await addr6(home, `${carrierLink6(i)}2`, 'wan');
        await ipIn(home, ['-6', 'route', 'add', 'default', 'via', `${carrierLink6(i)}1`]);
        await ipIn(outer, ['-6', 'route', 'add', `${lan6(i)}/64`, 'via', `${carrierLink6(i)}2`]);
      }
    }
  }

  // The innermost router's LAN: a bridge, so a shared site can hold two hosts.
  const inner = routers[0] as string;
  const lan: Subnet = preset.layers.length === 0 ? publicLan(i) : natLan(i);
  await ipIn(inner, ['link', 'add', 'lan', 'type', 'bridge']);
  await ipIn(inner, ['link', 'set', 'lan', 'up']);
  await ipIn(inner, ['addr', 'add', `${lan.at(1)}/${lan.prefix}`, 'dev', 'lan']);
  if (v6) await addr6(inner, `${lan6(i)}1`, 'lan');
  if (preset.layers.length === 0)
    await ipIn(ctx.core, ['route', 'add', `${lan.base}/${lan.prefix}`, 'via', wanAddress(i)]);
  const hosts: LabHost[] = [];
  for (let j = 0; j < (preset.shared ? 2 : 1); j++) {
    const ns = await ctx.addNs(`s${i}h${j}`);
    const port = `p${j}`;
    if (spec.link && (spec.link.delayMs > 0 || spec.link.jitterMs > 0)) {
      const a = ctx.names.ifname(`s${i}t${j}a`);
      const b = ctx.names.ifname(`s${i}t${j}b`);
      ctx.own(
        await startTapLink({
          a,
          b,
          delayAtoBMs: spec.link.delayMs,
          delayBtoAMs: spec.link.delayMs,
          jitterMs: spec.link.jitterMs,
          seed: i * 2 + j + 1,
        }),
      );
      await place(a, [ns, 'eth0']);
      await place(b, [inner, port]);
    } else {
      await veth(ctx, `s${i}h${j}`, [ns, 'eth0'], [inner, port]);
    }
    await ipIn(inner, ['link', 'set', port, 'master', 'lan']);
    const address = lan.at(2 + j);
    await ipIn(ns, ['addr', 'add', `${address}/${lan.prefix}`, 'dev', 'eth0']);
    await ipIn(ns, ['route', 'add', 'default', 'via', lan.at(1)]);
    let address6: string | null = null;
    if (v6) {
      address6 = `${lan6(i)}${2 + j}`;
      await addr6(ns, address6, 'eth0');
      await ipIn(ns, ['-6', 'route', 'add', 'default', 'via', `${lan6(i)}1`]);
    }
    await writeHosts(ns, v6);
    hosts.push({ ns, address, address6 });
  }

  // Forwarding, NAT rules (innermost layer first), mapping timeouts.
  let gateway: LabProcess | undefined;
  for (let k = 0; k < layers; k++) {
    const ns = routers[k] as string;
    await setSysctl(ns, 'net.ipv4.ip_forward', 1);
    if (v6) await setSysctl(ns, 'net.ipv6.conf.all.forwarding', 1);
    const layer = preset.layers[k];
    const inside = k === 0 ? hosts[0]?.address : carrierLink(i).at(2);
    const rules = routerRuleset({
      ...(layer ? { nat: layer } : {}),
      ...(inside ? { inside } : {}),
      udpBlocked: preset.udpBlocked && k === 0,
      ...(k === 0 && spec.link ? { loss: { outPct: spec.link.lossOutPct, inPct: spec.link.lossInPct } } : {}),
      ...(spec.mappingTimeoutSec ? { contactTimeoutSec: spec.mappingTimeoutSec } : {}),
      ...(v6 && k === 0 ? { ipv6: preset.layers.length ? ('firewall' as const) : ('open' as const) } : {}),
      ...(layer?.unsolicited ? { unsolicited: layer.unsolicited } : {}),
    });
    await inNs(ns, 'nft', ['-f', '-'], rules);
    if (layer?.portMapping) {
      // The fake gateway answers on this router's LAN side and maps to its WAN side.
      const lanIp = k === 0 ? lan.at(1) : carrierLink(i).at(1);
      const wanIp = k === layers - 1 ? wanAddress(i) : carrierLink(i).at(2);
      gateway = await startGatewayIn(ns, lanIp, wanIp);
      ctx.own(gateway);
    }
    if (layer && spec.mappingTimeoutSec) {
      const t = String(spec.mappingTimeoutSec);
      await setSysctl(ns, 'net.netfilter.nf_conntrack_udp_timeout', t);
      await setSysctl(ns, 'net.netfilter.nf_conntrack_udp_timeout_stream', t);
    }
  }
  return {
    index: i,
    preset,
    hosts,
    routers,
    hops,
    publicIp: preset.layers.length === 0 ? (hosts[0] as LabHost).address : wanAddress(i),
    gateway,
  };
}

/**
 * Gives a host namespace its own /etc/hosts (`ip netns exec` bind-mounts /etc/netns/NS/hosts), so
 * `peerlink nat --server stun:stun.lab` resolves the server in both families, as a real name would.
 */
async function writeHosts(ns: string, v6: boolean): Promise<void> {
  const dir = `/etc/netns/${ns}`;
  await mkdir(dir, { recursive: true });
  const lines = [
    '127.0.0.1 localhost',
    `${SERVER_IP} ${SERVER_NAME}`,
    ...(v6 ? [`${SERVER_IP6} ${SERVER_NAME}`] : []),
  ];
  await writeFile(`${dir}/hosts`, lines.join('\n') + '\n');
}
