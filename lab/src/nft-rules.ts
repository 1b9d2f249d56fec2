/**
 * nftables rulesets for a lab router, from RFC 4787 behaviour (see ../../shared FACTS: no netem, so
 * loss is an nftables `numgen` rule too). Each ruleset replaces the router namespace's whole ruleset.
 *
 *  - mapping EIM with port preservation: plain `masquerade`; endpoint-dependent with random ports:
 *    `masquerade random` (a fresh port per connection, that is per destination endpoint);
 *  - filtering APDF is what conntrack gives by itself; EIF adds a `dnat` of every port back to the
 *    inside (the mapped port equals the inside port: masquerade preserves it); ADF gates that dnat by a
 *    set of (remote address, mapped port) pairs the inside has sent to, so one mapping's contacts do
 *    not open another's;
 *  - no hairpinning: the dnat rules only match packets arriving on the WAN;
 *  - a port-mapping router (`portMapping` on the layer) gets two empty chains that run before the
 *    others, `portmap_in` (before the dnat) and `portmap_out` (before masquerade), where the fake
 *    gateway (gateway/nft.ts) puts each mapping's dnat and snat.
 */
import type { NatLayer } from '@peerlink/testing';
import { LabError } from './errors.js';

export interface LinkLoss {
  /** Percent of packets from the LAN towards the WAN dropped (0..100). */
  readonly outPct: number;
  /** Percent of packets from the WAN towards the LAN dropped. */
  readonly inPct: number;
}

export interface RouterRules {
  /** The NAT this router performs; omitted for a plain router (a `public` site). */
  readonly nat?: NatLayer;
  /** Where EIF/ADF dnat sends unsolicited packets (the single host or the next router inside). */
  readonly inside?: string;
  readonly udpBlocked?: boolean;
  readonly loss?: LinkLoss;
  /** ADF memory lifetime, seconds (matches the conntrack UDP timeout). */
  readonly contactTimeoutSec?: number;
  /** IPv6 traffic: `firewall` (stateful: only what the inside started comes in), `open`, or none. */
  readonly ipv6?: 'firewall' | 'open';
  /** New UDP from the WAN aimed at the router itself: `drop` (default) or `accept` (the clash). */
  readonly unsolicited?: 'drop' | 'accept';
}

const pct = (n: number): number => {
  if (!Number.isInteger(n) || n < 0 || n > 100) {
    throw new LabError('LAB_BAD_SPEC', `loss must be a whole percent 0..100, got ${n}`);
  }
  return n;
};

/** The ruleset text for `nft -f -`. Interfaces are named `wan` and `lan` in every router. */
export function routerRuleset(r: RouterRules): string {
  const guard: string[] = [];
  const input: string[] = [];
  const pre: string[] = [];
  const post: string[] = [];
  const sets: string[] = [];
  if (r.loss && pct(r.loss.outPct) > 0)
    guard.push(`iifname "lan" numgen random mod 100 < ${r.loss.outPct} drop`);
  if (r.loss && pct(r.loss.inPct) > 0)
    guard.push(`oifname "lan" numgen random mod 100 < ${r.loss.inPct} drop`);
  if (r.udpBlocked) guard.push('meta l4proto udp drop');
  if (r.nat) {
    const l = r.nat;
    if (l.portAllocation === 'sequential' || l.mapping === 'address-dependent') {
      throw new LabError(
        'LAB_BAD_SPEC',
        `no kernel recipe for ${l.mapping} mapping with ${l.portAllocation} ports`,
      );
    }
    post.push(`oifname "wan" masquerade${l.mapping === 'endpoint-independent' ? '' : ' random'}`);
    // Like a real home or carrier router, drop unsolicited UDP aimed at the router itself. Accepting
    // it (and answering port-unreachable) would confirm a conntrack entry for the outside endpoint,
    // after which masquerade must give the inside host's own packets to that endpoint another port:
    // simultaneous open between two such NATs could then never meet. The `-open` presets accept it
    // (a Linux box doing nothing but masquerade): the engine's TTL-limited openers must cope.
    if (r.unsolicited !== 'accept') input.push('iifname "wan" meta l4proto udp ct state new drop');
    if (l.filtering !== 'address-and-port-dependent') {
      if (l.mapping !== 'endpoint-independent' || !r.inside) {
        throw new LabError('LAB_BAD_SPEC', `${l.filtering} filtering needs EIM and a single inside address`);
      }
      if (l.filtering === 'endpoint-independent') {
        pre.push(`iifname "wan" udp dport 1024-65535 dnat to ${r.inside}`);
      } else {
        const timeout = r.contactTimeoutSec ?? 300;
        sets.push(
          `set contacted { type ipv4_addr . inet_service; flags dynamic,timeout; timeout ${timeout}s; }`,
        );
        guard.push('iifname "lan" oifname "wan" meta l4proto udp update @contacted { ip daddr . udp sport }');
        pre.push(`iifname "wan" ip saddr . udp dport @contacted dnat to ${r.inside}`);
      }
    }
  }
  const chain = (name: string, hook: string, rules: string[]): string =>
    rules.length ? `  chain ${name} {\n    ${hook}\n${rules.map((x) => `    ${x}\n`).join('')}  }\n` : '';
  const portmap = r.nat?.portMapping
    ? '  chain portmap_in {\n    type nat hook prerouting priority dstnat - 10; policy accept;\n  }\n' +
      '  chain portmap_out {\n    type nat hook postrouting priority srcnat - 10; policy accept;\n  }\n'
    : '';
  return (
    'flush ruleset\n' +
    (r.ipv6 ? ipv6Table(r) : '') +
    'table ip lab {\n' +
    sets.map((s) => `  ${s}\n`).join('') +
    chain('guard', 'type filter hook forward priority filter; policy accept;', guard) +
    chain('wan_in', 'type filter hook input priority filter; policy accept;', input) +
    chain('nat_in', 'type nat hook prerouting priority dstnat; policy accept;', pre) +
    chain('nat_out', 'type nat hook postrouting priority srcnat; policy accept;', post) +
    portmap +
    '}\n'
  );
}

/**
 * IPv6 has no NAT in the lab: a home router is a stateful firewall (inbound packets pass only as
 * part of a flow the inside started, which simultaneous open satisfies), with the same loss and
 * UDP blocking as IPv4.
 */
function ipv6Table(r: RouterRules): string {
  const rules: string[] = [];
  if (r.loss && r.loss.outPct > 0) rules.push(`iifname "lan" numgen random mod 100 < ${r.loss.outPct} drop`);
  if (r.loss && r.loss.inPct > 0) rules.push(`oifname "lan" numgen random mod 100 < ${r.loss.inPct} drop`);
  if (r.udpBlocked) rules.push('meta l4proto udp drop');
  if (r.ipv6 === 'firewall') rules.push('ct state established,related accept', 'iifname "wan" drop');
  if (!rules.length) return '';
  return (
    'table ip6 lab6 {\n  chain guard6 {\n    type filter hook forward priority filter; policy accept;\n' +
    rules.map((x) => `    ${x}\n`).join('') +
    '  }\n}\n'
  );
}
