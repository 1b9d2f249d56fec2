/**
 * An ISP router between a NAT layer and what lies outside it (the internet bridge, or a carrier
 * NAT's LAN): it only forwards, so a packet's TTL runs out where it would on the internet (docs/lab.md,
 * docs/hole-punching.md). It answers ARP on its outer side for the NAT's WAN address, so the outer
 * side keeps the addresses it had without the hop.
 */
import { hopLink, hopLink6 } from './addressing.js';
import { run, setSysctl } from './exec.js';

export interface HopEnds {
  readonly site: number;
  /** The NAT layer this hop follows (0 innermost). */
  readonly layer: number;
  /** The NAT's namespace; its `wan` interface is made here, facing the hop. */
  readonly nat: string;
  /** The NAT's WAN address (unchanged by the hop), and its inner IPv6 prefix to route back, if any. */
  readonly natWan: string;
  readonly lan6?: string;
  /** The hop's namespace; its `wan` must exist already, on the outer side. */
  readonly hop: string;
  /** On the outer side: the hop's address and prefix, the gateway, and the IPv6 ones. */
  readonly outer: { readonly address: string; readonly prefix: number; readonly gateway: string };
  readonly outer6?: { readonly address: string; readonly gateway: string };
  /** Makes a veth named `lan` in the hop and `wan` in the NAT. */
  veth(hop: [string, string], nat: [string, string]): Promise<void>;
}

const ip = (ns: string, args: string[]): Promise<unknown> => run('ip', ['-n', ns, ...args]);
const addr6 = (ns: string, a: string, dev: string, len = 64): Promise<unknown> =>
  ip(ns, ['-6', 'addr', 'add', `${a}/${len}`, 'dev', dev, 'nodad']);

export async function wireIspHop(e: HopEnds): Promise<void> {
  const { hop, nat } = e;
  await ip(hop, ['addr', 'add', `${e.outer.address}/${e.outer.prefix}`, 'dev', 'wan']);
  await ip(hop, ['route', 'add', 'default', 'via', e.outer.gateway]);
  await ip(hop, ['neigh', 'add', 'proxy', e.natWan, 'dev', 'wan']);
  // Answer at once: a proxy ARP reply is otherwise held up to 0.8 s (proxy_delay).
  await setSysctl(hop, 'net.ipv4.neigh.wan.proxy_delay', 0);
  await e.veth([hop, 'lan'], [nat, 'wan']);
  const link = hopLink(e.site, e.layer);
  await ip(hop, ['addr', 'add', `${link}/32`, 'dev', 'lan']);
  await ip(hop, ['route', 'add', `${e.natWan}/32`, 'dev', 'lan']);
  await ip(nat, ['addr', 'add', `${e.natWan}/32`, 'dev', 'wan']);
  await ip(nat, ['route', 'add', link, 'dev', 'wan']);
  await ip(nat, ['route', 'add', 'default', 'via', link, 'dev', 'wan']);
  await setSysctl(hop, 'net.ipv4.ip_forward', 1);
  if (e.outer6) {
    const l6 = hopLink6(e.site, e.layer);
    await addr6(hop, e.outer6.address, 'wan');
    await ip(hop, ['-6', 'route', 'add', 'default', 'via', e.outer6.gateway]);
    await addr6(hop, `${l6}1`, 'lan');
    await addr6(nat, `${l6}2`, 'wan');
    await ip(nat, ['-6', 'route', 'add', 'default', 'via', `${l6}1`]);
    if (e.lan6) await ip(hop, ['-6', 'route', 'add', `${e.lan6}/64`, 'via', `${l6}2`]);
    await setSysctl(hop, 'net.ipv6.conf.all.forwarding', 1);
  }
}
